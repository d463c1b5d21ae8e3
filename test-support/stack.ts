import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The whole product started the way a user starts it (`switchboard up`, as
 * `npm start` does), on free ports and a data directory of its own.
 */
export interface Stack {
  url: string;
  adminUrl: string;
  adminToken: string;
  dataDir: string;
  process: ChildProcess;
  /** Output so far, for diagnostics. */
  output(): string;
  /** Pids of the API instance processes, by instance id (api-1, api-2, …). */
  apiPids(): Map<string, number>;
  /** SIGTERM and wait for a clean exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export interface StackOptions {
  env?: Record<string, string>;
  instances?: number;
  /** Reuse a data directory (to check persistence); a fresh temp one by default. */
  dataDir?: string;
  startTimeoutMs?: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'sb-stack-'));
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      path.join(repoRoot, 'packages/cli/src/main.ts'),
      'up',
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        ADMIN_ADDR: `127.0.0.1:${adminPort}`,
        DATA_DIR: dataDir,
        API_INSTANCES: String(options.instances ?? 2),
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`switchboard up exited (${child.exitCode}):\n${output}`);
    if (output.includes('ready in')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`switchboard up did not get ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const adminToken =
    options.env?.ADMIN_TOKEN ?? readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    url,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminToken,
    dataDir,
    process: child,
    output: () => output,
    apiPids() {
      const pids = new Map<string, number>();
      const ps = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], {
        encoding: 'utf8',
      });
      for (const pid of ps
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter(Boolean)) {
        try {
          const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
          const id = environ
            .find((e) => e.startsWith('INSTANCE_ID='))
            ?.slice('INSTANCE_ID='.length);
          if (id) pids.set(id, pid);
        } catch {
          // exited meanwhile
        }
      }
      return pids;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

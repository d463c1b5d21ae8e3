import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startSwitchboardUp } from './processes.js';

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

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'sb-stack-'));
  const up = await startSwitchboardUp({
    port,
    adminPort,
    dataDir,
    instances: options.instances ?? 2,
    env: options.env ?? {},
    timeoutMs: options.startTimeoutMs ?? 60_000,
  });
  const child = up.process;
  const url = `http://127.0.0.1:${port}`;
  const adminToken =
    options.env?.ADMIN_TOKEN ?? readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    url,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminToken,
    dataDir,
    process: child,
    output: up.output,
    apiPids() {
      const pids = new Map<string, number>();
      for (const pid of descendants(child.pid)) {
        try {
          const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
          const id = environ
            .find((e) => e.startsWith('INSTANCE_ID='))
            ?.slice('INSTANCE_ID='.length);
          // The instance's own children (tsx's esbuild service when run from the
          // sources) inherit INSTANCE_ID; the instance is the topmost one, which
          // comes first in this breadth-first walk.
          if (id && !pids.has(id)) pids.set(id, pid);
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

/** Every process below `pid` (the command, `up` under it, the API instances under that). */
function descendants(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children = new Map<number, number[]>();
  const ps = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  for (const line of ps.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const next of children.get(queue.shift()!) ?? []) {
      out.push(next);
      queue.push(next);
    }
  }
  return out;
}

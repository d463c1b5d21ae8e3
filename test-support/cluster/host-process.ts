import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { repoRoot, tsxExecArgv } from '../processes.js';
import { killNamespace, type NetHost } from './netns.js';

/**
 * A process running on a test host: `ip netns exec` execs the command in
 * place, so the child's pid is the role's own. Configuration is the
 * environment only, as the container is configured (deploy/Dockerfile); a
 * minimal base environment keeps the harness's own variables out.
 */
export interface HostProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Last lines of output, for diagnostics. */
  output(): string;
  exited(): boolean;
  /** SIGTERM (or signal), SIGKILL after graceMs; resolves when it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const baseEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
});

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user, e.g. postgres, which refuses root (setpriv execs, so signals reach it). */
  user?: string;
  ipc?: boolean;
  /** Lines of output kept. */
  keepLines?: number;
}

export function spawnOnHost(
  host: NetHost,
  name: string,
  command: string[],
  options: SpawnOptions = {},
): HostProcess {
  const argv = options.user
    ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups', ...command]
    : command;
  const stdio: StdioOptions = options.ipc
    ? ['ignore', 'pipe', 'pipe', 'ipc']
    : ['ignore', 'pipe', 'pipe'];
  const child = spawn('ip', ['netns', 'exec', host.namespace, ...argv], {
    cwd: repoRoot,
    env: { ...baseEnv(), ...options.env },
    stdio,
  });
  const lines: string[] = [];
  const keep = options.keepLines ?? 200;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      lines.push(...chunk.split('\n').filter(Boolean));
      if (lines.length > keep) lines.splice(0, lines.length - keep);
    });
  }
  child.on('error', () => {});
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name,
    child,
    output: () => lines.join('\n'),
    exited,
    async stop(signal = 'SIGTERM', graceMs = 5_000) {
      if (!exited()) child.kill(signal);
      const timer = setTimeout(() => {
        if (!exited()) child.kill('SIGKILL');
      }, graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** `switchboard <role>` on a host, run the way `npm start` runs it (tsx over the sources). */
export function spawnRole(
  host: NetHost,
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): HostProcess {
  const main = path.join(repoRoot, 'packages', 'cli', 'src', 'main.ts');
  return spawnOnHost(host, name, [process.execPath, ...tsxExecArgv, main, ...args], { env });
}

/** Power-off: every process of the host dies at once (its links should be cut first). */
export function powerOff(host: NetHost): void {
  killNamespace(host.namespace, 'SIGKILL');
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  intervalMs = 250,
  diagnostics?: () => string,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - start;
    } catch {
      // not yet
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s${diagnostics ? `\n${diagnostics()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

import { type ChildProcess, fork, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Child processes for tests and benchmarks: the `switchboard` command as a
 * user runs it, and TypeScript entries that report their port over IPC.
 * Benchmarks (packages/*\/bench) use these too, so there is one way to start
 * the product from outside it.
 */

export { freePort } from '@switchboard/cli';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The installed `switchboard` command (npm links it from packages/cli/bin). */
export const switchboardBin = path.join(repoRoot, 'node_modules', '.bin', 'switchboard');

/**
 * Node flags for the `switchboard` command in tests: its sources (through tsx),
 * not the compiled dist/ that a user's `switchboard` runs, so a test never runs
 * a stale build.
 */
export const sourceCondition = ['--conditions=source'];

/** Node flags that run a TypeScript entry from the workspace sources. */
export const tsxExecArgv = ['--conditions=source', '--import', 'tsx'];

export interface ListeningChild {
  process: ChildProcess;
  /** The process that listens (under the `switchboard` command, its child). */
  pid: number | undefined;
  port: number;
  url: string;
  /** What it printed (stdout and stderr, by line), when forked with captureOutput. */
  output: string[];
  /** SIGTERM (or the given signal), then SIGKILL after graceMs; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ForkOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Node flags for the child; by default those that run TypeScript (tsxExecArgv). */
  execArgv?: string[];
  timeoutMs?: number;
  /** Collect stdout and stderr by line in `output` instead of passing them through. */
  captureOutput?: boolean;
}

/** A message `{type: 'listening', port, pid?}` on the IPC channel says the child is up. */
interface ListeningMessage {
  type?: string;
  port?: number;
  pid?: number;
}

/**
 * Forks `entry` and waits for it to report `{type: 'listening', port}` over
 * IPC. The child should exit when the channel closes (its parent is gone).
 */
export async function forkListening(
  entry: string,
  options: ForkOptions = {},
): Promise<ListeningChild> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = fork(entry, options.args ?? [], {
    cwd: repoRoot,
    execArgv: options.execArgv ?? tsxExecArgv,
    env: options.env ?? process.env,
    stdio: options.captureOutput
      ? ['ignore', 'pipe', 'pipe', 'ipc']
      : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const name = [path.basename(entry), ...(options.args ?? [])].join(' ');
  const listening = await new Promise<ListeningMessage>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', (message: ListeningMessage) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${signal ?? code}`));
    });
  });
  const port = listening.port!;
  return {
    process: child,
    pid: listening.pid ?? child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    output,
    stop: async (signal = 'SIGTERM', graceMs = 5_000) => {
      const running = () => child.exitCode === null && child.signalCode === null;
      if (running()) child.kill(signal);
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `switchboard <args>` forked with an IPC channel (for commands that report their port: `api`). */
export function forkSwitchboard(
  args: string[],
  options: Omit<ForkOptions, 'args' | 'execArgv'> = {},
): Promise<ListeningChild> {
  // The command sets the rest of the flags for the process it starts.
  return forkListening(switchboardBin, { ...options, args, execArgv: sourceCondition });
}

export interface SwitchboardUp {
  process: ChildProcess;
  /** stdout and stderr so far, for diagnostics. */
  output(): string;
}

export interface UpOptions {
  port: number;
  adminPort: number;
  dataDir: string;
  instances: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * `switchboard up` on the given ports and data directory, the embedded
 * PostgreSQL (DATABASE_URL cleared), resolved once it prints "ready in".
 */
export async function startSwitchboardUp(options: UpOptions): Promise<SwitchboardUp> {
  const child = spawn(process.execPath, [...sourceCondition, switchboardBin, 'up'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(options.port),
      ADMIN_ADDR: `127.0.0.1:${options.adminPort}`,
      // gRPC is tested on its own ports; tests run side by side.
      GRPC_PORT: 'off',
      DATA_DIR: options.dataDir,
      API_INSTANCES: String(options.instances),
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timeoutMs = options.timeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // SIGTERM first: the command passes it on, and `up` stops what it started.
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      reject(new Error(`switchboard up did not get ready in ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      if (!output.includes('ready in')) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`switchboard up exited (${code}):\n${output}`));
    });
  });
  return { process: child, output: () => output };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readlink, realpath } from 'node:fs/promises';

export interface PostgresSupervisorOptions {
  /** The `postgres` server binary. */
  binary: string;
  /** The cluster's data directory (absolute). */
  dataDir: string;
  port: number;
  /** Extra server arguments (`-c name=value` …). */
  flags: readonly string[];
  /** PostgreSQL refuses to run as root: the user it runs as then. */
  runAs?: { uid: number; gid: number };
  /** The supervisor's own lines (exits, restarts); the server's log is kept for error messages. */
  log: (line: string) => void;
  /** How long one start may take, crash recovery included. */
  startTimeoutMs?: number;
}

const readyLine = 'database system is ready to accept connections';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a PostgreSQL server as a child process (so it stays in `up`'s process
 * group and a stop of the group leaves nothing behind) and restarts it, on
 * the same port and data directory, when it dies: the server then does its
 * own crash recovery from the WAL, so no committed write is lost. The API
 * instances answer 503 meanwhile and reconnect by themselves.
 */
export class PostgresSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly recent: string[] = [];
  /** Should this process exit without stopping the server (a crash, process.exit), stop it anyway. */
  private readonly onProcessExit = () => this.child?.kill('SIGINT');

  constructor(private readonly options: PostgresSupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The first start; fails with the server's last log lines. */
  async start(): Promise<void> {
    await waitForOldBackends(this.options.dataDir, 30_000);
    process.once('exit', this.onProcessExit);
    await this.spawnOnce().catch((err: unknown) => {
      process.removeListener('exit', this.onProcessExit);
      throw err;
    });
  }

  /** From now on an exiting server is not restarted (a signal to the whole group may reach it first). */
  beginStop(): void {
    this.stopping = true;
  }

  /** Fast shutdown (SIGINT: sessions are ended, nothing waits for clients); SIGKILL if it hangs. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.onProcessExit);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGINT');
    });
  }

  private spawnOnce(): Promise<void> {
    const { binary, dataDir, port, flags, runAs } = this.options;
    const child = spawn(binary, ['-D', dataDir, '-p', String(port), ...flags], {
      ...(runAs ?? {}),
      // Messages in English: the ready line is matched below.
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.recent.length = 0;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timeoutMs = this.options.startTimeoutMs ?? 120_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(this.failure(`did not get ready within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      let partial = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          this.recent.push(line);
          if (this.recent.length > 20) this.recent.shift();
          if (!ready && line.includes(readyLine)) {
            ready = true;
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(this.failure(err.message));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) {
          reject(this.failure(`exited during start-up (${signal ?? `code ${code}`})`));
          return;
        }
        if (this.child === child) this.exited(code, signal);
      });
    });
  }

  private failure(what: string): Error {
    const tail = this.recent.filter(Boolean).slice(-5).join('\n  ');
    return new Error(
      `PostgreSQL ${what} (port ${this.options.port}, data in ${this.options.dataDir})${tail ? `:\n  ${tail}` : ''}`,
    );
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    this.options.log(
      `PostgreSQL exited (${signal ?? `code ${code}`}); restarting it on port ${this.options.port}`,
    );
    void this.restart(code === 0);
  }

  private async restart(clean: boolean): Promise<void> {
    const since = Date.now();
    // A clean exit may be the terminal's Ctrl-C reaching the whole group: let up's own stop begin.
    if (clean) await sleep(1_000);
    // The killed postmaster's backends still hold its shared memory; a new
    // server refuses to start until they have noticed and exited.
    await waitForOldBackends(this.options.dataDir, 30_000);
    let delay = 250;
    let lastReason = '';
    while (!this.stopping) {
      try {
        await this.spawnOnce();
        this.options.log(
          `PostgreSQL is back on port ${this.options.port} after ${((Date.now() - since) / 1000).toFixed(1)} s`,
        );
        return;
      } catch (err) {
        if (this.stopping) return;
        const reason = (err as Error).message;
        if (reason !== lastReason) this.options.log(`${reason}; retrying`);
        lastReason = reason;
      }
      await sleep(delay);
      delay = Math.min(5_000, delay * 2);
    }
  }
}

/**
 * Waits until no process works in the data directory (PostgreSQL backends
 * run there), up to `timeoutMs`. Where /proc is missing, starting is retried
 * instead: the server itself refuses while old backends hold the cluster.
 */
async function waitForOldBackends(dataDir: string, timeoutMs: number): Promise<void> {
  if (!existsSync('/proc/self/cwd')) return;
  const target = await realpath(dataDir).catch(() => dataDir);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    let found = false;
    for (const pid of pids) {
      const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
      if (cwd === target) {
        found = true;
        break;
      }
    }
    if (!found) return;
    await sleep(100);
  }
}

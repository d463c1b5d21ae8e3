import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '@switchboard/core';

export interface ApiInstance {
  id: string;
  port: number;
  pid: number | undefined;
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  restarts: number;
}

/** What a rolling restart does around each replacement (see up/rolling-restart.ts). */
export interface ReplaceHooks {
  /** The replacement listens and answers /ready: put it in rotation. */
  started(next: ApiInstance): Promise<void>;
  /** Take the old one out of rotation; it is stopped (SIGTERM) once this resolves. */
  drain(old: ApiInstance): Promise<void>;
  /** The old one has exited. */
  stopped(old: ApiInstance): Promise<void>;
}

export interface SupervisorOptions {
  ports: readonly number[];
  /** Environment shared by every instance (DATABASE_URL, AUTH_MODE, …). */
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  startTimeoutMs?: number;
}

// The cli's own entry point: main.ts when run from source, main.js once built.
const entry = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url),
);

/**
 * Runs the API instances as child processes on fixed loopback ports and
 * restarts any that dies (with growing back-off), as Kubernetes would. The
 * proxy's health checks take a dead instance out meanwhile.
 */
export class ApiSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly instances: ApiInstance[];
  private stopping = false;
  /** Instances being replaced: their exit is expected, not restarted. */
  private readonly retiring = new Set<string>();
  private nextNumber: number;

  constructor(private readonly options: SupervisorOptions) {
    this.nextNumber = options.ports.length + 1;
    this.instances = options.ports.map((port, i) => ({
      id: `api-${i + 1}`,
      port,
      pid: undefined,
      state: 'starting',
      restarts: 0,
    }));
  }

  list(): readonly ApiInstance[] {
    return this.instances;
  }

  async start(): Promise<void> {
    await Promise.all(this.instances.map((instance) => this.spawn(instance)));
  }

  private spawn(instance: ApiInstance): Promise<void> {
    const child = fork(entry, ['api'], {
      execArgv: process.execArgv,
      env: {
        ...process.env,
        ...this.options.env,
        HOST: '127.0.0.1',
        PORT: String(instance.port),
        INSTANCE_ID: instance.id,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.children.set(instance.id, child);
    instance.pid = child.pid;
    instance.state = 'starting';
    const startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${instance.id} did not start within ${this.options.startTimeoutMs ?? 30_000} ms`,
          ),
        );
      }, this.options.startTimeoutMs ?? 30_000);
      child.on('message', (message: { type?: string }) => {
        if (message?.type === 'listening') {
          clearTimeout(timer);
          instance.state = 'running';
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(instance.id);
        instance.pid = undefined;
        if (this.stopping || this.retiring.has(instance.id)) {
          instance.state = 'stopped';
          return;
        }
        if (instance.state === 'starting' && instance.restarts === 0) {
          reject(new Error(`${instance.id} exited during start-up (${signal ?? `code ${code}`})`));
          return;
        }
        // Back off 1 s, 2 s, 4 s … up to 30 s; an instance that ran a minute starts over.
        if (Date.now() - startedAt > 60_000) instance.restarts = 0;
        const delay = backoffDelay(instance.restarts, { baseMs: 1_000, maxMs: 30_000 });
        instance.restarts++;
        instance.state = 'restarting';
        this.options.log(
          `${instance.id} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`,
        );
        setTimeout(() => {
          if (this.stopping) return;
          this.spawn(instance).then(
            () => this.options.log(`${instance.id} is back on port ${instance.port}`),
            (err: Error) => this.options.log(`${instance.id} failed to restart: ${err.message}`),
          );
        }, delay).unref();
      });
    });
  }

  /**
   * Replaces one instance without a gap: starts its successor (a new id and
   * port, as Kubernetes starts a new pod), lets `hooks` put it in rotation
   * and drain the old one, then stops the old one with SIGTERM (it finishes
   * what it holds: see the api command) and waits for it to exit.
   */
  async replace(id: string, port: number, hooks: ReplaceHooks): Promise<ApiInstance> {
    const i = this.instances.findIndex((x) => x.id === id);
    const old = this.instances[i];
    if (!old) throw new Error(`no API instance ${id}`);
    const next: ApiInstance = {
      id: `api-${this.nextNumber++}`,
      port,
      pid: undefined,
      state: 'starting',
      restarts: 0,
    };
    await this.spawn(next);
    await waitReady(next.port, this.options.startTimeoutMs ?? 30_000);
    this.instances.splice(i, 1, next);
    await hooks.started(next);
    await hooks.drain(old);
    this.retiring.add(old.id);
    try {
      const child = this.children.get(old.id);
      if (child) await terminate(child);
      old.state = 'stopped';
    } finally {
      this.retiring.delete(old.id);
    }
    await hooks.stopped(old);
    return next;
  }

  /** From now on an exiting instance is not restarted (a shutdown signal may reach them first). */
  beginStop(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.values()].map((child) => terminate(child, 10_000)));
  }
}

/** SIGTERM, SIGKILL after a grace; resolves once the child has exited. */
function terminate(child: ChildProcess, graceMs = 30_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls the instance's own /ready (database reachable) until it answers 200. */
async function waitReady(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready?require=database`, {
        signal: AbortSignal.timeout(2_000),
      });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(`127.0.0.1:${port} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

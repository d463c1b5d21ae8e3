import { fileURLToPath } from 'node:url';
import { type HostProcess, spawnOnHost } from './host-process.js';
import type { NetHost } from './netns.js';
import { tsxExecArgv } from '../processes.js';
import type { WatcherReport } from './watcher.js';
import type { WriteReport } from './writers.js';

/**
 * The clients run on a host of their own (so they reach the proxies over the
 * test network, as users do). The agent runs in the
 * client namespace (agent-main.ts), driven over IPC. This is the harness's
 * handle on it.
 */
export interface LoadPlan {
  proxies: string[];
  boards: number[];
  writers: number;
  watchersPerBoard: number;
  /** Pause between one writer's writes (ms); 0 for saturation runs. Default 25. */
  pauseMs?: number;
}

export type ToAgent =
  | { type: 'start'; plan: LoadPlan }
  | { type: 'stop-writes' }
  | { type: 'catch-up'; heads: Record<number, number>; timeoutMs: number };

export type FromAgent =
  | { type: 'started' }
  | { type: 'writes'; report: WriteReport }
  | { type: 'watchers'; reports: WatcherReport[]; caughtUp: boolean };

export class ClientAgent {
  private constructor(private readonly process: HostProcess) {}

  static spawn(host: NetHost): ClientAgent {
    const entry = fileURLToPath(new URL('./agent-main.ts', import.meta.url));
    return new ClientAgent(
      spawnOnHost(host, 'client', [process.execPath, ...tsxExecArgv, entry], {
        ipc: true,
      }),
    );
  }

  private request<T extends FromAgent['type']>(
    message: ToAgent,
    reply: T,
    timeoutMs = 120_000,
  ): Promise<Extract<FromAgent, { type: T }>> {
    const child = this.process.child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(
          new Error(`client agent: no ${reply} in ${timeoutMs / 1000} s\n${this.process.output()}`),
        );
      }, timeoutMs);
      const onMessage = (m: FromAgent) => {
        if (m.type !== reply) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as Extract<FromAgent, { type: T }>);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  }

  async start(plan: LoadPlan): Promise<void> {
    await this.request({ type: 'start', plan }, 'started');
  }

  async stopWrites(): Promise<WriteReport> {
    return (await this.request({ type: 'stop-writes' }, 'writes')).report;
  }

  async catchUp(heads: Record<number, number>, timeoutMs: number) {
    return this.request({ type: 'catch-up', heads, timeoutMs }, 'watchers', timeoutMs + 30_000);
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGKILL', 1_000);
  }
}

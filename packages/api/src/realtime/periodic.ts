export interface PeriodicTask {
  name: string;
  everyMs: number;
  run(): Promise<void> | void;
}

/**
 * The real-time layer's periodic work (safety-net polls, pings, session
 * re-checks, membership re-reads): one timer per task for the whole
 * instance, none per connection; a task still running skips its next turn.
 */
export class Periodic {
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly warn: (message: string, err?: unknown) => void) {}

  start(tasks: readonly PeriodicTask[]): void {
    for (const task of tasks) this.every(task);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  private every(task: PeriodicTask): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopped) return;
      running = true;
      Promise.resolve()
        .then(() => task.run())
        .catch((err: unknown) => this.warn(`periodic realtime task ${task.name} failed`, err))
        .finally(() => {
          running = false;
        });
    }, task.everyMs);
    timer.unref();
    this.timers.push(timer);
  }
}

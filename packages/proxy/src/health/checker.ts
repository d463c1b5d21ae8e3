import type { Backend, CheckResult } from '../backend.js';
import type { Probe } from './probe.js';

/**
 * Schedules active checks: one timer chain per backend (a slow backend never
 * delays the others, and a check never overlaps the previous one). Timers are
 * unref'd so they never keep the process alive; tests drive them with fake timers.
 */
export class HealthChecker {
  #interval: number;
  #probe: Probe;
  readonly #timers = new Map<Backend, NodeJS.Timeout>();
  readonly #onResult: (b: Backend, r: CheckResult) => void;
  #stopped = false;

  constructor(interval: number, probe: Probe, onResult: (b: Backend, r: CheckResult) => void) {
    this.#interval = interval;
    this.#probe = probe;
    this.#onResult = onResult;
  }

  configure(interval: number, probe: Probe): void {
    this.#interval = interval;
    this.#probe = probe;
    for (const b of [...this.#timers.keys()]) this.watch(b);
  }

  /** Starts (or restarts) periodic checks of a backend; the first runs after one interval. */
  watch(backend: Backend, firstDelay = this.#interval): void {
    this.unwatch(backend);
    if (this.#stopped) return;
    const t = setTimeout(() => void this.#tick(backend), firstDelay);
    t.unref();
    this.#timers.set(backend, t);
  }

  unwatch(backend: Backend): void {
    const t = this.#timers.get(backend);
    if (t) clearTimeout(t);
    this.#timers.delete(backend);
  }

  /** Runs one check now (admin "check" and the periodic tick). */
  async checkNow(backend: Backend): Promise<CheckResult> {
    const result = await this.#probe(backend.url);
    if (!backend.closed) {
      backend.recordCheck(result);
      this.#onResult(backend, result);
    }
    return result;
  }

  async #tick(backend: Backend): Promise<void> {
    if (!this.#timers.has(backend)) return;
    try {
      await this.checkNow(backend);
    } finally {
      if (this.#timers.has(backend) && !this.#stopped) {
        const t = setTimeout(() => void this.#tick(backend), this.#interval);
        t.unref();
        this.#timers.set(backend, t);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}

import { Backend, type CheckResult } from './backend.js';
import type { BackendConfig, PoolConfig } from './config/load.js';
import type { StrategyConfig } from './config/schema.js';
import { proxyError } from './errors.js';
import { HealthChecker } from './health/checker.js';
import { httpProbe, type Probe } from './health/probe.js';
import type { HealthEvent } from './health/state.js';
import { RetryBudget } from './retry-budget.js';
import { createStrategy, type PickContext, type Strategy } from './strategies/index.js';

export interface PoolListener {
  backendEvent(
    pool: UpstreamPool,
    backend: Backend,
    event: HealthEvent | 'drained' | undefined,
  ): void;
  checkResult(pool: UpstreamPool, backend: Backend, result: CheckResult): void;
}

export interface PoolOptions {
  /** Replaces the HTTP probe (tests). */
  probe?: (health: PoolConfig['health']) => Probe;
}

/** A named group of interchangeable backends with one strategy and health policy. */
export class UpstreamPool {
  readonly name: string;
  config: PoolConfig;
  strategy: Strategy;
  strategyConfig: StrategyConfig;
  readonly backends: Backend[] = [];
  /** Retired backends that may still hold WebSockets (closed on shutdown). */
  readonly retired = new Set<Backend>();
  retryBudget: RetryBudget;
  readonly checker: HealthChecker;
  #usable: Backend[] | undefined;
  readonly #listener: PoolListener;
  readonly #opts: PoolOptions;

  constructor(name: string, config: PoolConfig, listener: PoolListener, opts: PoolOptions = {}) {
    this.name = name;
    this.config = config;
    this.#listener = listener;
    this.#opts = opts;
    this.strategyConfig = config.strategy;
    this.strategy = createStrategy(config.strategy);
    this.retryBudget = new RetryBudget(config.retries.budget_ratio, config.retries.min_per_second);
    this.checker = new HealthChecker(config.health.interval, this.#probe(), (b, r) =>
      this.#listener.checkResult(this, b, r),
    );
    for (const b of config.backends) this.#addBackend(b, false);
  }

  #probe(): Probe {
    return (this.#opts.probe ?? httpProbe)(this.config.health);
  }

  /** Backends that may take new requests, in config order; cached until something changes. */
  usable(): readonly Backend[] {
    let list = this.#usable;
    if (list === undefined) {
      list = this.backends.filter((b) => b.usable);
      this.#usable = list;
    }
    return list;
  }

  pick(ctx: PickContext): Backend | undefined {
    return this.strategy.pick(this.usable(), ctx);
  }

  /** Picks again for a retry, avoiding the backends already tried. */
  pickExcluding(ctx: PickContext, tried: readonly Backend[]): Backend | undefined {
    const list = this.usable().filter((b) => !tried.includes(b));
    return this.strategy.pick(list, ctx);
  }

  get(id: string): Backend | undefined {
    return this.backends.find((b) => b.id === id);
  }

  invalidate(): void {
    this.#usable = undefined;
  }

  #addBackend(cfg: BackendConfig, runtime: boolean): Backend {
    const backend = new Backend(
      cfg,
      this.name,
      this.config,
      {
        changed: (b, event) => {
          this.invalidate();
          this.#listener.backendEvent(this, b, event);
        },
      },
      { rampFromNow: runtime },
    );
    this.backends.push(backend);
    this.invalidate();
    // First check right away (as HAProxy does), then every interval.
    if (this.config.health.enabled) this.checker.watch(backend, 0);
    return backend;
  }

  add(cfg: BackendConfig): Backend {
    if (this.get(cfg.id)) throw proxyError('SB_ERR_CONFLICT', `backend ${cfg.id} exists`);
    const b = this.#addBackend(cfg, true);
    this.#listener.backendEvent(this, b, undefined);
    return b;
  }

  /** Removes a backend; in-flight requests finish, WebSockets are closed unless drained first. */
  async remove(id: string): Promise<Backend | undefined> {
    const b = this.get(id);
    if (!b) return undefined;
    this.backends.splice(this.backends.indexOf(b), 1);
    this.checker.unwatch(b);
    this.invalidate();
    b.closeWebSockets();
    await b.close();
    this.#listener.backendEvent(this, b, undefined);
    return b;
  }

  /**
   * Takes a backend out of the pool the gentle way (reload, pool removal): no
   * new traffic, in-flight requests finish, open WebSockets get drain_timeout.
   */
  retire(b: Backend): void {
    const i = this.backends.indexOf(b);
    if (i !== -1) this.backends.splice(i, 1);
    this.checker.unwatch(b);
    this.invalidate();
    b.drain(this.config.drain_timeout);
    void b.close();
    for (const r of this.retired) if (r.websockets.size === 0) this.retired.delete(r);
    if (b.websockets.size > 0) this.retired.add(b);
    this.#listener.backendEvent(this, b, 'drained');
  }

  setStrategy(cfg: StrategyConfig): void {
    this.strategy = createStrategy(cfg);
    this.strategyConfig = cfg;
  }

  /** Applies a reloaded pool config: same ids keep their state and counters. */
  async reconfigure(config: PoolConfig): Promise<void> {
    const strategyChanged =
      JSON.stringify(config.strategy) !== JSON.stringify(this.config.strategy);
    this.config = config;
    if (strategyChanged) this.setStrategy(config.strategy);
    this.retryBudget = new RetryBudget(config.retries.budget_ratio, config.retries.min_per_second);
    this.checker.configure(config.health.interval, this.#probe());
    const wanted = new Map(config.backends.map((b) => [b.id, b]));
    for (const b of [...this.backends]) {
      const cfg = wanted.get(b.id);
      if (!cfg || new URL(cfg.url).origin !== b.url) {
        this.retire(b);
      } else {
        b.reconfigure(cfg, config);
        if (config.health.enabled) this.checker.watch(b);
        else this.checker.unwatch(b);
        wanted.delete(b.id);
      }
    }
    for (const cfg of wanted.values()) this.add(cfg);
    // Keep config order so round-robin order matches the file.
    const order = new Map(config.backends.map((b, i) => [b.id, i]));
    this.backends.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    this.invalidate();
  }

  async close(force = false): Promise<void> {
    this.checker.stop();
    await Promise.all(this.backends.map((b) => b.close(force)));
  }

  /** A pool dropped by a reload: its backends retire gently. */
  retireAll(): void {
    this.checker.stop();
    for (const b of [...this.backends]) this.retire(b);
  }
}

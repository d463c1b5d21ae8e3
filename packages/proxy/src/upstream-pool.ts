import { Backend, type CheckResult } from './backend.js';
import type { BackendConfig, PoolConfig } from './config/load.js';
import type { StrategyConfig } from './config/schema.js';
import { DnsGroup, type DiscoveryEvent } from './discovery/dns-group.js';
import { dnsLookup, type DnsSettings, type Lookup } from './discovery/dns-lookup.js';
import { isDnsUrl, parseDnsName } from './discovery/dns-name.js';
import { proxyError } from './errors.js';
import { HealthChecker } from './health/checker.js';
import { grpcProbe } from './health/grpc-probe.js';
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
  /** DNS discovery: an address joined or left, a name vanished, a lookup failed. */
  discovery?(pool: UpstreamPool, event: DiscoveryEvent): void;
}

/** The longest Retry-After the proxy suggests: beyond it, clients should simply try again. */
const RETRY_AFTER_MAX_S = 60;

export interface PoolOptions {
  /** Replaces the HTTP probe (tests). */
  probe?: (health: PoolConfig['health']) => Probe;
  /** The resolver settings for dns:// backends, read at each lookup (a reload may change them). */
  dns?: () => DnsSettings;
}

const systemResolver: DnsSettings = { servers: [], timeout: 2000, tries: 2 };

/** A named group of interchangeable backends with one strategy and health policy. */
export class UpstreamPool {
  readonly name: string;
  config: PoolConfig;
  strategy: Strategy;
  strategyConfig: StrategyConfig;
  readonly backends: Backend[] = [];
  /** Retired backends that may still hold WebSockets (closed on shutdown). */
  readonly retired = new Set<Backend>();
  /** The pool's dns:// entries by config id; their members are in `backends` too. */
  readonly groups = new Map<string, DnsGroup>();
  readonly #groupOf = new WeakMap<Backend, DnsGroup>();
  #lookup: { key: string; lookup: Lookup } | undefined;
  retryBudget: RetryBudget;
  readonly checker: HealthChecker;
  /** When some backend of the pool last sent a response head (performance.now()), 0: never. */
  lastAnswerAt = 0;
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
    for (const b of config.backends) {
      if (isDnsUrl(b.url)) this.#addGroup(b);
      else this.#addBackend(b, false);
    }
  }

  #addGroup(cfg: BackendConfig): void {
    const group: DnsGroup = new DnsGroup(cfg, this.config.dns_refresh, {
      lookup: (host) => this.#resolver()(host),
      add: (c, from, ramp) => {
        const b = this.#addBackend(c, ramp, from);
        this.#groupOf.set(b, group);
        this.#listener.backendEvent(this, b, undefined);
        return b;
      },
      retire: (b) => this.retire(b),
      report: (event) => this.#listener.discovery?.(this, event),
    });
    this.groups.set(cfg.id, group);
    group.start();
  }

  /** One resolver per distinct settings (they change only with a reload). */
  #resolver(): Lookup {
    const settings = this.#opts.dns?.() ?? systemResolver;
    const key = JSON.stringify(settings);
    if (this.#lookup?.key !== key) this.#lookup = { key, lookup: dnsLookup(settings) };
    return this.#lookup.lookup;
  }

  #probe(): Probe {
    const health = this.config.health;
    return (this.#opts.probe ?? (health.type === 'grpc' ? grpcProbe : httpProbe))(health);
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

  /**
   * Seconds until a backend of this pool may take requests again, for the
   * Retry-After of a 503 when none can: the soonest end of an ejection, or of
   * the passes a checked-down backend still needs (1 to 60).
   */
  retryAfterSeconds(): number {
    const now = Date.now();
    const interval = this.config.health.interval;
    let soonest = Infinity;
    for (const b of this.backends) {
      if (b.draining || b.weight === 0) continue;
      const h = b.health;
      const wait = !h.checkUp
        ? interval * Math.max(1, h.policy.rise - h.okStreak)
        : h.isEjected(now)
          ? h.ejectedUntil - now
          : 0;
      if (wait < soonest) soonest = wait;
    }
    // None will come back by itself (draining, weight 0, none at all): ask again soon.
    if (soonest === Infinity) soonest = interval;
    return Math.min(RETRY_AFTER_MAX_S, Math.max(1, Math.ceil(soonest / 1000)));
  }

  get(id: string): Backend | undefined {
    return this.backends.find((b) => b.id === id);
  }

  invalidate(): void {
    this.#usable = undefined;
  }

  #addBackend(cfg: BackendConfig, runtime: boolean, discoveredFrom?: string): Backend {
    const backend = new Backend(
      cfg,
      this.name,
      this.config,
      {
        changed: (b, event) => {
          this.invalidate();
          this.#listener.backendEvent(this, b, event);
        },
        failed: (b) => this.#groupOf.get(b)?.refreshSoon(),
      },
      { rampFromNow: runtime, ...(discoveredFrom ? { discoveredFrom } : {}) },
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
    // A discovered backend comes back with the next answer that still names it.
    this.#groupOf.get(b)?.forget(b);
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
    const wantedGroups = new Map(
      config.backends.filter((b) => isDnsUrl(b.url)).map((b) => [b.id, b]),
    );
    for (const [id, group] of this.groups) {
      const cfg = wantedGroups.get(id);
      if (cfg && parseDnsName(cfg.url).name === group.dns.name) {
        group.refreshMs = config.dns_refresh;
        group.setWeight(cfg.weight);
        wantedGroups.delete(id);
      } else {
        group.retireAll();
        this.groups.delete(id);
      }
    }
    const wanted = new Map(config.backends.filter((b) => !isDnsUrl(b.url)).map((b) => [b.id, b]));
    for (const b of [...this.backends]) {
      if (b.discoveredFrom !== undefined) {
        // Still a member of a kept group (retired ones left the list above).
        b.reconfigure({ id: b.id, url: b.url, weight: b.weight }, config);
        if (config.health.enabled) this.checker.watch(b);
        else this.checker.unwatch(b);
        continue;
      }
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
    for (const cfg of wantedGroups.values()) this.#addGroup(cfg);
    // Keep config order so round-robin order matches the file (a name's addresses at its place).
    const order = new Map(config.backends.map((b, i) => [b.id, i]));
    const at = (b: Backend) => order.get(this.#groupOf.get(b)?.id ?? b.id) ?? 0;
    this.backends.sort((a, b) => at(a) - at(b));
    this.invalidate();
  }

  async close(force = false): Promise<void> {
    for (const g of this.groups.values()) g.stop();
    this.checker.stop();
    await Promise.all(this.backends.map((b) => b.close(force)));
  }

  /** A pool dropped by a reload: its backends retire gently. */
  retireAll(): void {
    for (const g of this.groups.values()) g.stop();
    this.checker.stop();
    for (const b of [...this.backends]) this.retire(b);
  }
}

import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import type { BackendConfig, PoolConfig } from './config/load.js';
import { HealthState, type HealthEvent, type HealthPolicy } from './health/state.js';
import { ConnectionPool, type PoolSettings } from './engines/raw/connection-pool.js';
import { UpstreamSessions } from './engines/h2/upstream-sessions.js';
import type { Target } from './strategies/types.js';

export type BackendStateName = 'up' | 'starting' | 'down' | 'draining';

export interface CheckResult {
  ok: boolean;
  at: string;
  status?: number;
  latency_ms: number;
  error?: string;
}

export interface BackendHooks {
  /** Eligibility may have changed (health, drain, weight). */
  changed(backend: Backend, event?: HealthEvent): void;
  /** A request or check failed (a discovered backend's name may have changed). */
  failed?(backend: Backend): void;
}

export function healthPolicy(pool: PoolConfig): HealthPolicy {
  return {
    rise: pool.health.rise,
    fall: pool.health.fall,
    initialUp: !pool.health.enabled || pool.health.initial === 'up',
    passive: pool.passive,
    slowStart: pool.slow_start,
  };
}

/** One upstream server: its connection pool, health and counters. */
export class Backend implements Target {
  readonly id: string;
  readonly url: string;
  readonly origin: URL;
  readonly poolName: string;
  /** The `dns://host:port` this backend's address came from; undefined: configured. */
  readonly discoveredFrom: string | undefined;
  weight: number;
  draining = false;
  drainStartedAt = 0;
  readonly health: HealthState;
  /** Keep-alive connections of the raw engine. */
  raw: ConnectionPool;
  #dispatcher: Pool | undefined;
  #h2: UpstreamSessions | undefined;
  #poolConfig: PoolConfig;
  readonly hooks: BackendHooks;

  activeRequests = 0;
  activeWebSockets = 0;
  totalRequests = 0;
  failures = 0;
  /** Exponentially weighted mean time to response headers, ms. */
  latencyMs = 0;
  /** When the backend last sent a response head (performance.now()), 0: never. */
  lastAnswerAt = 0;
  lastCheck: CheckResult | undefined;
  /** Why the backend last left rotation (the log says so). */
  downReason: string | undefined;
  readonly websockets = new Set<Duplex>();
  #ejectionTimer: NodeJS.Timeout | undefined;
  #drainTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    cfg: BackendConfig,
    poolName: string,
    pool: PoolConfig,
    hooks: BackendHooks,
    opts: { rampFromNow?: boolean; discoveredFrom?: string } = {},
  ) {
    this.id = cfg.id;
    this.discoveredFrom = opts.discoveredFrom;
    this.origin = new URL(cfg.url);
    this.url = this.origin.origin;
    this.poolName = poolName;
    this.weight = cfg.weight;
    this.hooks = hooks;
    this.health = new HealthState(healthPolicy(pool), Date.now(), opts.rampFromNow ?? false);
    this.#poolConfig = pool;
    this.raw = new ConnectionPool(this.origin, poolSettings(pool));
  }

  /**
   * The undici pool of the node engine, created on first use: with the raw
   * engine only requests handed to node:http (rare) go through it.
   */
  get dispatcher(): Pool {
    return (this.#dispatcher ??= createDispatcher(this.url, this.#poolConfig));
  }

  /** HTTP/2 sessions to this backend (pools with protocol h2c or h2), created on first use. */
  get h2(): UpstreamSessions {
    return (this.#h2 ??= new UpstreamSessions(this.url, {
      connections: this.#poolConfig.h2_connections,
      connectTimeout: this.#poolConfig.timeouts.connect,
      keepAlive: Math.max(this.#poolConfig.keep_alive, 60_000),
    }));
  }

  get load(): number {
    return this.activeRequests + this.activeWebSockets;
  }

  get effectiveWeight(): number {
    const h = this.health;
    return h.rampStart === 0 ? this.weight : this.weight * h.weightFactor(Date.now());
  }

  /** May new requests go here? */
  get usable(): boolean {
    return !this.draining && this.weight > 0 && this.health.isUp(Date.now());
  }

  get state(): BackendStateName {
    if (this.draining) return 'draining';
    const now = Date.now();
    if (!this.health.isUp(now)) return 'down';
    return this.health.inSlowStart(now) ? 'starting' : 'up';
  }

  /** Passive health: a proxied request's outcome (`failure`: what went wrong, when it did). */
  recordResult(ok: boolean, failure?: string): void {
    if (!ok) {
      this.failures++;
      this.hooks.failed?.(this);
    }
    const event = this.health.recordResult(ok, Date.now());
    if (event === 'ejected') {
      const n = this.health.policy.passive.consecutive_failures;
      this.downReason = `${n} failed request${n === 1 ? '' : 's'} in a row (last: ${failure ?? 'unknown'})`;
      this.#scheduleReturn();
      this.hooks.changed(this, event);
    }
  }

  /**
   * The backend went silent: a request passed the first-byte timeout of
   * `timeoutMs` with no answer from it since, while others in its pool answered.
   */
  recordStall(timeoutMs: number): void {
    this.failures++;
    this.hooks.failed?.(this);
    const event = this.health.recordStall(Date.now());
    if (event === 'ejected') {
      this.downReason = `stalled: no answer within ${timeoutMs} ms while the rest of its pool answered`;
      this.#scheduleReturn();
      this.hooks.changed(this, event);
    }
  }

  recordCheck(result: CheckResult): HealthEvent | undefined {
    this.lastCheck = result;
    if (!result.ok) this.hooks.failed?.(this);
    const event = this.health.recordCheck(result.ok, Date.now());
    if (event === 'check-down') {
      const h = this.#poolConfig.health;
      const what = h.type === 'grpc' ? 'grpc health' : `${h.method} ${h.path}`;
      this.downReason = `${what}: ${result.error ?? `status ${result.status}`}`;
    }
    if (event) this.hooks.changed(this, event);
    return event;
  }

  /** A response head arrived at `now` (performance.now()), `ms` after the request was sent. */
  observeAnswer(now: number, ms: number): void {
    this.lastAnswerAt = now;
    this.latencyMs = this.latencyMs === 0 ? ms : this.latencyMs * 0.9 + ms * 0.1;
  }

  #scheduleReturn(): void {
    clearTimeout(this.#ejectionTimer);
    const wait = Math.max(0, this.health.ejectedUntil - Date.now());
    this.#ejectionTimer = setTimeout(() => {
      this.#ejectionTimer = undefined;
      const now = Date.now();
      // Timers run on a monotonic clock and may fire a millisecond before the
      // wall clock reaches the deadline: wait again rather than never return.
      if (this.health.isEjected(now)) return this.#scheduleReturn();
      const event = this.health.expireEjection(now);
      if (event) this.hooks.changed(this, event);
    }, wait);
    this.#ejectionTimer.unref();
  }

  /** Stops new traffic; WebSockets get `graceMs` to finish, then are closed. */
  drain(graceMs: number): void {
    if (!this.draining) {
      this.draining = true;
      this.drainStartedAt = Date.now();
      this.hooks.changed(this);
    }
    clearTimeout(this.#drainTimer);
    if (this.websockets.size > 0) {
      this.#drainTimer = setTimeout(() => this.closeWebSockets(), graceMs);
      this.#drainTimer.unref();
    }
  }

  undrain(): void {
    if (!this.draining) return;
    this.draining = false;
    clearTimeout(this.#drainTimer);
    this.hooks.changed(this);
  }

  closeWebSockets(): void {
    for (const s of this.websockets) s.destroy();
  }

  /** Releases pooled connections; in-flight requests finish first unless `force`. */
  async close(force = false): Promise<void> {
    this.closed = true;
    clearTimeout(this.#ejectionTimer);
    this.raw.close(force);
    this.#h2?.close(force);
    const d = this.#dispatcher;
    if (force) {
      clearTimeout(this.#drainTimer);
      this.closeWebSockets();
      await d?.destroy().catch(() => {});
    } else {
      await d?.close().catch(() => {});
    }
  }

  /** Adopts a newer pool config (reload) keeping counters and health streaks. */
  reconfigure(cfg: BackendConfig, pool: PoolConfig): void {
    this.weight = cfg.weight;
    this.health.policy = healthPolicy(pool);
    if (!pool.health.enabled) this.health.checkUp = true;
    const old = this.#dispatcher;
    this.#dispatcher = undefined;
    this.#poolConfig = pool;
    // In-flight requests keep the old pools until they finish.
    void old?.close().catch(() => {});
    this.#h2?.close(false);
    this.#h2 = undefined;
    this.raw.close(false);
    this.raw = new ConnectionPool(this.origin, poolSettings(pool));
    this.hooks.changed(this);
  }

  snapshot() {
    return {
      id: this.id,
      pool: this.poolName,
      url: this.url,
      discovered_from: this.discoveredFrom ?? null,
      state: this.state,
      weight: this.weight,
      effective_weight: Math.round(this.effectiveWeight * 100) / 100,
      ejected_until: this.health.isEjected(Date.now())
        ? new Date(this.health.ejectedUntil).toISOString()
        : null,
      stats: {
        active_requests: this.activeRequests,
        active_websockets: this.activeWebSockets,
        total_requests: this.totalRequests,
        failures: this.failures,
        latency_ms: Math.round(this.latencyMs * 100) / 100,
        last_check: this.lastCheck ?? null,
      },
    };
  }
}

export type BackendSnapshot = ReturnType<Backend['snapshot']>;

function poolSettings(pool: PoolConfig): PoolSettings {
  return {
    connections: pool.connections,
    keepAlive: pool.keep_alive,
    keepAliveMax: Math.max(pool.keep_alive, 600_000),
    connectTimeout: pool.timeouts.connect,
  };
}

function createDispatcher(url: string, pool: PoolConfig): Pool {
  return new Pool(url, {
    connections: pool.connections,
    pipelining: 1,
    keepAliveTimeout: pool.keep_alive,
    keepAliveMaxTimeout: Math.max(pool.keep_alive, 600_000),
    connectTimeout: pool.timeouts.connect,
    headersTimeout: pool.timeouts.headers,
    bodyTimeout: pool.timeouts.body,
    // Bodies are streamed; never cap the upstream's response size.
    maxResponseSize: -1,
    strictContentLength: true,
  });
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend } from './backend.js';
import type { DoneInfo } from './request/done-info.js';
import type { UpstreamPool } from './upstream-pool.js';

const STATES = ['up', 'starting', 'down', 'draining'] as const;

/** Every series the proxy exports starts with this, prom-client's process and Node.js ones too. */
const PREFIX = 'sb_proxy_';

/**
 * prom-client's gauges named like counters (promtool: "non-counter metrics
 * should not have _total suffix"); `nodejs_active_handles` and friends, by
 * type, carry the same counts.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Prometheus metrics on a registry of their own (never prom-client's global
 * one). Hot-path series are updated through cached label children; gauges that
 * mirror state are computed at scrape time.
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'backend' | 'method' | 'status_class'>;
  readonly #duration: Histogram<'route' | 'backend'>;
  readonly #retries: Counter<'route' | 'reason'>;
  readonly #grpcCalls: Counter;
  readonly #floods: Counter;
  readonly #ejections: Counter<'pool' | 'backend'>;
  readonly #rateLimited: Counter<'route' | 'key'>;
  readonly #checks: Counter<'pool' | 'backend' | 'result'>;
  readonly #upgrades: Counter<'route' | 'backend' | 'status_class'>;
  readonly #slots = new Map<
    string,
    { hist: { observe: (v: number) => void }; counters: Map<string, { inc: (n?: number) => void }> }
  >();
  activeConnections = 0;

  constructor(pools: () => Iterable<UpstreamPool>, defaults = false) {
    const registers = [this.registry];
    if (defaults) {
      collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
      for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(PREFIX + name);
    }
    this.#requests = new Counter({
      name: 'sb_proxy_requests_total',
      help: 'Requests answered, by route, backend, method and status class.',
      labelNames: ['route', 'backend', 'method', 'status_class'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'sb_proxy_request_duration_seconds',
      help: 'Time from request received to response complete, in seconds.',
      labelNames: ['route', 'backend'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#grpcCalls = new Counter({
      name: 'sb_proxy_grpc_calls_total',
      help: "gRPC calls answered, by pool and gRPC status code (the proxy's own answers included).",
      labelNames: ['pool', 'code'],
      registers,
    });
    this.#floods = new Counter({
      name: 'sb_proxy_http2_floods_total',
      help: 'HTTP/2 client connections closed as floods, by kind (rapid_reset, settings, ping, headers).',
      labelNames: ['kind'],
      registers,
    });
    this.#retries = new Counter({
      name: 'sb_proxy_retries_total',
      help: 'Requests retried on another backend, by route and failure.',
      labelNames: ['route', 'reason'],
      registers,
    });
    this.#ejections = new Counter({
      name: 'sb_proxy_ejections_total',
      help: 'Passive ejections of a backend after consecutive failures.',
      labelNames: ['pool', 'backend'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'sb_proxy_rate_limited_total',
      help: 'Requests refused with 429, by route and limit key (ip or user).',
      labelNames: ['route', 'key'],
      registers,
    });
    this.#checks = new Counter({
      name: 'sb_proxy_health_checks_total',
      help: 'Active health checks, by result.',
      labelNames: ['pool', 'backend', 'result'],
      registers,
    });
    this.#upgrades = new Counter({
      name: 'sb_proxy_upgrades_total',
      help: 'WebSocket upgrade requests, by backend answer class.',
      labelNames: ['route', 'backend', 'status_class'],
      registers,
    });
    const eachBackend = (fn: (p: UpstreamPool, b: Backend) => void): void => {
      for (const p of pools()) for (const b of p.backends) fn(p, b);
    };
    new Gauge({
      name: 'sb_proxy_backend_up',
      help: '1 when the backend takes new requests (up or starting), else 0.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        eachBackend((p, b) => this.set({ pool: p.name, backend: b.id }, b.usable ? 1 : 0));
      },
    });
    new Gauge({
      name: 'sb_proxy_backend_state',
      help: 'Backend state: 1 for the current state label.',
      labelNames: ['pool', 'backend', 'state'],
      registers,
      collect() {
        this.reset();
        eachBackend((p, b) => {
          const s = b.state;
          for (const st of STATES)
            this.set({ pool: p.name, backend: b.id, state: st }, s === st ? 1 : 0);
        });
      },
    });
    new Gauge({
      name: 'sb_proxy_backend_weight',
      help: 'Effective weight (after slow start).',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        eachBackend((p, b) => this.set({ pool: p.name, backend: b.id }, b.effectiveWeight));
      },
    });
    new Gauge({
      name: 'sb_proxy_backend_active_requests',
      help: 'Requests in flight to the backend.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        eachBackend((p, b) => this.set({ pool: p.name, backend: b.id }, b.activeRequests));
      },
    });
    new Gauge({
      name: 'sb_proxy_backend_active_websockets',
      help: 'Open WebSocket tunnels to the backend.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        eachBackend((p, b) => this.set({ pool: p.name, backend: b.id }, b.activeWebSockets));
      },
    });
    const connections = (): number => this.activeConnections;
    new Gauge({
      name: 'sb_proxy_active_connections',
      help: 'Client connections open on the main listener(s).',
      registers,
      collect() {
        this.set(connections());
      },
    });
    new Gauge({
      name: 'sb_proxy_active_websockets',
      help: 'Open WebSocket tunnels in total.',
      registers,
      collect() {
        let n = 0;
        eachBackend((_p, b) => (n += b.activeWebSockets));
        this.set(n);
      },
    });
  }

  requestDone(info: DoneInfo): void {
    const backend = info.backend ?? 'none';
    // Label children cached per route/backend pair; counters per method and class inside.
    const hkey = info.route + '\u0000' + backend;
    let slot = this.#slots.get(hkey);
    if (slot === undefined) {
      slot = { hist: this.#duration.labels(info.route, backend), counters: new Map() };
      this.#slots.set(hkey, slot);
    }
    const ckey =
      info.method + (info.status >= 100 && info.status < 600 ? Math.floor(info.status / 100) : 0);
    let c = slot.counters.get(ckey);
    if (c === undefined) {
      c = this.#requests.labels(info.route, backend, info.method, statusClass(info.status));
      slot.counters.set(ckey, c);
    }
    c.inc();
    slot.hist.observe(info.durationMs / 1000);
  }

  grpcCall(pool: string, code: number): void {
    this.#grpcCalls.inc({ pool, code: String(code) });
  }

  http2Flood(kind: string): void {
    this.#floods.inc({ kind });
  }

  retried(route: string, reason: string): void {
    this.#retries.inc({ route, reason });
  }

  ejected(pool: string, backend: string): void {
    this.#ejections.inc({ pool, backend });
  }

  rateLimited(route: string, key: 'ip' | 'user'): void {
    this.#rateLimited.inc({ route, key });
  }

  checked(pool: string, backend: string, ok: boolean): void {
    this.#checks.inc({ pool, backend, result: ok ? 'ok' : 'fail' });
  }

  upgraded(route: string, backend: string | undefined, status: number): void {
    this.#upgrades.inc({ route, backend: backend ?? 'none', status_class: statusClass(status) });
  }

  async text(): Promise<string> {
    return exposition(await this.registry.metrics());
  }
}

/**
 * The Prometheus text exposition as scrapers and promtool read it: prom-client
 * separates metric families with blank lines, which the format only tolerates.
 */
export function exposition(text: string): string {
  return text.replace(/\n{2,}/g, '\n');
}

export function statusClass(status: number): string {
  if (status >= 100 && status < 600) return `${Math.floor(status / 100)}xx`;
  return 'other';
}

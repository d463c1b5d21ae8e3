import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'sb_api_';

/** What the metrics read from the real-time layer at scrape time. */
export interface RealtimeGauges {
  stats(): { connections: number; subscriptions: number; channels: number; slowConsumers: number };
  health(): string;
}

/**
 * One API instance's Prometheus series (`GET /metrics`): HTTP requests by
 * route and status, the database pool and query times, the real-time path
 * (connections, subscriptions, deliveries, commit-to-socket lag, slow
 * consumers, bus state) and Node's own (event-loop delay, GC, memory).
 * Counts that other parts already keep are read when scraped, so the hot
 * paths pay only for the histograms.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #queries: Histogram<'outcome'>;
  readonly #deliveries: Counter;
  readonly #lag: Histogram;
  readonly #grpcCalls: Counter<'service' | 'method' | 'code'>;
  readonly #grpcSeconds: Histogram<'service' | 'method' | 'code'>;
  #pool: pg.Pool | undefined;
  #realtime: RealtimeGauges | undefined;

  constructor(instance: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ instance_id: instance });
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    // Gauges named like counters (promtool: "non-counter metrics should not have _total
    // suffix"); `nodejs_active_handles` and friends carry the same counts by type.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
      this.registry.removeSingleMetric(`${PREFIX}nodejs_${name}`);
    this.#requests = new Histogram({
      name: 'sb_api_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status, from arrival to the last byte.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#queries = new Histogram({
      name: 'sb_api_db_query_duration_seconds',
      help: 'Database statements (Kysely), by outcome.',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const pool = () => this.#pool;
    new Gauge({
      name: 'sb_api_db_pool_connections',
      help: 'Database pool connections: total, idle, and requests waiting for one.',
      labelNames: ['state'],
      registers,
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.totalCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
    const realtime = () => this.#realtime;
    new Gauge({
      name: 'sb_api_websocket_connections',
      help: 'Open WebSocket connections.',
      registers,
      collect() {
        const r = realtime();
        if (r) this.set(r.stats().connections);
      },
    });
    new Gauge({
      name: 'sb_api_websocket_subscriptions',
      help: 'Board subscriptions over all connections.',
      registers,
      collect() {
        const r = realtime();
        if (r) this.set(r.stats().subscriptions);
      },
    });
    new Gauge({
      name: 'sb_api_board_channels',
      help: 'Boards with at least one subscriber on this instance.',
      registers,
      collect() {
        const r = realtime();
        if (r) this.set(r.stats().channels);
      },
    });
    let dropsSeen = 0;
    new Counter({
      name: 'sb_api_slow_consumer_drops_total',
      help: 'Connections closed because they read too slowly (send buffer over the limit).',
      registers,
      collect() {
        const r = realtime();
        if (!r) return;
        const now = r.stats().slowConsumers;
        if (now > dropsSeen) this.inc(now - dropsSeen);
        dropsSeen = now;
      },
    });
    new Gauge({
      name: 'sb_api_bus_up',
      help: '1 when the event bus is connected, 0 when not (events wait in the log meanwhile).',
      registers,
      collect() {
        const r = realtime();
        if (r) this.set(r.health() === 'ok' ? 1 : 0);
      },
    });
    this.#deliveries = new Counter({
      name: 'sb_api_event_deliveries_total',
      help: 'Live event frames written to subscribers (one per event per subscriber).',
      registers,
    });
    this.#lag = new Histogram({
      name: 'sb_api_event_delivery_lag_seconds',
      help: "From an event's commit to its frame written to this instance's subscribers (relay, bus, fan-out).",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#grpcCalls = new Counter({
      name: 'sb_api_grpc_calls_total',
      help: 'gRPC (and Connect, gRPC-Web) calls by service, method and status code name.',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
    this.#grpcSeconds = new Histogram({
      name: 'sb_api_grpc_call_duration_seconds',
      help: 'gRPC calls from arrival to their status (streams: their whole life).',
      labelNames: ['service', 'method', 'code'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 60, 600],
      registers,
    });
  }

  /** The pool whose connections are reported. */
  watchPool(pool: pg.Pool): void {
    this.#pool = pool;
  }

  watchRealtime(realtime: RealtimeGauges): void {
    this.#realtime = realtime;
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  /** A gRPC call ended with `code` (ok, not_found, …) after `seconds`. */
  grpcCall(service: string, method: string, code: string, seconds: number): void {
    this.#grpcCalls.inc({ service, method, code });
    this.#grpcSeconds.observe({ service, method, code }, seconds);
  }

  query(ms: number, failed: boolean): void {
    this.#queries.observe({ outcome: failed ? 'error' : 'ok' }, ms / 1000);
  }

  /** An event went out to `count` subscribers; `lagMs` since it was committed. */
  delivered(count: number, lagMs: number): void {
    if (count <= 0) return;
    this.#deliveries.inc(count);
    this.#lag.observe(Math.max(0, lagMs) / 1000);
  }

  /** The exposition without the blank lines prom-client puts between families (promtool's reading). */
  async text(): Promise<string> {
    return (await this.registry.metrics()).replace(/\n{2,}/g, '\n');
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

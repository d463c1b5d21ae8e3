import { existsSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Redis } from 'ioredis';
import {
  authorized,
  errorReply,
  runAdmin,
  writeReply,
  type AdminControl,
  type AdminReply,
} from './admin/api.js';
import { parseJsonText, readText } from './admin/body.js';
import { Analytics } from './analytics/engine.js';
import type { Backend, BackendSnapshot, CheckResult } from './backend.js';
import { isLoopback, type ProxyConfig } from './config/load.js';
import { defaultConnectTimeoutMs } from './config/schema.js';
import { CodedError, proxyError, sendError } from './errors.js';
import type { DiscoveryEvent } from './discovery/dns-group.js';
import type { HealthEvent } from './health/state.js';
import { TrustedProxies } from './request/client-address.js';
import { onClientError } from './engines/node/client-errors.js';
import type { DoneInfo } from './request/done-info.js';
import type { ExchangeEnv } from './request/exchange.js';
import { FrontPolicy } from './request/front-decision.js';
import { FrontDoor, type FrontContext } from './engines/node/node-front.js';
import type { RouteRuntime } from './request/routing.js';
import { createLogger, logAccess, type Logger } from './logging.js';
import { ProxyMetrics } from './metrics.js';
import { IdentityResolver } from './rate-limit/identity.js';
import { LimiterFactory, type RateLimiter } from './rate-limit/limiter.js';
import { createRedirectServer, listen, sleep, urlHost } from './listen.js';
import type { ListenerDeps, MainListener } from './engines/main-listener.js';
import { NodeListener } from './engines/node/node-listener.js';
import { RawListener } from './engines/raw/raw-listener.js';
import type { Server as TlsServer } from 'node:tls';
import { AlpnH2 } from './engines/h2/alpn.js';
import { FloodGuard, type FloodKind } from './engines/h2/flood-guard.js';
import { H2Front, type H2FrontContext } from './engines/h2/h2-front.js';
import { H2cListener, floodLimits } from './engines/h2/h2-listener.js';
import { buildRoutes } from './runtime.js';
import { analyticsScope, mergedAnalytics } from './shared/analytics-scope.js';
import { openSharedState, type SharedState } from './shared/shared-state.js';
import type { RunningProxy, StartOptions } from './types.js';
import { TlsFiles } from './tls/tls-files.js';
import { UpstreamPool, type PoolListener, type PoolOptions } from './upstream-pool.js';

/**
 * ioredis, loaded only when rate limits are shared through Redis: a proxy
 * without redis_url (the usual one) never pays for it at start or in memory.
 * Synchronous (ioredis is CommonJS) because the constructor builds the limiters.
 */
function loadRedis(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;
}

/** The proxy: listeners, routing, forwarding, admin; one instance per startProxy. */
export class ProxyServer
  implements ExchangeEnv, PoolListener, AdminControl, FrontContext, H2FrontContext, RunningProxy
{
  config: ProxyConfig;
  readonly log: Logger;
  readonly metrics: ProxyMetrics;
  readonly analytics: Analytics | undefined;
  readonly tls: boolean;
  trusted: TrustedProxies;
  connectTimeout: number;
  readonly #pools = new Map<string, UpstreamPool>();
  #routes: RouteRuntime[] = [];
  #front: FrontPolicy | undefined;
  #limiters = new Map<string, RateLimiter>();
  readonly #factory: LimiterFactory;
  #identity: IdentityResolver;
  readonly #redis: Redis | undefined;
  readonly #opts: StartOptions;
  readonly #baseDir: string;
  #main: MainListener | undefined;
  #admin: Server | undefined;
  #redirect: Server | undefined;
  #grpc: H2cListener | undefined;
  #alpn: AlpnH2 | undefined;
  #grpcRoute: RouteRuntime | undefined;
  #tlsFiles: TlsFiles | undefined;
  #closing = false;
  #shared: SharedState | undefined;
  readonly #retired: UpstreamPool[] = [];
  #ownsLogger: boolean;
  readonly workers = 1;
  url = '';
  adminUrl = '';
  /** The HTTP→HTTPS redirect listener, when configured. */
  redirectUrl = '';
  port = 0;
  adminPort = 0;
  /** The gRPC (h2c) listener, when `grpc` is configured. */
  grpcUrl = '';
  grpcPort = 0;
  readonly reloadConfig: (() => Promise<void>) | undefined;

  constructor(config: ProxyConfig, opts: StartOptions = {}) {
    this.config = config;
    this.#opts = opts;
    this.#baseDir = opts.baseDir ?? process.cwd();
    this.#ownsLogger = opts.logger === undefined;
    this.log = opts.logger ?? createLogger(config);
    this.tls = config.tls !== undefined && config.tls.enabled;
    this.metrics = new ProxyMetrics(() => this.#pools.values(), true);
    this.analytics = config.analytics.enabled ? new Analytics() : undefined;
    this.trusted = new TrustedProxies(config.server.trusted_proxies);
    this.connectTimeout = defaultConnectTimeoutMs;
    // One Redis for several proxies: the shared state's serves the rate limits unless they name their own.
    const redisUrl = config.rate_limit.redis_url ?? config.shared.redis_url;
    this.#redis = redisUrl
      ? new (loadRedis())(redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        })
      : undefined;
    this.#redis?.on('error', (err: Error) =>
      this.log.warn({ err: err.message }, 'rate-limit redis error'),
    );
    this.#factory = new LimiterFactory(
      this.#redis,
      config.rate_limit.key_prefix,
      opts.worker !== undefined,
    );
    this.#identity = new IdentityResolver({
      jwtSecret: config.rate_limit.jwt_secret,
      sessionCookie: config.rate_limit.session_cookie,
    });
    const reload = opts.reloadConfig;
    this.reloadConfig = reload ? async () => this.reload(await reload()) : undefined;
    for (const [name, pc] of Object.entries(config.pools)) {
      this.#pools.set(name, new UpstreamPool(name, pc, this, this.#poolOpts()));
    }
    this.#applyRoutes();
  }

  #poolOpts(): PoolOptions {
    return {
      ...(this.#opts.probe ? { probe: this.#opts.probe } : {}),
      dns: () => this.config.dns,
    };
  }

  #applyRoutes(): void {
    const { routes, limiters } = buildRoutes(
      this.config,
      this.#pools,
      this.#factory,
      () => this.#identity,
      this.#limiters,
      this.#baseDir,
    );
    this.#routes = routes;
    this.#limiters = limiters;
    this.#front = new FrontPolicy(this.config, routes);
    const grpcPool = this.config.grpc?.pool;
    this.#grpcRoute =
      grpcPool === undefined
        ? undefined
        : {
            name: 'grpc',
            config: { name: 'grpc', match: {}, pool: grpcPool, strip_prefix: false },
            pool: this.#pools.get(grpcPool),
            site: undefined,
            limiter: undefined,
            headersTimeout: undefined,
            bodyTimeout: undefined,
            maxBodySize: undefined,
          };
    const timeouts = Object.values(this.config.pools).map((p) => p.timeouts.connect);
    this.connectTimeout = timeouts.length ? Math.max(...timeouts) : defaultConnectTimeoutMs;
  }

  pools(): ReadonlyMap<string, UpstreamPool> {
    return this.#pools;
  }

  routes(): readonly RouteRuntime[] {
    return this.#routes;
  }

  backends(): BackendSnapshot[] {
    return [...this.#pools.values()].flatMap((p) => p.backends.map((b) => b.snapshot()));
  }

  // ---- listeners -------------------------------------------------------

  async start(): Promise<void> {
    const cfg = this.config;
    const worker = this.#opts.worker !== undefined;
    if (this.analytics && cfg.analytics.persist && !worker) {
      try {
        const loaded = await Analytics.fromFile(this.#analyticsPath());
        this.analytics.load(loaded.toJSON());
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'could not load saved analytics');
      }
    }
    if (!worker) {
      // Before the listener opens, so the first request already sees the logged admin changes.
      const analytics = this.analytics;
      this.#shared = await openSharedState(
        cfg,
        this.#baseDir,
        (method, url, body) => this.#runAdmin(this, method, url, body),
        analytics ? async () => analytics.toJSON() : undefined,
        this.log,
      );
    }
    let pair: ListenerDeps['tls'];
    if (this.tls) {
      const files = new TlsFiles(() => this.config, this.#baseDir, this.log);
      this.#tlsFiles = files;
      pair = await files.load();
      files.watch(() => void this.reloadTls().catch(() => {}));
    }
    const alpnH2 = this.tls && cfg.server.http2.alpn;
    const deps: ListenerDeps = {
      config: () => this.config,
      front: new FrontDoor(this),
      metrics: this.metrics,
      tls: pair,
      alpnH2,
    };
    const main: MainListener =
      cfg.server.engine === 'raw' ? new RawListener(deps, this) : new NodeListener(deps);
    this.#main = main;
    const guard = new FloodGuard(
      () => floodLimits(this.config),
      (kind) => this.http2Flood(kind),
    );
    if (alpnH2 && main.secure !== undefined) {
      this.#alpn = new AlpnH2(main.secure as TlsServer, cfg, this, deps.front, guard);
    }
    this.port = await main.listen(cfg.listen.host, cfg.listen.port);
    this.url = `${this.tls ? 'https' : 'http'}://${urlHost(cfg.listen.host)}:${this.port}`;

    const grpc = cfg.grpc;
    if (grpc !== undefined && grpc.enabled) {
      const front = new H2Front(this, false, () => this.#grpcRoute);
      this.#grpc = new H2cListener(cfg, front, guard);
      this.grpcPort = await this.#grpc.listen(grpc.listen.host, grpc.listen.port);
      this.grpcUrl = `http://${urlHost(grpc.listen.host)}:${this.grpcPort}`;
    }

    // Cluster workers share this listener too (node:cluster hands connections round).
    if (this.tls && cfg.tls?.redirect_listen) {
      const r = createRedirectServer(cfg.listen.host, () => this.port);
      r.on('clientError', onClientError);
      this.#redirect = r;
      const rport = await listen(r, cfg.tls.redirect_listen.host, cfg.tls.redirect_listen.port);
      this.redirectUrl = `http://${urlHost(cfg.tls.redirect_listen.host)}:${rport}`;
    }

    if (cfg.admin.enabled && !worker) {
      if (!cfg.admin.token && !isLoopback(cfg.admin.listen.host)) {
        throw new Error('admin.token is required when the admin API listens beyond loopback');
      }
      const admin = createHttpServer((req, res) => void this.onAdmin(req, res));
      admin.on('clientError', onClientError);
      this.#admin = admin;
      this.adminPort = await listen(admin, cfg.admin.listen.host, cfg.admin.listen.port);
      this.adminUrl = `http://${urlHost(cfg.admin.listen.host)}:${this.adminPort}`;
    }
    for (const r of this.#routes) {
      if (r.site && !existsSync(r.site.root)) {
        this.log.warn(
          { route: r.name, root: r.site.root },
          'static root does not exist (yet): requests get 404',
        );
      }
    }
    this.log.info(
      {
        url: this.url,
        admin: this.adminUrl || null,
        grpc: this.grpcUrl || null,
        pools: [...this.#pools.keys()],
      },
      'proxy listening',
    );
  }

  /** Re-reads the certificate (or self-signed pair) and swaps it in for new handshakes. */
  async reloadTls(): Promise<{ reloaded: boolean; source?: string }> {
    const secure = this.#main?.secure;
    if (!this.#tlsFiles || !secure) return { reloaded: false };
    return this.#tlsFiles.reload(secure);
  }

  get front(): FrontPolicy {
    return this.#front as FrontPolicy;
  }

  async onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const relay = this.#opts.worker?.relayAdmin;
    if (relay) {
      try {
        const body = await readText(req);
        writeReply(
          res,
          await relay(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, body),
        );
      } catch (e) {
        if (e instanceof CodedError) sendError(res, e);
        else sendError(res, proxyError('SB_ERR_INTERNAL'));
      }
      return;
    }
    try {
      if (!authorized(this.config.admin.token, req)) {
        writeReply(res, errorReply(proxyError('SB_ERR_UNAUTHENTICATED')));
        return;
      }
      const body = await readText(req);
      writeReply(res, await this.admin(req.method ?? 'GET', req.url ?? '/', body));
    } catch (e) {
      if (e instanceof CodedError) {
        sendError(res, e);
        return;
      }
      sendError(res, proxyError('SB_ERR_INTERNAL'));
      this.log.error(
        { err: (e as Error).message, stack: (e as Error).stack },
        'admin handler failed',
      );
    }
  }

  /**
   * One admin request, already authorized: changes go through the shared
   * admin log when there is one; analytics merge every proxy's unless
   * `scope=local`.
   */
  async admin(method: string, url: string, body: string): Promise<AdminReply> {
    const shared = this.#shared;
    const scope = analyticsScope(method, url);
    if (scope === 'all' && shared?.analytics && this.analytics) {
      const view = await mergedAnalytics([this.analytics.toJSON()], shared, this.log);
      const ctl: AdminControl = {
        pools: () => this.pools(),
        routes: () => this.routes(),
        analytics: view.analytics,
        metrics: this.metrics,
        reloadTls: () => this.reloadTls(),
        reloadConfig: undefined,
      };
      return view.annotate(await this.#runAdmin(ctl, method, url, body));
    }
    if (shared?.admin) return shared.admin.handle(method, url, body);
    return this.#runAdmin(this, method, url, body);
  }

  #runAdmin(ctl: AdminControl, method: string, url: string, body: string): Promise<AdminReply> {
    return runAdmin(ctl, method, url, async () => parseJsonText(body));
  }

  // ---- observers -------------------------------------------------------

  requestDone(info: DoneInfo): void {
    this.metrics.requestDone(info);
    this.analytics?.record(info.route, info.backend, info.status, info.durationMs, info.bytes);
    if (this.config.log.access) logAccess(this.log, info);
  }

  rateLimited(route: string, key: 'ip' | 'user'): void {
    this.metrics.rateLimited(route, key);
  }

  limiterFailed(err: unknown): void {
    this.log.error({ err: (err as Error).message }, 'rate limiter failed');
  }

  retried(route: string, backend: string, reason: string): void {
    this.metrics.retried(route, reason);
    this.log.debug({ route, backend, reason }, 'retrying on another backend');
  }

  grpcCall(pool: string, code: number): void {
    this.metrics.grpcCall(pool, code);
  }

  http2Flood(kind: FloodKind): void {
    this.metrics.http2Flood(kind);
    this.log.warn({ kind }, 'HTTP/2 client connection closed as a flood');
  }

  upgradeDone(info: { route: string; backend: string | undefined; status: number }): void {
    this.metrics.upgraded(info.route, info.backend, info.status);
  }

  backendEvent(
    pool: UpstreamPool,
    backend: Backend,
    event: HealthEvent | 'drained' | undefined,
  ): void {
    if (event === 'ejected') this.metrics.ejected(pool.name, backend.id);
    if (event === 'check-down' || event === 'ejected') {
      // At warn, so the default level says why a backend left rotation.
      this.log.warn(
        {
          pool: pool.name,
          backend: backend.id,
          event,
          state: backend.state,
          reason: backend.downReason,
        },
        `backend ${backend.id} is out of rotation: ${backend.downReason ?? event}`,
      );
      // The log is buffered for the access lines; an operator should see this one now.
      this.log.flush();
    } else if (event) {
      this.log.info(
        { pool: pool.name, backend: backend.id, event, state: backend.state },
        'backend state',
      );
    }
  }

  discovery(pool: UpstreamPool, event: DiscoveryEvent): void {
    const fields = { pool: pool.name, ...event };
    switch (event.kind) {
      case 'joined':
        this.log.info(fields, `${event.name}: ${event.address} joined as ${event.backend}`);
        break;
      case 'left':
        this.log.info(fields, `${event.name}: ${event.address} is gone; ${event.backend} drains`);
        break;
      case 'gone':
        this.log.warn(
          fields,
          `${event.name}: no such name (NXDOMAIN); draining its ${event.drained} backend(s)`,
        );
        break;
      case 'failed':
        this.log.warn(
          fields,
          `${event.name}: lookup failed (${event.error}); keeping the last ${event.kept} address(es)`,
        );
        break;
    }
  }

  checkResult(pool: UpstreamPool, backend: Backend, result: CheckResult): void {
    this.metrics.checked(pool.name, backend.id, result.ok);
  }

  // ---- reload / close --------------------------------------------------

  async reload(next: ProxyConfig): Promise<void> {
    const prev = this.config;
    if (
      JSON.stringify(next.listen) !== JSON.stringify(prev.listen) ||
      JSON.stringify(next.admin.listen) !== JSON.stringify(prev.admin.listen)
    ) {
      this.log.warn('listen addresses changed; restart the proxy to apply them');
    }
    if ((next.tls?.enabled ?? false) !== this.tls) {
      this.log.warn('tls was switched on or off; restart the proxy to apply it');
    }
    if (next.server.engine !== prev.server.engine) {
      this.log.warn('server.engine changed; restart the proxy to apply it');
    }
    this.config = next;
    this.log.level = next.log.level;
    this.trusted = new TrustedProxies(next.server.trusted_proxies);
    this.#identity = new IdentityResolver({
      jwtSecret: next.rate_limit.jwt_secret,
      sessionCookie: next.rate_limit.session_cookie,
    });
    const removed: UpstreamPool[] = [];
    for (const [name, pc] of Object.entries(next.pools)) {
      const existing = this.#pools.get(name);
      if (existing) await existing.reconfigure(pc);
      else this.#pools.set(name, new UpstreamPool(name, pc, this, this.#poolOpts()));
    }
    for (const [name, pool] of this.#pools) {
      if (!next.pools[name]) {
        this.#pools.delete(name);
        removed.push(pool);
      }
    }
    this.#applyRoutes();
    const main = this.#main;
    if (main) {
      main.configure(next);
      if (this.tls) {
        this.#tlsFiles?.watch(() => void this.reloadTls().catch(() => {}));
        await this.reloadTls().catch(() => {});
      }
    }
    // Pools that left finish their in-flight work (and WebSockets, within drain_timeout).
    for (const p of removed) p.retireAll();
    this.#retired.push(...removed);
    this.log.info(
      { pools: [...this.#pools.keys()], routes: this.#routes.length },
      'config reloaded',
    );
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#tlsFiles?.unwatch();
    const grace = this.#opts.shutdownGraceMs ?? 10_000;
    const closing = [this.#admin, this.#redirect]
      .filter((s): s is Server => s !== undefined)
      .map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      );
    if (this.#main) closing.push(this.#main.close());
    if (this.#grpc) closing.push(this.#grpc.close());
    this.#alpn?.close();
    const deadline = Date.now() + grace;
    while (Date.now() < deadline && this.#inFlight() > 0) await sleep(25);
    for (const b of this.#allBackends()) b.closeWebSockets();
    for (const s of [this.#main, this.#admin, this.#redirect]) s?.closeAllConnections();
    this.#grpc?.closeAllConnections();
    this.#alpn?.closeAllConnections();
    await Promise.all(closing);
    await Promise.all([...this.#pools.values()].map((p) => p.close(true)));
    if (this.analytics && this.config.analytics.persist && this.#opts.worker === undefined) {
      await this.analytics.save(this.#analyticsPath()).catch((e: unknown) => {
        this.log.warn({ err: (e as Error).message }, 'could not save analytics');
      });
    }
    // After the final save, so the last rollups are what the others read.
    await this.#shared?.close().catch(() => {});
    if (this.#redis) this.#redis.disconnect();
    this.log.info('proxy closed');
    if (this.#ownsLogger) this.log.flush();
  }

  #inFlight(): number {
    let n = 0;
    for (const p of this.#pools.values()) for (const b of p.backends) n += b.activeRequests;
    return n;
  }

  #allBackends(): Backend[] {
    return [...this.#pools.values(), ...this.#retired].flatMap((p) => [
      ...p.backends,
      ...p.retired,
    ]);
  }

  #analyticsPath(): string {
    return path.resolve(this.#baseDir, this.config.data_dir, 'proxy-analytics.json');
  }
}

export type { RunningProxy, StartOptions } from './types.js';

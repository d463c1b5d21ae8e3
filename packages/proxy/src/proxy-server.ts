import { existsSync, unwatchFile, watchFile } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import { handleAdmin, writeReply, type AdminControl, type AdminReply } from './admin/api.js';
import { readText } from './admin/body.js';
import { Analytics } from './analytics/engine.js';
import type { Backend, BackendSnapshot, CheckResult } from './backend.js';
import { isLoopback, type ProxyConfig } from './config/load.js';
import { CodedError, proxyError, rawErrorResponse, sendError } from './errors.js';
import type { HealthEvent } from './health/state.js';
import { TrustedProxies } from './http/client-ip.js';
import { capConnections, isRefused, onClientError } from './http/clients.js';
import type { DoneInfo, ProxyObserver } from './http/exchange-types.js';
import { Exchange, viewRequest } from './http/forward.js';
import { Router, type RouteRuntime } from './http/router.js';
import { proxyUpgrade, type TunnelEnv } from './http/upgrade.js';
import { createLogger, type Logger } from './logging.js';
import { ProxyMetrics } from './metrics.js';
import { IdentityResolver } from './rate-limit/identity.js';
import { LimiterFactory, type LimitDecision, type RateLimiter } from './rate-limit/limiter.js';
import { buildRoutes } from './runtime.js';
import { ensureSelfSigned, readKeyPair, type KeyPair } from './tls/certs.js';
import { UpstreamPool, type PoolListener, type PoolOptions } from './upstream-pool.js';

export interface StartOptions {
  logger?: Logger;
  /** Replaces the HTTP health probe (tests). */
  probe?: PoolOptions['probe'];
  /** Re-read by `POST /admin/reload` (runProxyCli sets it). */
  reloadConfig?: () => Promise<ProxyConfig>;
  /** Base for relative paths (static roots, data_dir); default: cwd. */
  baseDir?: string;
  /** How long close() waits for in-flight requests before cutting them. */
  shutdownGraceMs?: number;
  /**
   * Cluster worker mode (set by the cluster primary): no admin or redirect
   * listener, no analytics file; /admin on the main listener is relayed here.
   */
  worker?: {
    relayAdmin: (
      method: string,
      url: string,
      auth: string | undefined,
      body: string,
    ) => Promise<AdminReply>;
  };
}

export interface RunningProxy {
  readonly url: string;
  /** '' when the admin listener is disabled. */
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  readonly config: ProxyConfig;
  /** Worker processes (1: this process serves requests itself). */
  readonly workers: number;
  reload(config: ProxyConfig): Promise<void>;
  reloadTls(): Promise<{ reloaded: boolean; source?: string }>;
  close(): Promise<void>;
  /** Backends with state and stats (in cluster mode: summed over workers, refreshed each second). */
  backends(): BackendSnapshot[];
}

const TEXT_OK = 'OK';

/** The proxy: listeners, routing, forwarding, admin; one instance per startProxy. */
export class ProxyServer
  implements ProxyObserver, PoolListener, AdminControl, TunnelEnv, RunningProxy
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
  #router: Router = new Router([]);
  #limiters = new Map<string, RateLimiter>();
  readonly #factory: LimiterFactory;
  #identity: IdentityResolver;
  readonly #redis: Redis | undefined;
  readonly #opts: StartOptions;
  readonly #baseDir: string;
  #main: Server | undefined;
  #admin: Server | undefined;
  #redirect: Server | undefined;
  #keyPair: KeyPair | undefined;
  #watched: string[] = [];
  #closing = false;
  readonly #retired: UpstreamPool[] = [];
  #ownsLogger: boolean;
  readonly workers = 1;
  url = '';
  adminUrl = '';
  /** The HTTP→HTTPS redirect listener, when configured. */
  redirectUrl = '';
  port = 0;
  adminPort = 0;
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
    this.connectTimeout = 5000;
    const redisUrl = config.rate_limit.redis_url;
    this.#redis = redisUrl
      ? new Redis(redisUrl, {
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
    return this.#opts.probe ? { probe: this.#opts.probe } : {};
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
    this.#router = new Router(routes);
    const timeouts = Object.values(this.config.pools).map((p) => p.timeouts.connect);
    this.connectTimeout = timeouts.length ? Math.max(...timeouts) : 5000;
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
    const s = cfg.server;
    const headersTimeout = Math.min(s.headers_timeout, s.request_timeout || Infinity);
    const serverOpts = {
      maxHeaderSize: s.max_header_size,
      headersTimeout,
      requestTimeout: s.request_timeout,
      keepAliveTimeout: s.keep_alive_timeout,
      // Checked by the proxy so the answer is a coded 400 like every other.
      requireHostHeader: false,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    };
    let main: Server;
    if (this.tls) {
      this.#keyPair = await this.#loadKeyPair();
      main = createHttpsServer({ ...serverOpts, cert: this.#keyPair.cert, key: this.#keyPair.key });
      this.#watchCerts();
    } else {
      main = createHttpServer(serverOpts);
    }
    main.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
    main.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    main.on('clientError', onClientError);
    capConnections(main, () => this.config.server.max_connections, this.metrics, !this.tls);
    if (this.tls) main.maxConnections = s.max_connections;
    this.#main = main;
    this.port = await listen(main, cfg.listen.host, cfg.listen.port);
    this.url = `${this.tls ? 'https' : 'http'}://${urlHost(cfg.listen.host)}:${this.port}`;

    // Cluster workers share this listener too (node:cluster hands connections round).
    if (this.tls && cfg.tls?.redirect_listen) {
      const r = createHttpServer((req, res) => {
        const host = (req.headers.host ?? urlHost(cfg.listen.host)).replace(/:\d+$/, '');
        const port = this.port === 443 ? '' : `:${this.port}`;
        res.writeHead(308, {
          location: `https://${host}${port}${req.url ?? '/'}`,
          'content-length': 0,
        });
        res.end();
      });
      r.on('clientError', onClientError);
      this.#redirect = r;
      const rport = await listen(r, cfg.tls.redirect_listen.host, cfg.tls.redirect_listen.port);
      this.redirectUrl = `http://${urlHost(cfg.tls.redirect_listen.host)}:${rport}`;
    }

    if (cfg.admin.enabled && !worker) {
      if (!cfg.admin.token && !isLoopback(cfg.admin.listen.host)) {
        throw new Error('admin.token is required when the admin API listens beyond loopback');
      }
      const admin = createHttpServer((req, res) => void this.#onAdmin(req, res));
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
      { url: this.url, admin: this.adminUrl || null, pools: [...this.#pools.keys()] },
      'proxy listening',
    );
  }

  async #loadKeyPair(): Promise<KeyPair> {
    const t = this.config.tls;
    if (t?.cert && t.key)
      return readKeyPair(path.resolve(this.#baseDir, t.cert), path.resolve(this.#baseDir, t.key));
    return ensureSelfSigned(path.resolve(this.#baseDir, this.config.data_dir));
  }

  #watchCerts(): void {
    for (const f of this.#watched) unwatchFile(f);
    this.#watched = [];
    const t = this.config.tls;
    if (!t?.watch || !t.cert || !t.key) return;
    let timer: NodeJS.Timeout | undefined;
    for (const f of [t.cert, t.key].map((p) => path.resolve(this.#baseDir, p))) {
      watchFile(f, { interval: 1000, persistent: false }, () => {
        // cert and key are usually replaced together: wait for both.
        clearTimeout(timer);
        timer = setTimeout(() => void this.reloadTls().catch(() => {}), 200);
      });
      this.#watched.push(f);
    }
  }

  /** Re-reads the certificate (or self-signed pair) and swaps it in for new handshakes. */
  async reloadTls(): Promise<{ reloaded: boolean; source?: string }> {
    if (!this.tls || !this.#main) return { reloaded: false };
    try {
      const pair = await this.#loadKeyPair();
      (this.#main as HttpsServer).setSecureContext({
        cert: pair.cert,
        key: pair.key,
      });
      this.#keyPair = pair;
      this.log.info({ source: pair.source }, 'tls certificate reloaded');
      return { reloaded: true, source: pair.source };
    } catch (e) {
      this.log.error(
        { err: (e as Error).message },
        'tls certificate reload failed; keeping the old one',
      );
      throw proxyError('SB_ERR_VALIDATION', `Certificate reload failed: ${(e as Error).message}`);
    }
  }

  // ---- request path ----------------------------------------------------

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (isRefused(req.socket)) {
      res.destroy();
      return;
    }
    const url = req.url as string;
    const q = url.indexOf('?');
    const p = q === -1 ? url : url.slice(0, q);
    const s = this.config.server;
    if (p === s.health_path) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
      res.end(req.method === 'HEAD' ? undefined : TEXT_OK);
      return;
    }
    if (p === s.ready_path) {
      this.#ready(req, res);
      return;
    }
    if (url.charCodeAt(0) !== 47 /* / */) {
      sendError(
        res,
        proxyError('SB_ERR_BAD_REQUEST', 'Only origin-form request targets are accepted.'),
      );
      return;
    }
    const admin = this.config.admin;
    if (
      admin.token !== undefined &&
      admin.expose_on_main &&
      (p === '/admin' || p.startsWith('/admin/'))
    ) {
      void this.#onAdmin(req, res);
      return;
    }
    const router = this.#router;
    const route = router.match(router.usesHost ? req.headers.host : undefined, p);
    if (route === undefined) {
      sendError(res, proxyError('SB_ERR_ROUTE_NOT_FOUND'));
      return;
    }
    const started = performance.now();
    if (route.limiter !== undefined) {
      const peer = req.socket.remoteAddress;
      const clientIp = this.trusted.empty
        ? normalize(peer)
        : this.trusted.clientIp(normalize(peer), header(req, 'x-forwarded-for'));
      route.limiter
        .check(clientIp, req.headers.authorization, req.headers.cookie)
        .then((d) => this.#afterLimit(req, res, route, started, d))
        .catch((e: unknown) => {
          this.log.error({ err: (e as Error).message }, 'rate limiter failed');
          this.#dispatch(req, res, route, started, undefined);
        });
      return;
    }
    this.#dispatch(req, res, route, started, undefined);
  }

  #afterLimit(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteRuntime,
    started: number,
    d: LimitDecision | undefined,
  ): void {
    if (res.destroyed) return;
    const headers = d ? limitHeaders(d) : undefined;
    if (d && !d.allowed) {
      this.metrics.rateLimited(route.name, d.key);
      const h: Record<string, string> = { 'retry-after': String(d.reset) };
      for (let i = 0; i < (headers as string[]).length; i += 2)
        h[(headers as string[])[i] as string] = (headers as string[])[i + 1] as string;
      sendError(
        res,
        proxyError('SB_ERR_RATE_LIMITED', undefined, { limit: d.key, retry_after_s: d.reset }),
        h,
      );
      this.#record(req, route, 429, started, 0);
      return;
    }
    this.#dispatch(req, res, route, started, headers);
  }

  #dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteRuntime,
    started: number,
    extra: string[] | undefined,
  ): void {
    if (route.site !== undefined) {
      if (req.headers.host === undefined && req.httpVersionMinor === 1) {
        refuse(res, 'missing host');
        return;
      }
      if (extra)
        for (let i = 0; i < extra.length; i += 2)
          res.setHeader(extra[i] as string, extra[i + 1] as string);
      res.once('finish', () =>
        this.#record(
          req,
          route,
          res.statusCode,
          started,
          Number(res.getHeader('content-length') ?? 0),
        ),
      );
      const url = req.url as string;
      const q = url.indexOf('?');
      route.site.serve(req, res, q === -1 ? url : url.slice(0, q)).catch((e: unknown) => {
        this.log.error({ err: (e as Error).message }, 'static serving failed');
        sendError(res, proxyError('SB_ERR_INTERNAL'));
      });
      return;
    }
    const pool = route.pool as UpstreamPool;
    const view = viewRequest(req, this.trusted, this.tls, false);
    if (view.invalid !== undefined) {
      refuse(res, view.invalid);
      return;
    }
    const ex = new Exchange(req, res, route, pool, this, view, started);
    ex.extraHeaders = extra;
    ex.start();
  }

  #ready(req: IncomingMessage, res: ServerResponse): void {
    for (const p of this.#pools.values()) {
      if (p.usable().length > 0) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
        res.end(req.method === 'HEAD' ? undefined : TEXT_OK);
        return;
      }
    }
    sendError(res, proxyError('SB_ERR_NO_BACKEND', 'No backend is up.'));
  }

  #record(
    req: IncomingMessage,
    route: RouteRuntime,
    status: number,
    started: number,
    bytes: number,
  ): void {
    this.requestDone({
      route: route.name,
      backend: undefined,
      method: req.method as string,
      path: req.url as string,
      status,
      durationMs: performance.now() - started,
      bytes,
      requestId: header(req, 'x-request-id') ?? '',
      clientIp: normalize(req.socket.remoteAddress),
      retries: 0,
      error: undefined,
    });
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = req.url as string;
    const q = url.indexOf('?');
    const p = q === -1 ? url : url.slice(0, q);
    const route = url.charCodeAt(0) === 47 ? this.#router.match(req.headers.host, p) : undefined;
    if (route === undefined || route.pool === undefined) {
      socket.end(rawErrorResponse(proxyError('SB_ERR_ROUTE_NOT_FOUND')));
      return;
    }
    const pool = route.pool;
    if (route.limiter === undefined) {
      proxyUpgrade(req, socket, head, route, pool, this);
      return;
    }
    // Upgrades count against the route's limits like any request.
    const clientIp = this.trusted.empty
      ? normalize(req.socket.remoteAddress)
      : this.trusted.clientIp(normalize(req.socket.remoteAddress), header(req, 'x-forwarded-for'));
    route.limiter
      .check(clientIp, req.headers.authorization, req.headers.cookie)
      .then((d) => {
        if (socket.destroyed) return;
        if (d && !d.allowed) {
          this.metrics.rateLimited(route.name, d.key);
          const err = proxyError('SB_ERR_RATE_LIMITED', undefined, {
            limit: d.key,
            retry_after_s: d.reset,
          });
          socket.end(rawErrorResponse(err, { 'Retry-After': String(d.reset) }));
          return;
        }
        proxyUpgrade(req, socket, head, route, pool, this);
      })
      .catch(() => proxyUpgrade(req, socket, head, route, pool, this));
  }

  async #onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      await handleAdmin(this, this.config.admin.token, req, res);
    } catch (e) {
      this.log.error(
        { err: (e as Error).message, stack: (e as Error).stack },
        'admin handler failed',
      );
    }
  }

  // ---- observers -------------------------------------------------------

  requestDone(info: DoneInfo): void {
    this.metrics.requestDone(info);
    this.analytics?.record(info.route, info.backend, info.status, info.durationMs, info.bytes);
    if (this.config.log.access) {
      this.log.info(
        {
          req_id: info.requestId,
          method: info.method,
          path: info.path,
          route: info.route,
          backend: info.backend,
          status: info.status,
          ms: Math.round(info.durationMs * 100) / 100,
          bytes: info.bytes,
          ip: info.clientIp,
          retries: info.retries || undefined,
          err: info.error,
        },
        'request',
      );
    }
  }

  retried(route: string, backend: string, reason: string): void {
    this.metrics.retried(route, reason);
    this.log.debug({ route, backend, reason }, 'retrying on another backend');
  }

  tunnelOpened(): void {}
  tunnelClosed(): void {}

  upgradeDone(info: { route: string; backend: string | undefined; status: number }): void {
    this.metrics.upgraded(info.route, info.backend, info.status);
  }

  backendEvent(
    pool: UpstreamPool,
    backend: Backend,
    event: HealthEvent | 'drained' | undefined,
  ): void {
    if (event === 'ejected') this.metrics.ejected(pool.name, backend.id);
    if (event) {
      const level = event === 'check-down' || event === 'ejected' ? 'warn' : 'info';
      this.log[level](
        { pool: pool.name, backend: backend.id, event, state: backend.state },
        'backend state',
      );
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
      const s = next.server;
      main.headersTimeout = Math.min(s.headers_timeout, s.request_timeout || Infinity);
      main.requestTimeout = s.request_timeout;
      main.keepAliveTimeout = s.keep_alive_timeout;
      if (this.tls) {
        this.#watchCerts();
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
    for (const f of this.#watched) unwatchFile(f);
    const grace = this.#opts.shutdownGraceMs ?? 10_000;
    const closing = [this.#main, this.#admin, this.#redirect]
      .filter((s): s is Server => s !== undefined)
      .map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      );
    const deadline = Date.now() + grace;
    while (Date.now() < deadline && this.#inFlight() > 0) await sleep(25);
    for (const b of this.#allBackends()) b.closeWebSockets();
    for (const s of [this.#main, this.#admin, this.#redirect]) s?.closeAllConnections();
    await Promise.all(closing);
    await Promise.all([...this.#pools.values()].map((p) => p.close(true)));
    if (this.analytics && this.config.analytics.persist && this.#opts.worker === undefined) {
      await this.analytics.save(this.#analyticsPath()).catch((e: unknown) => {
        this.log.warn({ err: (e as Error).message }, 'could not save analytics');
      });
    }
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

/** A 400 for a request whose framing cannot be trusted: the connection is closed after it. */
function refuse(res: ServerResponse, reason: string): void {
  res.shouldKeepAlive = false;
  sendError(res, proxyError('SB_ERR_BAD_REQUEST', undefined, { reason }), { connection: 'close' });
}

function limitHeaders(d: LimitDecision): string[] {
  return [
    'ratelimit-limit',
    String(d.limit),
    'ratelimit-remaining',
    String(d.remaining),
    'ratelimit-reset',
    String(d.reset),
  ];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function normalize(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts the proxy (main listener, optional redirect listener and admin API).
 * With `workers` > 1 this process becomes a cluster primary: the workers serve
 * traffic and this process hosts the admin API over all of them.
 */
export async function startProxy(
  config: ProxyConfig,
  opts: StartOptions = {},
): Promise<RunningProxy> {
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  if (workers > 1 && opts.worker === undefined) {
    const { startCluster } = await import('./cluster/primary.js');
    return startCluster(config, workers, opts);
  }
  const server = new ProxyServer(config, opts);
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => {});
    throw e;
  }
  return server;
}

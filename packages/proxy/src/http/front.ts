import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from '../config/load.js';
import { proxyError, rawErrorResponse, sendError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { ProxyMetrics } from '../metrics.js';
import type { LimitDecision } from '../rate-limit/limiter.js';
import type { UpstreamPool } from '../upstream-pool.js';
import type { TrustedProxies } from './client-ip.js';
import { afterLastAnswer, isRefused, markLastAnswer } from './clients.js';
import { nextRequestId, viewRequest } from './client-view.js';
import type { ForwardEnv } from './exchange-types.js';
import { Exchange } from './forward.js';
import type { RouteRuntime, Router } from './router.js';
import { proxyUpgrade, type TunnelEnv } from './upgrade.js';

const TEXT_OK = 'OK';

/** What the request path needs from the running proxy. */
export interface FrontContext extends ForwardEnv, TunnelEnv {
  readonly config: ProxyConfig;
  readonly router: Router;
  readonly trusted: TrustedProxies;
  readonly metrics: ProxyMetrics;
  readonly log: Logger;
  pools(): ReadonlyMap<string, UpstreamPool>;
  onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * The main listener's request path: the proxy's own endpoints, admin
 * exposure, routing, rate limits, then a static site or an upstream exchange;
 * and the same for Upgrade requests.
 */
export class FrontDoor {
  readonly #ctx: FrontContext;

  constructor(ctx: FrontContext) {
    this.#ctx = ctx;
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (isRefused(req.socket)) {
      res.destroy();
      return;
    }
    if (afterLastAnswer(req.socket)) {
      req.resume();
      return;
    }
    const url = req.url as string;
    const q = url.indexOf('?');
    const p = q === -1 ? url : url.slice(0, q);
    const s = this.#ctx.config.server;
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
    const admin = this.#ctx.config.admin;
    if (
      admin.token !== undefined &&
      admin.expose_on_main &&
      (p === '/admin' || p.startsWith('/admin/'))
    ) {
      if (admin.browser_page !== undefined && isBrowserVisit(req, p)) {
        res.writeHead(302, { location: admin.browser_page, 'content-length': 0 });
        res.end();
        return;
      }
      void this.#ctx.onAdmin(req, res);
      return;
    }
    const router = this.#ctx.router;
    const route = router.match(router.usesHost ? req.headers.host : undefined, p);
    if (route === undefined) {
      sendError(res, proxyError('SB_ERR_ROUTE_NOT_FOUND'));
      return;
    }
    const started = performance.now();
    if (route.limiter !== undefined) {
      const peer = req.socket.remoteAddress;
      const clientIp = this.#ctx.trusted.empty
        ? normalize(peer)
        : this.#ctx.trusted.clientIp(normalize(peer), header(req, 'x-forwarded-for'));
      route.limiter
        .check(clientIp, req.headers.authorization, req.headers.cookie)
        .then((d) => this.#afterLimit(req, res, route, started, d))
        .catch((e: unknown) => {
          this.#ctx.log.error({ err: (e as Error).message }, 'rate limiter failed');
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
      this.#ctx.metrics.rateLimited(route.name, d.key);
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
      const incoming = header(req, 'x-request-id');
      const requestId = incoming && incoming.length <= 200 ? incoming : nextRequestId();
      res.setHeader('x-request-id', requestId);
      res.once('finish', () =>
        this.#record(
          req,
          route,
          res.statusCode,
          started,
          Number(res.getHeader('content-length') ?? 0),
          requestId,
        ),
      );
      const url = req.url as string;
      const q = url.indexOf('?');
      route.site.serve(req, res, q === -1 ? url : url.slice(0, q)).catch((e: unknown) => {
        this.#ctx.log.error({ err: (e as Error).message }, 'static serving failed');
        sendError(res, proxyError('SB_ERR_INTERNAL'));
      });
      return;
    }
    const pool = route.pool as UpstreamPool;
    const view = viewRequest(req, this.#ctx.trusted, this.#ctx.tls, false);
    if (view.invalid !== undefined) {
      refuse(res, view.invalid);
      return;
    }
    const ex = new Exchange(req, res, route, pool, this.#ctx, view, started);
    ex.extraHeaders = extra;
    ex.start();
  }

  #ready(req: IncomingMessage, res: ServerResponse): void {
    for (const p of this.#ctx.pools().values()) {
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
    requestId?: string,
  ): void {
    this.#ctx.requestDone({
      route: route.name,
      backend: undefined,
      method: req.method as string,
      path: req.url as string,
      status,
      durationMs: performance.now() - started,
      bytes,
      requestId: requestId ?? header(req, 'x-request-id') ?? '',
      clientIp: normalize(req.socket.remoteAddress),
      retries: 0,
      error: undefined,
    });
  }

  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = req.url as string;
    const q = url.indexOf('?');
    const p = q === -1 ? url : url.slice(0, q);
    const route =
      url.charCodeAt(0) === 47 ? this.#ctx.router.match(req.headers.host, p) : undefined;
    if (route === undefined || route.pool === undefined) {
      socket.end(rawErrorResponse(proxyError('SB_ERR_ROUTE_NOT_FOUND')));
      return;
    }
    const pool = route.pool;
    if (route.limiter === undefined) {
      proxyUpgrade(req, socket, head, route, pool, this.#ctx);
      return;
    }
    // Upgrades count against the route's limits like any request.
    const clientIp = this.#ctx.trusted.empty
      ? normalize(req.socket.remoteAddress)
      : this.#ctx.trusted.clientIp(
          normalize(req.socket.remoteAddress),
          header(req, 'x-forwarded-for'),
        );
    route.limiter
      .check(clientIp, req.headers.authorization, req.headers.cookie)
      .then((d) => {
        if (socket.destroyed) return;
        if (d && !d.allowed) {
          this.#ctx.metrics.rateLimited(route.name, d.key);
          const err = proxyError('SB_ERR_RATE_LIMITED', undefined, {
            limit: d.key,
            retry_after_s: d.reset,
          });
          socket.end(rawErrorResponse(err, { 'Retry-After': String(d.reset) }));
          return;
        }
        proxyUpgrade(req, socket, head, route, pool, this.#ctx);
      })
      .catch(() => proxyUpgrade(req, socket, head, route, pool, this.#ctx));
  }
}

/** A 400 for a request whose framing cannot be trusted: the connection is closed after it. */
export function refuse(res: ServerResponse, reason: string): void {
  res.shouldKeepAlive = false;
  markLastAnswer(res.socket as Socket);
  sendError(res, proxyError('SB_ERR_BAD_REQUEST', undefined, { reason }), { connection: 'close' });
}

export function limitHeaders(d: LimitDecision): string[] {
  return [
    'ratelimit-limit',
    String(d.limit),
    'ratelimit-remaining',
    String(d.remaining),
    'ratelimit-reset',
    String(d.reset),
  ];
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function normalize(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** A person typing /admin into a browser: a page load, not an API call. */
function isBrowserVisit(req: IncomingMessage, path: string): boolean {
  return (
    (path === '/admin' || path === '/admin/') &&
    (req.method === 'GET' || req.method === 'HEAD') &&
    req.headers.authorization === undefined &&
    (req.headers.accept ?? '').includes('text/html')
  );
}

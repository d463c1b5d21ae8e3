import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from '../../config/load.js';
import { proxyError, rawErrorResponse, sendError } from '../../errors.js';
import type { Logger } from '../../logging.js';
import type { ProxyMetrics } from '../../metrics.js';
import type { TrustedProxies } from '../../request/client-address.js';
import type { Exchange, ExchangeEnv } from '../../request/exchange.js';
import {
  anyBackendUp,
  pathOf,
  readyRetryAfter,
  type FrontDecision,
  type FrontPolicy,
} from '../../request/front-decision.js';
import type { RouteRuntime } from '../../request/routing.js';
import type { StaticSite } from '../../static/static-site.js';
import type { UpstreamPool } from '../../upstream-pool.js';
import { afterLastAnswer, isRefused } from '../client-sockets.js';
import { viewRequest } from './client-view.js';
import { nodeExchange } from './node-call.js';
import { refuse } from './refuse.js';
import { proxyUpgrade, type TunnelEnv } from './upgrade.js';

const TEXT_OK = 'OK';

/** What the front doors need from the running proxy. */
export interface FrontContext extends ExchangeEnv, TunnelEnv {
  readonly config: ProxyConfig;
  readonly front: FrontPolicy;
  readonly trusted: TrustedProxies;
  readonly metrics: ProxyMetrics;
  readonly log: Logger;
  pools(): ReadonlyMap<string, UpstreamPool>;
  onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * The node engine's front door: executes the front-door decision for each
 * request node:http parsed (and for each one the raw engine handed over), and
 * the same for Upgrade requests.
 */
export class FrontDoor {
  readonly #ctx: FrontContext;

  constructor(ctx: FrontContext) {
    this.#ctx = ctx;
  }

  /**
   * `Expect: 100-continue`: the same decision, and `100 Continue` only once the
   * body is wanted — a body over the route's limit is refused (413) before the
   * client sends it.
   */
  onContinue(req: IncomingMessage, res: ServerResponse): void {
    this.onRequest(req, res, true);
  }

  onRequest(req: IncomingMessage, res: ServerResponse, expectsContinue = false): void {
    if (isRefused(req.socket)) {
      res.destroy();
      return;
    }
    if (afterLastAnswer(req.socket)) {
      req.resume();
      return;
    }
    const url = req.url as string;
    const p = pathOf(url);
    const policy = this.#ctx.front;
    const d = policy.decide(url, p, policy.usesHost ? req.headers.host : undefined);
    if (expectsContinue && d.route === undefined) res.writeContinue();
    switch (d.kind) {
      case 'health':
        answerOk(req, res);
        return;
      case 'ready':
        if (anyBackendUp(this.#ctx.pools())) answerOk(req, res);
        else
          sendError(res, proxyError('SB_ERR_NO_BACKEND', 'No backend is up.'), {
            'retry-after': readyRetryAfter(this.#ctx.pools()),
          });
        return;
      case 'bad-target':
        refuse(res, 'target form', 'Only origin-form request targets are accepted.');
        return;
      case 'admin':
        this.#admin(req, res, p);
        return;
      case 'not-found':
        sendError(res, proxyError('SB_ERR_ROUTE_NOT_FOUND'));
        return;
      default:
        this.#route(d, req, res, p, expectsContinue);
    }
  }

  #admin(req: IncomingMessage, res: ServerResponse, path: string): void {
    const page = this.#ctx.config.admin.browser_page;
    if (page !== undefined && isBrowserVisit(req, path)) {
      res.writeHead(302, { location: page, 'content-length': 0 });
      res.end();
      return;
    }
    void this.#ctx.onAdmin(req, res);
  }

  /** static, limited or forward: one exchange, behind the route's rate limit if it has one. */
  #route(
    d: FrontDecision,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    expectsContinue: boolean,
  ): void {
    const started = performance.now();
    const route = d.route as RouteRuntime;
    const view = viewRequest(req, this.#ctx.trusted, this.#ctx.tls, false);
    if (view.invalid !== undefined) {
      refuse(res, view.invalid);
      return;
    }
    const ex = nodeExchange(req, res, view, route, this.#ctx, started);
    if (!ex.admitBody(view.contentLength)) return;
    if (expectsContinue) res.writeContinue();
    if (d.kind !== 'limited') {
      this.#proceed(d, ex, req, res, path);
      return;
    }
    const then = d.then as FrontDecision;
    void ex.admit(route.limiter as NonNullable<RouteRuntime['limiter']>).then((ok) => {
      if (ok) this.#proceed(then, ex, req, res, path);
    });
  }

  #proceed(
    d: FrontDecision,
    ex: Exchange,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): void {
    if (d.kind === 'forward') ex.start();
    else this.#serveStatic(ex, req, res, path);
  }

  #serveStatic(ex: Exchange, req: IncomingMessage, res: ServerResponse, path: string): void {
    const extra = ex.extraHeaders;
    if (extra)
      for (let i = 0; i < extra.length; i += 2)
        res.setHeader(extra[i] as string, extra[i + 1] as string);
    res.setHeader('x-request-id', ex.requestId);
    res.once('finish', () =>
      ex.answered(res.statusCode, Number(res.getHeader('content-length') ?? 0)),
    );
    (ex.route.site as StaticSite).serve(req, res, path).catch((e: unknown) => {
      this.#ctx.log.error({ err: (e as Error).message }, 'static serving failed');
      sendError(res, proxyError('SB_ERR_INTERNAL'));
    });
  }

  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = req.url as string;
    const d = this.#ctx.front.decideUpgrade(url, pathOf(url), req.headers.host);
    if (d.kind === 'not-found') {
      socket.end(rawErrorResponse(proxyError('SB_ERR_ROUTE_NOT_FOUND')));
      return;
    }
    const route = d.route as RouteRuntime;
    const pool = route.pool as UpstreamPool;
    if (d.kind === 'upgrade') {
      proxyUpgrade(req, socket, head, route, pool, this.#ctx);
      return;
    }
    // Upgrades count against the route's limits like any request.
    const view = viewRequest(req, this.#ctx.trusted, this.#ctx.tls, true);
    (route.limiter as NonNullable<RouteRuntime['limiter']>)
      .check(view.clientIp, req.headers.authorization, req.headers.cookie)
      .then((limit) => {
        if (socket.destroyed) return;
        if (limit && !limit.allowed) {
          this.#ctx.rateLimited(route.name, limit.key);
          const err = proxyError('SB_ERR_RATE_LIMITED', undefined, {
            limit: limit.key,
            retry_after_s: limit.reset,
          });
          socket.end(rawErrorResponse(err, { 'Retry-After': String(limit.reset) }));
          return;
        }
        proxyUpgrade(req, socket, head, route, pool, this.#ctx, view);
      })
      .catch(() => proxyUpgrade(req, socket, head, route, pool, this.#ctx, view));
  }
}

/** `200 OK` in plain text: the proxy's own health and readiness answers. */
function answerOk(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
  res.end(req.method === 'HEAD' ? undefined : TEXT_OK);
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

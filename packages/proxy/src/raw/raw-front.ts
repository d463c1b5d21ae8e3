import { proxyError } from '../errors.js';
import { limitHeaders, type FrontContext } from '../http/front.js';
import type { LimitDecision } from '../rate-limit/limiter.js';
import type { UpstreamPool } from '../upstream-pool.js';
import type { ClientConnection } from './client-connection.js';
import { RawExchange } from './raw-exchange.js';
import type { RequestHead } from './request-head.js';
import { simpleResponse } from './response-writer.js';

const TEXT_OK = ['content-type', 'text/plain; charset=utf-8', 'content-length', '2'];

/**
 * The raw engine's request path, in FrontDoor's order: the proxy's own
 * endpoints, admin exposure, routing, rate limits, then an upstream exchange.
 * Admin and static routes go to node:http (FrontDoor) with the connection.
 */
export function handleRaw(ctx: FrontContext, conn: ClientConnection, head: RequestHead): void {
  const p = head.path;
  const s = ctx.config.server;
  const isHead = head.method === 'HEAD';
  if (p === s.health_path) {
    answerOk(conn, isHead);
    return;
  }
  if (p === s.ready_path) {
    ready(ctx, conn, isHead);
    return;
  }
  const admin = ctx.config.admin;
  if (
    admin.token !== undefined &&
    admin.expose_on_main &&
    (p === '/admin' || p.startsWith('/admin/'))
  ) {
    conn.handOver();
    return;
  }
  const router = ctx.router;
  const route = router.match(router.usesHost ? head.host : undefined, p);
  if (route === undefined) {
    conn.respondError(proxyError('SB_ERR_ROUTE_NOT_FOUND'));
    return;
  }
  if (route.site !== undefined) {
    conn.handOver();
    return;
  }
  const ex = new RawExchange(conn, head, route, route.pool as UpstreamPool, ctx, performance.now());
  const limiter = route.limiter;
  if (limiter === undefined) {
    ex.start();
    return;
  }
  const peer = conn.peerIp;
  const clientIp = ctx.trusted.empty
    ? peer
    : ctx.trusted.clientIp(peer, head.headerValue('x-forwarded-for'));
  limiter
    .check(clientIp, head.headerValue('authorization'), head.headerValue('cookie'))
    .then((d) => afterLimit(ctx, ex, d, peer))
    .catch((e: unknown) => {
      ctx.log.error({ err: (e as Error).message }, 'rate limiter failed');
      ex.start();
    });
}

function afterLimit(
  ctx: FrontContext,
  ex: RawExchange,
  d: LimitDecision | undefined,
  peer: string,
): void {
  if (ex.finished) return; // the client went away meanwhile
  const headers = d ? limitHeaders(d) : undefined;
  if (d && !d.allowed) {
    ctx.metrics.rateLimited(ex.route.name, d.key);
    const err = proxyError('SB_ERR_RATE_LIMITED', undefined, {
      limit: d.key,
      retry_after_s: d.reset,
    });
    ex.refused();
    ctx.requestDone({
      route: ex.route.name,
      backend: undefined,
      method: ex.head.method,
      path: ex.head.url,
      status: 429,
      durationMs: performance.now() - ex.started,
      bytes: 0,
      requestId: ex.head.headerValue('x-request-id') ?? '',
      clientIp: peer,
      retries: 0,
      error: undefined,
    });
    ex.conn.respondError(err, [], ['retry-after', String(d.reset), ...(headers as string[])]);
    return;
  }
  ex.extraHeaders = headers;
  ex.start();
}

function ready(ctx: FrontContext, conn: ClientConnection, isHead: boolean): void {
  for (const p of ctx.pools().values()) {
    if (p.usable().length > 0) {
      answerOk(conn, isHead);
      return;
    }
  }
  conn.respondError(proxyError('SB_ERR_NO_BACKEND', 'No backend is up.'));
}

/** `200 OK` in plain text: the proxy's own health and readiness answers. */
function answerOk(conn: ClientConnection, isHead: boolean): void {
  const w = simpleResponse(
    200,
    TEXT_OK,
    isHead ? undefined : 'OK',
    conn.keepAlive,
    conn.keepAliveTimeout,
  );
  conn.respond(w.bytes, w.close);
}

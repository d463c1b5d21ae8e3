import { proxyError } from '../../errors.js';
import type { Exchange } from '../../request/exchange.js';
import { anyBackendUp, readyRetryAfter, type FrontDecision } from '../../request/front-decision.js';
import type { RouteRuntime } from '../../request/routing.js';
import type { FrontContext } from '../node/node-front.js';
import type { ClientConnection } from './client-connection.js';
import type { RequestHead } from './request-head.js';
import { simpleResponse } from './response-writer.js';

const TEXT_OK = ['content-type', 'text/plain; charset=utf-8', 'content-length', '2'];

/**
 * The raw engine's front door: executes the front-door decision for a request
 * its parser accepted. The proxy's own answers and forwarded requests stay
 * here; admin, static routes and upgrades go to node:http (FrontDoor) with the
 * connection.
 */
export function handleRaw(ctx: FrontContext, conn: ClientConnection, head: RequestHead): void {
  const policy = ctx.front;
  const d = policy.decide(head.url, head.path, policy.usesHost ? head.host : undefined);
  switch (d.kind) {
    case 'health':
      answerOk(conn, head);
      return;
    case 'ready':
      if (anyBackendUp(ctx.pools())) answerOk(conn, head);
      else
        conn.respondError(
          proxyError('SB_ERR_NO_BACKEND', 'No backend is up.'),
          [],
          ['retry-after', readyRetryAfter(ctx.pools())],
        );
      return;
    case 'not-found':
      conn.respondError(proxyError('SB_ERR_ROUTE_NOT_FOUND'));
      return;
    case 'forward': {
      const ex = forward(ctx, conn, head, d);
      if (ex.admitBody(head.contentLength)) ex.start();
      return;
    }
    case 'limited':
      if ((d.then as FrontDecision).kind === 'forward') {
        const ex = forward(ctx, conn, head, d);
        if (!ex.admitBody(head.contentLength)) return;
        void ex
          .admit(d.route?.limiter as NonNullable<RouteRuntime['limiter']>)
          .then((ok) => ok && ex.start());
        return;
      }
      conn.handOver();
      return;
    default:
      // admin, static (its files are served by node:http), and what the parser
      // never lets through (upgrades, other target forms).
      conn.handOver();
  }
}

function forward(
  ctx: FrontContext,
  conn: ClientConnection,
  head: RequestHead,
  d: FrontDecision,
): Exchange {
  const transport = conn.transport;
  const ex = transport.begin(head, d.route as RouteRuntime, ctx, performance.now());
  conn.attach(transport);
  return ex;
}

/** `200 OK` in plain text: the proxy's own health and readiness answers. */
function answerOk(conn: ClientConnection, head: RequestHead): void {
  const w = simpleResponse(
    200,
    TEXT_OK,
    head.method === 'HEAD' ? undefined : 'OK',
    conn.keepAlive,
    conn.keepAliveTimeout,
  );
  conn.respond(w.bytes, w.close);
}

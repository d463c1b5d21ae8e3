import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { proxyError, type CodedError } from '../../errors.js';
import { normalizeIp, type TrustedProxies } from '../../request/client-address.js';
import { Exchange, type ExchangeEnv } from '../../request/exchange.js';
import { pathOf, type FrontDecision, type FrontPolicy } from '../../request/front-decision.js';
import { forwardedElement } from '../../request/forwarded.js';
import { isHopByHop } from '../../request/hop-by-hop.js';
import { acceptsRequestId, nextRequestId } from '../../request/request-id.js';
import type { RouteRuntime } from '../../request/routing.js';
import { H2Call, type H2CallEnv } from './h2-call.js';
import { isGrpc, parseGrpcTimeout } from './grpc-status.js';

/** A replayable (idempotent) call's body is held whole up to this size; a larger one streams. */
const MAX_REPLAY_BODY = 1 << 20;

/** Serves a stream the HTTP/2 engine does not carry. */
export type H2Fallback = (
  down: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
) => void;

/** What the HTTP/2 front door needs from the running proxy. */
export interface H2FrontContext extends ExchangeEnv, H2CallEnv {
  readonly front: FrontPolicy;
  readonly trusted: TrustedProxies;
}

/**
 * The HTTP/2 front door: each client stream becomes one exchange of the
 * engine-neutral pipeline (routing, rate limit, pick, retries, accounting),
 * carried by an H2Call. `fixedRoute` (the gRPC listener's `grpc.pool`) takes
 * every stream; otherwise the config's routes decide by path and authority.
 */
export class H2Front {
  readonly #ctx: H2FrontContext;
  readonly #tls: boolean;
  #fixedRoute: (() => RouteRuntime | undefined) | undefined;
  readonly #fallback: H2Fallback | undefined;

  /**
   * `fallback` (ALPN h2 on the TLS listener) takes what this engine does not
   * carry: the proxy's own pages, admin, static sites and pools that speak
   * HTTP/1.1 — the node engine serves them through node:http2's compatibility API.
   */
  constructor(
    ctx: H2FrontContext,
    tls: boolean,
    fixedRoute?: () => RouteRuntime | undefined,
    fallback?: H2Fallback,
  ) {
    this.#ctx = ctx;
    this.#tls = tls;
    this.#fixedRoute = fixedRoute;
    this.#fallback = fallback;
  }

  onStream(down: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[] = []): void {
    const started = performance.now();
    const ctx = this.#ctx;
    const target = headers[':path'] ?? '';
    const method = headers[':method'] ?? 'GET';
    const grpc = isGrpc(headers['content-type']);
    const fixed = this.#fixedRoute?.();
    let d: FrontDecision;
    if (fixed !== undefined) d = { kind: 'forward', route: fixed, then: undefined };
    else {
      const policy = ctx.front;
      d = policy.decide(target, pathOf(target), headers[':authority'] ?? headers.host);
      if (d.kind === 'limited' && d.then?.kind === 'static') d = d.then;
    }
    if (
      this.#fallback !== undefined &&
      (d.route?.pool === undefined || d.route.pool.config.protocol === 'http1')
    ) {
      this.#fallback(down, headers, rawHeaders);
      return;
    }
    const peerIp = normalizeIp(down.session?.socket?.remoteAddress);
    const xff = headers['x-forwarded-for'];
    const clientIp = ctx.trusted.clientIp(peerIp, typeof xff === 'string' ? xff : undefined);
    const rid = headers['x-request-id'];
    const requestId = acceptsRequestId(typeof rid === 'string' ? rid : undefined)
      ? (rid as string)
      : nextRequestId();
    const route = d.route;
    const pool = route?.pool;
    const hasBody = !down.endAfterHeaders;
    const replay =
      grpc && pool !== undefined && pool.config.retries.idempotent_methods.includes(pathOf(target));
    const fwd = forwardHeaders(
      headers,
      peerIp,
      ctx.trusted.isTrusted(peerIp),
      this.#tls,
      requestId,
    );
    // A stream the proxy answers itself, counted and logged as an exchange like any other.
    const refuse = (on: RouteRuntime, err: CodedError): void => {
      const call = new H2Call(down, headers, grpc, fwd, undefined, ctx);
      const ex = new Exchange(
        on,
        ctx,
        call,
        call,
        method,
        target,
        requestId,
        clientIp,
        false,
        started,
      );
      call.ex = ex;
      ex.answered(err.status, 0);
      call.sendError(err, ['x-request-id', requestId], []);
    };
    if (
      (d.kind !== 'forward' && d.kind !== 'limited') ||
      route === undefined ||
      pool === undefined
    ) {
      // The proxy's own pages, admin and static sites are served over HTTP/1.1 only.
      refuse(routeOrNone(route), proxyError('SB_ERR_ROUTE_NOT_FOUND'));
      return;
    }
    if (pool.config.protocol === 'http1') {
      refuse(
        route,
        proxyError('SB_ERR_BAD_GATEWAY', 'The pool of this route does not speak HTTP/2.', {
          pool: pool.name,
        }),
      );
      return;
    }
    const go = (body: Buffer | undefined): void => {
      const c = new H2Call(down, headers, grpc, fwd, body, ctx);
      const ex = new Exchange(
        route,
        ctx,
        c,
        c,
        method,
        target,
        requestId,
        clientIp,
        hasBody && body === undefined,
        started,
      );
      c.ex = ex;
      ex.idempotent = body !== undefined;
      const timeout = grpc
        ? parseGrpcTimeout(headers['grpc-timeout'] as string | undefined)
        : undefined;
      if (timeout !== undefined) c.setDeadline(timeout);
      if (d.kind === 'limited') {
        void ex.admit(route.limiter as NonNullable<RouteRuntime['limiter']>).then((ok) => {
          if (ok) ex.start();
        });
      } else ex.start();
    };
    if (!replay || !hasBody) {
      go(replay ? Buffer.alloc(0) : undefined);
      return;
    }
    readWhole(down, MAX_REPLAY_BODY, (body) => go(body));
  }
}

/**
 * Reads a body whole (up to `max` bytes) before the call is dispatched, so it
 * can be sent again; a larger one is streamed instead (the bytes read so far
 * go first) and is not retried.
 */
function readWhole(
  down: ServerHttp2Stream,
  max: number,
  done: (body: Buffer | undefined) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (body: Buffer | undefined): void => {
    if (settled) return;
    settled = true;
    down.off('data', onData);
    if (body === undefined) {
      down.pause();
      // Give back what was read: the stream flows on from there when piped.
      for (let i = chunks.length - 1; i >= 0; i--) down.unshift(chunks[i] as Buffer);
    }
    done(body);
  };
  const onData = (c: Buffer): void => {
    chunks.push(c);
    size += c.length;
    if (size > max) finish(undefined);
  };
  down.on('data', onData);
  down.once('end', () => finish(Buffer.concat(chunks, size)));
}

function routeOrNone(route: RouteRuntime | undefined): RouteRuntime {
  return (
    route ?? {
      name: 'none',
      config: { name: 'none', match: {}, strip_prefix: false },
      pool: undefined,
      site: undefined,
      limiter: undefined,
      headersTimeout: undefined,
      bodyTimeout: undefined,
      maxBodySize: undefined,
    }
  );
}

/**
 * The headers sent upstream: the client's, pseudo-headers and hop-by-hop ones
 * removed (but `te: trailers`, which gRPC requires), forwarding headers added
 * as the HTTP/1.1 engines add them.
 */
export function forwardHeaders(
  h: IncomingHttpHeaders,
  peerIp: string,
  peerTrusted: boolean,
  tls: boolean,
  requestId: string,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in h) {
    if (name.charCodeAt(0) === 58 /* : */) continue;
    if (isHopByHop(name)) {
      if (name === 'te' && h.te === 'trailers') out.te = 'trailers';
      continue;
    }
    if (name === 'host' || name === 'x-forwarded-for' || name === 'x-forwarded-proto') continue;
    if (name === 'forwarded' || name === 'x-request-id') continue;
    out[name] = h[name];
  }
  const xff = h['x-forwarded-for'];
  out['x-forwarded-for'] =
    peerTrusted && typeof xff === 'string' && xff !== '' ? `${xff}, ${peerIp}` : peerIp;
  out['x-forwarded-proto'] =
    peerTrusted && typeof h['x-forwarded-proto'] === 'string'
      ? h['x-forwarded-proto']
      : tls
        ? 'https'
        : 'http';
  const mine = forwardedElement(peerIp, tls, h[':authority']);
  const fwd = h.forwarded;
  out.forwarded = peerTrusted && typeof fwd === 'string' && fwd !== '' ? `${fwd}, ${mine}` : mine;
  out['x-request-id'] = requestId;
  return out;
}

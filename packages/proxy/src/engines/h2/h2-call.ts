import {
  constants,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Backend } from '../../backend.js';
import { errorBodyJson, proxyError, type CodedError } from '../../errors.js';
import type { ClientResponder, Exchange, UpstreamTransport } from '../../request/exchange.js';
import { isHopByHop } from '../../request/hop-by-hop.js';
import { NOT_PROCESSED } from '../../request/retry-rules.js';
import { upstreamPath } from '../../request/routing.js';
import { GrpcStatus, grpcMessage, grpcStatusOf } from './grpc-status.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR } =
  constants;

/** What a call tells the running proxy beyond its exchange. */
export interface H2CallEnv {
  grpcCall(pool: string, code: number): void;
}

/**
 * The HTTP/2 engine's side of one exchange: one upstream stream per client
 * stream (per call, so calls of one client connection spread over the pool),
 * headers, body and trailers relayed both ways with the streams' own
 * backpressure (pipe), resets passed on, and the proxy's own failures
 * answered as gRPC statuses to gRPC clients (a trailers-only response) or as
 * the usual coded JSON to others.
 *
 * Invariant: `#up` is the stream of the current attempt only; events of an
 * earlier attempt's stream are ignored.
 */
export class H2Call implements UpstreamTransport, ClientResponder {
  readonly down: ServerHttp2Stream;
  readonly headers: IncomingHttpHeaders;
  readonly grpc: boolean;
  /** Headers sent upstream, pseudo-headers aside (hop-by-hop removed, forwarding ones added). */
  readonly forward: OutgoingHttpHeaders;
  /** The request body held whole (a replayable call), or undefined: streamed as it comes. */
  readonly body: Buffer | undefined;
  readonly #env: H2CallEnv;
  ex: Exchange | undefined = undefined;
  #up: ClientHttp2Stream | undefined = undefined;
  #upEnded = false;
  #trailers: OutgoingHttpHeaders | undefined = undefined;
  #complete = false;
  #grpcCode = -1;
  #deadline: NodeJS.Timeout | undefined = undefined;
  #received = 0;

  constructor(
    down: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    grpc: boolean,
    forward: OutgoingHttpHeaders,
    body: Buffer | undefined,
    env: H2CallEnv,
  ) {
    this.down = down;
    this.headers = headers;
    this.grpc = grpc;
    this.forward = forward;
    this.body = body;
    this.#env = env;
    down.on('wantTrailers', () => this.#sendTrailers());
    down.on('close', () => this.#downClosed());
    // A client reset shows up as 'close' (below); the error itself says nothing more.
    down.on('error', () => {});
  }

  /** The call's deadline (grpc-timeout): past it the proxy answers DEADLINE_EXCEEDED itself. */
  setDeadline(ms: number): void {
    this.#deadline = setTimeout(() => this.#deadlineHit(ms), ms);
  }

  // ---- UpstreamTransport ------------------------------------------------

  send(ex: Exchange, backend: Backend): void {
    this.#upEnded = false;
    let up: ClientHttp2Stream;
    try {
      const session = backend.h2.session();
      const headers: OutgoingHttpHeaders = {
        ...this.forward,
        ':method': ex.method,
        ':path': upstreamPath(ex.route, ex.url),
        ':scheme': backend.origin.protocol === 'https:' ? 'https' : 'http',
        ':authority': this.headers[':authority'] ?? backend.origin.host,
      };
      const body = this.body;
      up = session.request(headers, {
        endStream: !ex.hasBody && (body === undefined || body.length === 0),
      });
      if (body !== undefined && body.length > 0) up.end(body);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ECONNRESET';
      process.nextTick(() => ex.upstreamFailed(code));
      return;
    }
    this.#up = up;
    const ready = (): void => {
      if (up !== this.#up) return;
      ex.upstreamSent();
      if (ex.hasBody) this.#pipeBody(ex, up);
    };
    // On a connected session the stream gets its id (and 'ready') inside request().
    if (up.pending) up.once('ready', ready);
    else ready();
    up.on('response', (h) => this.#onResponse(up, h));
    up.on('trailers', (t) => {
      if (up === this.#up) this.#trailers = cleanTrailers(t);
    });
    up.on('end', () => {
      if (up === this.#up) this.#upEnded = true;
    });
    let failure: string | undefined;
    up.on('error', (e: Error & { code?: string }) => (failure ??= e.code));
    up.on('close', () => {
      if (up !== this.#up || this.#upEnded) return;
      this.#upFailed(up, failure);
    });
  }

  /** The client's body, streamed upstream as it comes, counted against the route's limit. */
  #pipeBody(ex: Exchange, up: ClientHttp2Stream): void {
    const down = this.down;
    if (ex.route.maxBodySize !== undefined) {
      down.on('data', (c: Buffer) => {
        this.#received += c.length;
        ex.bodyReceived(this.#received);
      });
    }
    down.pipe(up);
  }

  cancel(): void {
    const up = this.#up;
    this.#up = undefined;
    if (up === undefined) return;
    this.down.unpipe(up);
    up.unpipe(this.down);
    if (!up.closed) up.close(NGHTTP2_CANCEL);
  }

  #onResponse(up: ClientHttp2Stream, h: IncomingHttpHeaders): void {
    if (up !== this.#up) return;
    const ex = this.ex as Exchange;
    const status = Number(h[':status']);
    if (!ex.upstreamHead(status)) {
      this.cancel();
      return;
    }
    const down = this.down;
    const out: OutgoingHttpHeaders = { ':status': status };
    for (const name in h) {
      if (name.charCodeAt(0) === 58 /* : */ || isHopByHop(name)) continue;
      out[name] = h[name];
    }
    // gRPC: a backend naming itself (x-served-by) is kept, so a client sees which instance answered.
    if (!this.grpc || out['x-served-by'] === undefined)
      out['x-served-by'] = (ex.backend as Backend).id;
    out['x-request-id'] = ex.requestId;
    if (ex.setCookie !== undefined) out['set-cookie'] = ex.setCookie;
    const extra = ex.extraHeaders;
    if (extra !== undefined)
      for (let i = 0; i < extra.length; i += 2) out[extra[i] as string] = extra[i + 1];
    if (down.destroyed || down.closed) return;
    if (up.endAfterHeaders) {
      // Trailers-only (a gRPC error, or a response with no body).
      if (out['grpc-status'] !== undefined) this.#grpcCode = Number(out['grpc-status']);
      this.#complete = true;
      down.respond(out, { endStream: true });
      ex.upstreamComplete();
      return;
    }
    down.respond(out, { waitForTrailers: true });
    up.on('data', (c: Buffer) => (ex.bytes += c.length));
    up.pipe(down);
  }

  #sendTrailers(): void {
    let t = this.#trailers ?? {};
    // A gRPC response always ends with its status. Without one the upstream broke
    // off (its connection dropped as its process died): the client is told
    // UNAVAILABLE, on which it retries or re-watches, not a bare end or reset.
    if (this.grpc && t['grpc-status'] === undefined)
      t = grpcTrailers(proxyError('SB_ERR_BAD_GATEWAY', 'The upstream stream broke off.'));
    if (t['grpc-status'] !== undefined) this.#grpcCode = Number(t['grpc-status']);
    this.#complete = true;
    try {
      this.down.sendTrailers(t);
    } catch {
      this.down.close(NGHTTP2_INTERNAL_ERROR);
    }
    const ex = this.ex as Exchange;
    if (!ex.finished) ex.upstreamComplete();
  }

  /** The upstream stream closed before its end: reset, refused, or its connection gone. */
  #upFailed(up: ClientHttp2Stream, code: string | undefined): void {
    const ex = this.ex as Exchange;
    const rst = up.rstCode;
    let reason: string;
    if (rst === NGHTTP2_REFUSED_STREAM) reason = NOT_PROCESSED;
    // A socket-level failure keeps its own code (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, …).
    else if (code !== undefined && !code.startsWith('ERR_HTTP2')) reason = code;
    else if (rst !== undefined && rst !== NGHTTP2_NO_ERROR && code === 'ERR_HTTP2_STREAM_ERROR')
      reason = `H2_RST_${rst}`;
    // The connection went away under the stream (GOAWAY with an error, reset, session destroyed).
    else reason = 'ECONNRESET';
    this.#upRst = rst;
    ex.upstreamFailed(reason, ex.hasBody && !this.down.readableEnded);
  }

  #upRst: number | undefined = undefined;

  #deadlineHit(ms: number): void {
    const ex = this.ex as Exchange;
    if (ex.finished) return;
    const err = proxyError('SB_ERR_DEADLINE_EXCEEDED', undefined, { timeout_ms: ms });
    const started = ex.responseStarted;
    ex.requestBroken(err);
    if (started) this.#endWith(err);
    else this.sendError(err, ['x-request-id', ex.requestId], []);
  }

  /**
   * A response under way cannot be completed: a gRPC client gets the failure
   * as trailers (its status), others a reset — the upstream's own reset code
   * when it sent one.
   */
  #endWith(err: CodedError): void {
    const down = this.down;
    if (down.closed || down.destroyed) return;
    this.#up?.unpipe(down);
    if (this.grpc && down.headersSent) {
      this.#trailers = grpcTrailers(err);
      down.end();
      return;
    }
    const rst = this.#upRst;
    down.close(rst !== undefined && rst !== NGHTTP2_NO_ERROR ? rst : NGHTTP2_INTERNAL_ERROR);
  }

  #downClosed(): void {
    clearTimeout(this.#deadline);
    const ex = this.ex;
    if (ex !== undefined && !ex.finished) {
      if (this.#complete) ex.upstreamComplete();
      else ex.clientClosed();
    }
    if (this.grpc && ex !== undefined) {
      const pool = ex.route.pool?.name ?? ex.route.name;
      this.#env.grpcCall(pool, this.#grpcCode === -1 ? GrpcStatus.CANCELLED : this.#grpcCode);
    }
  }

  // ---- ClientResponder ------------------------------------------------------

  header(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  sendError(err: CodedError, preset: readonly string[], extra: readonly string[]): void {
    const down = this.down;
    if (down.closed || down.destroyed) return;
    if (down.headersSent) {
      this.#endWith(err);
      return;
    }
    const h: OutgoingHttpHeaders = {};
    for (let i = 0; i < preset.length; i += 2) h[preset[i] as string] = preset[i + 1];
    for (let i = 0; i < extra.length; i += 2) h[extra[i] as string] = extra[i + 1];
    if (this.grpc) {
      const code = grpcStatusOf(err);
      this.#grpcCode = code;
      this.#complete = true;
      down.respond(
        {
          ...h,
          ':status': 200,
          'content-type': 'application/grpc',
          'x-sb-error': err.code,
          'grpc-status': String(code),
          'grpc-message': grpcMessage(`${err.code}: ${err.message}`),
        },
        { endStream: true },
      );
      return;
    }
    const body = errorBodyJson(err);
    this.#complete = true;
    down.respond({
      ...h,
      ':status': err.status,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    down.end(this.headers[':method'] === 'HEAD' ? undefined : body);
  }

  cut(): void {
    this.#endWith(proxyError('SB_ERR_BAD_GATEWAY', 'The upstream stream broke off.'));
  }

  refuseBody(err: CodedError, preset: readonly string[]): void {
    this.sendError(err, preset, []);
    // HTTP/2 needs no lingering: the rest of the body is refused with the stream.
    if (!this.down.closed) this.down.close(NGHTTP2_NO_ERROR);
  }
}

function grpcTrailers(err: CodedError): OutgoingHttpHeaders {
  return {
    'grpc-status': String(grpcStatusOf(err)),
    'grpc-message': grpcMessage(`${err.code}: ${err.message}`),
    'x-sb-error': err.code,
  };
}

function cleanTrailers(t: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in t) if (name.charCodeAt(0) !== 58) out[name] = t[name];
  return out;
}

import type { Backend } from '../backend.js';
import { proxyError, type CodedError } from '../errors.js';
import { parseCookie } from '../http/cookies.js';
import type { ForwardEnv } from '../http/exchange-types.js';
import { retryElsewhere, upstreamFailure } from '../http/retry-rules.js';
import { upstreamPath, type RouteRuntime } from '../http/router.js';
import type { TrustedProxies } from '../http/client-ip.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import type { ClientConnection, RequestSink } from './client-connection.js';
import type { ConnectionPool, Upstream, UpstreamUser } from './connection-pool.js';
import { expectsPayload, forwardHead, type ForwardView } from './forward-head.js';
import { proxiedHead } from './proxied-head.js';
import {
  MAX_RESPONSE_HEAD,
  bareLf,
  parseResponseHead,
  type ResponseHead,
} from './response-head.js';
import { codedErrorResponse } from './response-writer.js';
import type { RequestHead } from './request-head.js';

export interface RawEnv extends ForwardEnv {
  readonly trusted: TrustedProxies;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/** Request body bytes held while no upstream connection is ready. */
const QUEUE_LIMIT = 64 * 1024;
/** Below this, pieces are copied into one buffer rather than written with writev. */
const COALESCE = 16 * 1024;

// Response body framing.
const NONE = 0;
const LENGTH = 1;
const CHUNKED = 2;
const CLOSE = 3;

/**
 * One proxied request on the raw engine — the counterpart of `Exchange`, with
 * the same retry, timeout, accounting and error rules, but over raw sockets:
 * the upstream head is built once from the received bytes, the request body is
 * streamed (chunked bodies re-framed), the response head is rewritten once on
 * its bytes, and response bodies are relayed as bytes (re-chunked to the client
 * when the upstream length is not known, as node:http would).
 */
export class RawExchange implements PickContext, UpstreamUser, RequestSink, ChunkSink {
  readonly conn: ClientConnection;
  readonly head: RequestHead;
  readonly route: RouteRuntime;
  readonly pool: UpstreamPool;
  readonly env: RawEnv;
  readonly started: number;
  setCookie: string | undefined;
  /** Extra response headers (RateLimit-*), name/value pairs. */
  extraHeaders: string[] | undefined;
  backend: Backend | undefined;
  tried: Backend[] | undefined;
  status = 0;
  bytes = 0;
  #view: ForwardView | undefined;
  #cookies: Record<string, string> | undefined;
  #retries = 0;
  #error: string | undefined;
  #finished = false;
  #clientGone = false;
  #dispatchedAt = 0;
  #waitingOn: ConnectionPool | undefined;
  #up: Upstream | undefined;
  /** A request was written to a socket: undici's onConnect. */
  #connected = false;
  // Request body.
  #queue: Buffer[] | undefined;
  #queued = 0;
  #bodyEnded: boolean;
  #bodySent: boolean;
  #headWritten = false;
  // Response.
  #respBuf: Buffer | undefined;
  #gotHead = false;
  headersSent = false;
  #mode = NONE;
  #left = 0;
  #decoder: ChunkedDecoder | undefined;
  #chunkedOut = false;
  #reusable = false;
  #hint = -1;
  #keepAlive = true;
  #out: Buffer[] = [];
  #outLen = 0;
  #headersDeadline = 0;
  #bodyDeadline = 0;
  readonly #headersTimeout: number;
  readonly #bodyTimeout: number;

  constructor(
    conn: ClientConnection,
    head: RequestHead,
    route: RouteRuntime,
    pool: UpstreamPool,
    env: RawEnv,
    started: number,
  ) {
    this.conn = conn;
    this.head = head;
    this.route = route;
    this.pool = pool;
    this.env = env;
    this.started = started;
    this.#bodyEnded = this.#bodySent = !head.hasBody;
    this.#headersTimeout = route.headersTimeout ?? pool.config.timeouts.headers;
    this.#bodyTimeout = route.bodyTimeout ?? pool.config.timeouts.body;
    conn.attach(this);
  }

  // PickContext
  get clientIp(): string {
    return this.#view?.clientIp ?? this.conn.peerIp;
  }

  header(name: string): string | undefined {
    return this.head.headerValue(name);
  }

  cookie(name: string): string | undefined {
    this.#cookies ??= parseCookie(this.head.headerValue('cookie'));
    return this.#cookies[name];
  }

  get requestId(): string {
    return (this.#view as ForwardView).requestId;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Refused before dispatch (rate limit): the front answered and counted it. */
  refused(): void {
    this.#finished = true;
  }

  start(): void {
    if (this.#finished) return;
    this.#view = forwardHead(
      this.head,
      upstreamPath(this.route, this.head.url),
      this.conn.peerIp,
      this.env.trusted,
      this.env.tls,
    );
    this.pool.retryBudget.deposit();
    const backend = this.pool.pick(this);
    if (backend === undefined) {
      this.#fail(proxyError('SB_ERR_NO_BACKEND', undefined, { pool: this.pool.name }));
      return;
    }
    this.#dispatch(backend);
  }

  #dispatch(backend: Backend): void {
    this.backend = backend;
    this.#connected = false;
    this.#gotHead = false;
    this.#respBuf = undefined;
    this.#headWritten = false;
    backend.activeRequests++;
    backend.totalRequests++;
    this.#dispatchedAt = performance.now();
    this.#waitingOn = backend.raw;
    backend.raw.acquire(this);
  }

  // ---- upstream connection ---------------------------------------------

  upstreamReady(up: Upstream): void {
    this.#waitingOn = undefined;
    if (this.#finished) {
      up.pool.release(up, true, -1);
      return;
    }
    this.#up = up;
    this.#connected = true;
    this.#headersDeadline = Date.now() + this.#headersTimeout;
    // Like undici, a chunked body's head goes out with its first chunk (or as
    // `content-length: 0` when the body turns out empty).
    if (this.head.chunked && !this.#bodyEnded && this.#queued === 0) return;
    this.#writeHead();
  }

  upstreamFailed(code: string): void {
    this.#waitingOn = undefined;
    if (this.#finished) return;
    this.#onError(code);
  }

  #writeHead(): void {
    const up = this.#up as Upstream;
    const h = this.head;
    const view = this.#view as ForwardView;
    this.#headWritten = true;
    let framing: string;
    if (h.chunked) {
      framing =
        this.#queued > 0
          ? 'transfer-encoding: chunked\r\n\r\n'
          : expectsPayload(h.method)
            ? 'content-length: 0\r\n\r\n'
            : '\r\n';
    } else if (h.contentLength > 0) framing = `content-length: ${h.contentLength}\r\n\r\n`;
    else framing = expectsPayload(h.method) ? 'content-length: 0\r\n\r\n' : '\r\n';
    const queue = this.#queue;
    this.#queue = undefined;
    const queued = this.#queued;
    this.#queued = 0;
    const b = view.builder;
    let ok: boolean;
    if (!h.chunked && queued > 0 && queued <= COALESCE) {
      // Head and the body received so far in one write.
      const out = b.build(framing.length + queued);
      let at = b.length + out.write(framing, b.length, 'latin1');
      for (const q of queue as Buffer[]) at += q.copy(out, at);
      ok = up.socket.write(out);
    } else {
      const out = b.build(framing.length);
      out.write(framing, b.length, 'latin1');
      if (queue === undefined) ok = up.socket.write(out);
      else {
        up.socket.cork();
        up.socket.write(out);
        for (const q of queue) this.#writeBody(up, q);
        up.socket.uncork();
        ok = !up.socket.writableNeedDrain;
      }
    }
    if (h.chunked && this.#bodyEnded) {
      if (queued > 0) ok = up.socket.write(LAST_CHUNK);
      this.#bodySent = true;
    } else if (this.#bodyEnded) this.#bodySent = true;
    if (!ok) this.conn.pauseBody();
    else if (queued > 0) this.conn.resumeBody();
  }

  #writeBody(up: Upstream, chunk: Buffer): boolean {
    if (!this.head.chunked) return up.socket.write(chunk);
    up.socket.cork();
    up.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    up.socket.write(chunk);
    const ok = up.socket.write(CRLF);
    up.socket.uncork();
    return ok;
  }

  // ---- request body (from the client connection) -------------------------

  bodyData(chunk: Buffer): boolean {
    if (this.#finished) return true;
    const up = this.#up;
    if (up === undefined || !this.#headWritten) {
      (this.#queue ??= []).push(chunk);
      this.#queued += chunk.length;
      if (up !== undefined) {
        this.#writeHead();
        return !up.socket.writableNeedDrain;
      }
      return this.#queued < QUEUE_LIMIT;
    }
    return this.#writeBody(up, chunk);
  }

  bodyEnd(): void {
    this.#bodyEnded = true;
    if (this.#finished) return;
    const up = this.#up;
    if (up === undefined) return;
    if (!this.#headWritten) {
      this.#writeHead();
      return;
    }
    if (this.head.chunked) up.socket.write(LAST_CHUNK);
    this.#bodySent = true;
  }

  upstreamDrain(): void {
    this.conn.resumeBody();
  }

  // ---- response -------------------------------------------------------

  upstreamData(chunk: Buffer): void {
    if (this.#finished) return;
    if (!this.#gotHead) this.#onHeadBytes(chunk);
    else this.#onBody(chunk, 0);
    this.#flush();
  }

  #onHeadBytes(chunk: Buffer): void {
    const buf = this.#respBuf === undefined ? chunk : Buffer.concat([this.#respBuf, chunk]);
    let start = 0;
    for (;;) {
      const idx = buf.indexOf(CRLFCRLF, start);
      if (idx === -1) {
        const err =
          buf.length - start > MAX_RESPONSE_HEAD ? 'UND_ERR_HEADERS_OVERFLOW' : bareLf(buf, start);
        if (err !== undefined) this.#protocolError(err);
        else this.#respBuf = start === 0 ? buf : buf.subarray(start);
        return;
      }
      const end = idx + 4;
      if (end - start > MAX_RESPONSE_HEAD) return this.#protocolError('UND_ERR_HEADERS_OVERFLOW');
      const r = (this.#up as Upstream).response;
      const err = parseResponseHead(r, buf, start, end);
      if (err !== undefined) return this.#protocolError(err);
      if (r.status >= 200) {
        this.#respBuf = undefined;
        this.#onResponseHead(r, buf, end);
        return;
      }
      // 1xx: interim answers are not passed on (as with undici); 101 was never asked for.
      if (r.status === 101) return this.#protocolError('UND_ERR_INVALID_101');
      start = end;
    }
  }

  #onResponseHead(r: ResponseHead, buf: Buffer, bodyStart: number): void {
    const backend = this.backend as Backend;
    const status = r.status;
    this.#gotHead = true;
    this.#headersDeadline = 0;
    this.status = status;
    backend.observeLatency(performance.now() - this.#dispatchedAt);
    backend.recordResult(status < 500);
    const h = this.head;
    const method = h.method;
    const noBody = method === 'HEAD' || status === 204 || status === 304;
    this.#mode = noBody ? NONE : r.chunked ? CHUNKED : r.contentLength !== -1 ? LENGTH : CLOSE;
    this.#left = r.contentLength;
    this.#hint = r.keepAliveHint;
    this.#reusable =
      !r.close &&
      !r.http10 &&
      this.#mode !== CLOSE &&
      method !== 'HEAD' &&
      !(h.hasBody && !expectsPayload(method));
    // Re-chunked to the client unless the length is known (and not dropped by a Connection name).
    this.#chunkedOut =
      !noBody && (this.#mode !== LENGTH || r.listed?.has('content-length') === true);
    this.#keepAlive = this.conn.keepAlive;
    let tail = `x-served-by: ${backend.id}\r\nx-request-id: ${this.requestId}\r\n`;
    if (this.setCookie !== undefined) tail += `set-cookie: ${this.setCookie}\r\n`;
    const extra = this.extraHeaders;
    if (extra !== undefined)
      for (let i = 0; i < extra.length; i += 2) tail += `${extra[i]}: ${extra[i + 1]}\r\n`;
    const out = proxiedHead(r, tail, this.#chunkedOut, this.#keepAlive, this.conn.keepAliveTimeout);
    this.headersSent = true;
    this.#push(out);
    if (this.#mode === CHUNKED) (this.#decoder ??= new ChunkedDecoder()).reset();
    if (this.#mode === NONE) {
      if (bodyStart < buf.length) this.#reusable = false;
      this.#complete();
      return;
    }
    if (this.#mode === LENGTH && this.#left === 0) {
      if (bodyStart < buf.length) this.#reusable = false;
      this.#complete();
      return;
    }
    if (bodyStart < buf.length) this.#onBody(buf, bodyStart);
    else this.#bodyDeadline = Date.now() + this.#bodyTimeout;
  }

  #onBody(buf: Buffer, start: number): void {
    const len = buf.length;
    switch (this.#mode) {
      case LENGTH: {
        const n = Math.min(this.#left, len - start);
        this.#toClient(buf, start, start + n);
        this.#left -= n;
        if (this.#left === 0) {
          // Bytes past the announced length: the connection is out of step, never reuse it.
          if (start + n < len) this.#reusable = false;
          this.#complete();
          return;
        }
        break;
      }
      case CHUNKED: {
        const r = (this.#decoder as ChunkedDecoder).feed(buf, start, len, this);
        if (r === -2) {
          this.#midBodyFailure((this.#decoder as ChunkedDecoder).error);
          return;
        }
        if (r >= 0) {
          if (r < len) this.#reusable = false;
          this.#complete();
          return;
        }
        break;
      }
      case CLOSE:
        this.#toClient(buf, start, len);
        break;
      default:
        if (start < len) this.#reusable = false;
        return;
    }
    this.#bodyDeadline = Date.now() + this.#bodyTimeout;
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    this.#toClient(buf, start, end);
  }

  #toClient(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    this.bytes += n;
    const data = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    if (this.#chunkedOut) {
      this.#push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'));
      this.#push(data);
      this.#push(CRLF);
    } else this.#push(data);
  }

  #push(b: Buffer): void {
    this.#out.push(b);
    this.#outLen += b.length;
  }

  /** Writes what this turn produced for the client: one buffer when small, else writev. */
  #flush(): void {
    const out = this.#out;
    if (out.length === 0) return;
    const socket = this.conn.socket;
    let ok: boolean;
    if (out.length === 1) ok = socket.write(out[0] as Buffer);
    else if (this.#outLen <= COALESCE) ok = socket.write(Buffer.concat(out, this.#outLen));
    else {
      socket.cork();
      for (const b of out) socket.write(b);
      socket.uncork();
      ok = !socket.writableNeedDrain;
    }
    this.#out = [];
    this.#outLen = 0;
    // The client is not keeping up: stop reading the upstream until it drains.
    if (!ok && !this.#finished) this.#up?.socket.pause();
  }

  clientDrain(): void {
    this.#up?.socket.resume();
  }

  upstreamEnd(): void {
    if (this.#finished) return;
    if (this.#gotHead && this.#mode === CLOSE) {
      this.#reusable = false;
      this.#complete();
      return;
    }
    this.#upstreamBroke('UND_ERR_SOCKET');
  }

  upstreamClosed(code: string | undefined): void {
    this.#up = undefined;
    if (this.#finished) return;
    if (this.#gotHead && this.#mode === CLOSE && code === undefined) {
      this.#complete();
      return;
    }
    this.#upstreamBroke(code ?? 'UND_ERR_SOCKET');
  }

  /** The response is complete: hand the connection back and tell the client side. */
  #complete(): void {
    if (this.#chunkedOut) this.#push(LAST_CHUNK);
    this.#flush();
    this.#bodyDeadline = 0;
    const up = this.#up;
    this.#up = undefined;
    if (up !== undefined) {
      up.socket.resume();
      up.pool.release(up, this.#reusable && this.#bodySent, this.#hint);
    }
    this.#finish();
    this.conn.responseDone(!this.#keepAlive);
  }

  // ---- failures ---------------------------------------------------------

  /** An answer the proxy cannot parse: the connection is dropped, never reused. */
  #protocolError(code: string): void {
    this.#detachUpstream();
    this.#onError(code);
  }

  #upstreamBroke(code: string): void {
    this.#detachUpstream();
    if (this.headersSent) this.#midBodyFailure(code);
    else this.#onError(code);
  }

  #detachUpstream(): void {
    const up = this.#up;
    this.#up = undefined;
    if (up !== undefined) {
      up.user = undefined;
      up.socket.destroy();
    }
  }

  /** After the response head went out, the only honest signal left is to cut the connection. */
  #midBodyFailure(code: string): void {
    this.#detachUpstream();
    this.#error = code;
    this.#out = [];
    this.#outLen = 0;
    this.conn.destroy();
    this.#finish();
  }

  #onError(code: string): void {
    const backend = this.backend as Backend;
    if (this.headersSent) {
      this.#midBodyFailure(code);
      return;
    }
    backend.recordResult(false);
    const next = retryElsewhere(this, backend, code, {
      sent: this.#connected,
      hasBody: this.head.hasBody,
      method: this.head.method,
    });
    if (next !== undefined) {
      this.#retries++;
      this.#dispatch(next);
      return;
    }
    this.#error = code;
    this.#fail(upstreamFailure(code, backend.id));
  }

  /** The proxy's own answer (no backend response was relayed). */
  #fail(err: CodedError): void {
    this.status = err.status;
    const preset: string[] = [];
    if (this.backend !== undefined) preset.push('x-served-by', this.backend.id);
    preset.push('x-request-id', this.requestId);
    if (this.extraHeaders !== undefined) preset.push(...this.extraHeaders);
    this.#finish();
    this.conn.respondError(err, preset);
  }

  /** The client's request cannot be read to its end (bad chunking, request timeout). */
  bodyError(err: CodedError): void {
    if (this.#finished) return;
    this.#cancelUpstream();
    if (this.headersSent) {
      this.conn.destroy();
    } else {
      const w = codedErrorResponse(
        err,
        [],
        ['connection', 'close'],
        this.head.method === 'HEAD',
        false,
        0,
      );
      this.conn.socket.write(w.bytes);
    }
    this.status = err.status;
    this.#error = (err.details as { reason?: string } | undefined)?.reason ?? err.code;
    this.#finish();
  }

  /** The client went away: abort the upstream request so its connection is freed. */
  clientClosed(): void {
    if (this.#finished) return;
    this.#clientGone = true;
    if (this.backend === undefined) {
      // Still waiting for the rate limiter: nothing was dispatched, nothing is counted.
      this.#finished = true;
      return;
    }
    this.#cancelUpstream();
    this.#error = 'client-abort';
    this.#finish();
  }

  #cancelUpstream(): void {
    if (this.#waitingOn !== undefined) {
      this.#waitingOn.cancel(this);
      this.#waitingOn = undefined;
    }
    this.#detachUpstream();
  }

  sweep(now: number): void {
    if (this.#finished) return;
    if (this.#headersDeadline !== 0 && now >= this.#headersDeadline) {
      this.#headersDeadline = 0;
      this.#detachUpstream();
      this.#onError('UND_ERR_HEADERS_TIMEOUT');
    } else if (this.#bodyDeadline !== 0 && now >= this.#bodyDeadline) {
      this.#bodyDeadline = 0;
      this.#midBodyFailure('UND_ERR_BODY_TIMEOUT');
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#headersDeadline = this.#bodyDeadline = 0;
    const backend = this.backend;
    if (backend !== undefined) backend.activeRequests--;
    this.env.requestDone({
      route: this.route.name,
      backend: backend?.id,
      method: this.head.method,
      path: this.head.url,
      status: this.#clientGone && !this.headersSent ? 499 : this.status,
      durationMs: performance.now() - this.started,
      bytes: this.bytes,
      requestId: this.#view?.requestId ?? '',
      clientIp: this.clientIp,
      retries: this.#retries,
      error: this.#error,
    });
  }
}

import type { Backend } from '../../backend.js';
import type { Exchange } from '../../request/exchange.js';
import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import type { Upstream } from './connection-pool.js';
import { expectsPayload } from './forward-head.js';
import { proxiedHead } from './proxied-head.js';
import type { RawClient } from './raw-client.js';
import {
  MAX_RESPONSE_HEAD,
  bareLf,
  parseResponseHead,
  type ResponseHead,
} from './response-head.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/** Below this, a turn's output is copied into one buffer rather than written with writev. */
const COALESCE = 16 * 1024;

// Response body framing.
const NONE = 0;
const LENGTH = 1;
const CHUNKED = 2;
const CLOSE = 3;

/** What `feed` made of the bytes. */
export const RELAY_MORE = 0;
export const RELAY_DONE = 1;
/** The answer is broken (`error` says how): before the head went out it may be retried. */
export const RELAY_BROKEN = 2;

/**
 * Relays an upstream response to the client on the raw engine: parses the
 * head (interim 1xx answers skipped), rewrites it once on its bytes for the
 * client, then passes the body on as bytes — re-chunked when its length is not
 * known, as node:http would. Output of one turn goes out in one write. One
 * relay per client connection, reset for each attempt.
 */
export class ResponseRelay implements ChunkSink {
  readonly #client: RawClient;
  /** Head bytes received so far, when a head spans reads. */
  #buf: Buffer | undefined = undefined;
  #gotHead = false;
  #mode = NONE;
  #left = 0;
  #decoder: ChunkedDecoder | undefined = undefined;
  #chunkedOut = false;
  #reusable = false;
  #hint = -1;
  #keepAlive = true;
  #out: Buffer[] = [];
  #outLen = 0;
  #bodyTimeout = 0;
  #ex: Exchange | undefined = undefined;
  /** When the upstream must have sent more body (0: not waiting), ms. */
  bodyDeadline = 0;
  /** Why the answer is broken, after RELAY_BROKEN. */
  error = '';

  constructor(client: RawClient) {
    this.#client = client;
  }

  /** A new attempt of `ex`. */
  reset(ex: Exchange, bodyTimeout: number): void {
    this.#ex = ex;
    this.#buf = undefined;
    this.#gotHead = false;
    this.#out.length = 0;
    this.#outLen = 0;
    this.#bodyTimeout = bodyTimeout;
    this.bodyDeadline = 0;
  }

  /** The response head went to the client. */
  get headSent(): boolean {
    return this.#gotHead;
  }

  /** The body runs until the upstream closes (no length, not chunked). */
  get closeDelimited(): boolean {
    return this.#gotHead && this.#mode === CLOSE;
  }

  /** The upstream connection is in step and may serve another request. */
  get reusable(): boolean {
    return this.#reusable;
  }

  /** The upstream's Keep-Alive timeout hint, ms, or -1. */
  get keepAliveHint(): number {
    return this.#hint;
  }

  /** The client connection stays open after this response. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Upstream bytes of the current attempt, read on `up`. */
  feed(up: Upstream, chunk: Buffer): number {
    return this.#gotHead ? this.#onBody(chunk, 0) : this.#onHeadBytes(up, chunk);
  }

  #onHeadBytes(up: Upstream, chunk: Buffer): number {
    const buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
    let start = 0;
    for (;;) {
      const idx = buf.indexOf(CRLFCRLF, start);
      if (idx === -1) {
        const err =
          buf.length - start > MAX_RESPONSE_HEAD ? 'UND_ERR_HEADERS_OVERFLOW' : bareLf(buf, start);
        if (err !== undefined) return this.#broken(err);
        this.#buf = start === 0 ? buf : buf.subarray(start);
        return RELAY_MORE;
      }
      const end = idx + 4;
      if (end - start > MAX_RESPONSE_HEAD) return this.#broken('UND_ERR_HEADERS_OVERFLOW');
      const r = up.response;
      const err = parseResponseHead(r, buf, start, end);
      if (err !== undefined) return this.#broken(err);
      if (r.status >= 200) {
        this.#buf = undefined;
        return this.#onResponseHead(r, buf, end);
      }
      // 1xx: interim answers are not passed on (as with undici); 101 was never asked for.
      if (r.status === 101) return this.#broken('UND_ERR_INVALID_101');
      start = end;
    }
  }

  #onResponseHead(r: ResponseHead, buf: Buffer, bodyStart: number): number {
    const ex = this.#ex as Exchange;
    const status = r.status;
    this.#gotHead = true;
    ex.upstreamHead(status);
    const method = ex.method;
    const noBody = method === 'HEAD' || status === 204 || status === 304;
    this.#mode = noBody ? NONE : r.chunked ? CHUNKED : r.contentLength !== -1 ? LENGTH : CLOSE;
    this.#left = r.contentLength;
    this.#hint = r.keepAliveHint;
    this.#reusable =
      !r.close &&
      !r.http10 &&
      this.#mode !== CLOSE &&
      method !== 'HEAD' &&
      !(ex.hasBody && !expectsPayload(method));
    // Re-chunked to the client unless the length is known (and not dropped by a Connection name).
    this.#chunkedOut =
      !noBody && (this.#mode !== LENGTH || r.listed?.has('content-length') === true);
    const client = this.#client;
    this.#keepAlive = client.keepAlive;
    let tail = `x-served-by: ${(ex.backend as Backend).id}\r\nx-request-id: ${ex.requestId}\r\n`;
    if (ex.setCookie !== undefined) tail += `set-cookie: ${ex.setCookie}\r\n`;
    const extra = ex.extraHeaders;
    if (extra !== undefined)
      for (let i = 0; i < extra.length; i += 2) tail += `${extra[i]}: ${extra[i + 1]}\r\n`;
    this.#push(proxiedHead(r, tail, this.#chunkedOut, this.#keepAlive, client.keepAliveTimeout));
    if (this.#mode === CHUNKED) (this.#decoder ??= new ChunkedDecoder()).reset();
    if (this.#mode === NONE || (this.#mode === LENGTH && this.#left === 0)) {
      // Bytes past the end of the answer: the connection is out of step, never reuse it.
      if (bodyStart < buf.length) this.#reusable = false;
      return RELAY_DONE;
    }
    if (bodyStart < buf.length) return this.#onBody(buf, bodyStart);
    this.bodyDeadline = Date.now() + this.#bodyTimeout;
    return RELAY_MORE;
  }

  #onBody(buf: Buffer, start: number): number {
    const len = buf.length;
    switch (this.#mode) {
      case LENGTH: {
        const n = Math.min(this.#left, len - start);
        this.#toClient(buf, start, start + n);
        this.#left -= n;
        if (this.#left === 0) {
          if (start + n < len) this.#reusable = false;
          return RELAY_DONE;
        }
        break;
      }
      case CHUNKED: {
        const decoder = this.#decoder as ChunkedDecoder;
        const r = decoder.feed(buf, start, len, this);
        if (r === -2) return this.#broken(decoder.error);
        if (r >= 0) {
          if (r < len) this.#reusable = false;
          return RELAY_DONE;
        }
        break;
      }
      case CLOSE:
        this.#toClient(buf, start, len);
        break;
      default:
        if (start < len) this.#reusable = false;
        return RELAY_MORE;
    }
    this.bodyDeadline = Date.now() + this.#bodyTimeout;
    return RELAY_MORE;
  }

  #broken(code: string): number {
    this.error = code;
    return RELAY_BROKEN;
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    this.#toClient(buf, start, end);
  }

  #toClient(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    (this.#ex as Exchange).bytes += n;
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

  /** The response is complete: the last chunk when re-chunking, and everything out. */
  end(up: Upstream | undefined): void {
    if (this.#chunkedOut) this.#push(LAST_CHUNK);
    this.bodyDeadline = 0;
    this.flush(up);
  }

  /** Writes what this turn produced: one buffer when small, else writev. */
  flush(up: Upstream | undefined): void {
    const out = this.#out;
    if (out.length === 0) return;
    const socket = this.#client.socket;
    let ok: boolean;
    if (out.length === 1) ok = socket.write(out[0] as Buffer);
    else if (this.#outLen <= COALESCE) ok = socket.write(Buffer.concat(out, this.#outLen));
    else {
      socket.cork();
      for (const b of out) socket.write(b);
      socket.uncork();
      ok = !socket.writableNeedDrain;
    }
    out.length = 0;
    this.#outLen = 0;
    // The client is not keeping up: stop reading the upstream until it drains.
    if (!ok) up?.socket.pause();
  }

  /** A broken answer: nothing more of it goes to the client. */
  discard(): void {
    this.#out.length = 0;
    this.#outLen = 0;
    this.bodyDeadline = 0;
  }
}

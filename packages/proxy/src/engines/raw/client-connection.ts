import type { Socket } from 'node:net';
import { proxyError, type CodedError } from '../../errors.js';
import { normalizeIp } from '../../request/client-address.js';
import { endWithError, lingeringClose } from '../client-sockets.js';
import { ChunkedDecoder, type ChunkSink } from './chunked.js';
import type { RawClient, RequestSink } from './raw-client.js';
import { RawTransport } from './raw-transport.js';
import { DONE, FALLBACK, HeadParser, NEED_MORE, type RequestHead } from './request-head.js';
import { codedErrorResponse } from './response-writer.js';

/** What a connection needs from its listener. */
export interface ConnectionHost {
  /** A parsed head: answer it, forward it, or call `conn.handOver()`. */
  handle(conn: ClientConnection, head: RequestHead): void;
  /** node:http takes the socket from here on, starting with `bytes`. */
  handOver(socket: Socket, bytes: Buffer): void;
  forget(conn: ClientConnection): void;
  readonly settings: ConnectionSettings;
}

export interface ConnectionSettings {
  maxHeaderSize: number;
  /** 0: none. Like node:http, never longer than requestTimeout. */
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
}

const HEAD = 0;
const BODY = 1;
const WAIT = 2;
const CLOSED = 3;

const P_BODY = 1; // the request's upstream is not taking more
const P_PIPELINE = 2; // too many pipelined bytes while a response is pending
const P_DRAIN = 4; // the client is not reading our responses

/** Pipelined bytes buffered while a response is pending, before reading stops. */
const PIPELINE_LIMIT = 64 * 1024;
/** node:http adds this to keepAliveTimeout before it closes an idle connection. */
const KEEP_ALIVE_SLACK = 1000;

/**
 * One client connection on the raw engine: reads request heads with the strict
 * parser, streams bodies (Content-Length counted, chunked decoded) to the
 * request's sink, answers one request at a time in order (pipelined bytes wait),
 * keeps the connection alive or closes it as node:http would, applies the
 * header, request and keep-alive timeouts, and hands the socket to node:http at
 * a request boundary when a request is not one it handles.
 */
export class ClientConnection implements ChunkSink, RawClient {
  readonly socket: Socket;
  readonly peerIp: string;
  readonly #host: ConnectionHost;
  #transport: RawTransport | undefined = undefined;
  readonly #parser = new HeadParser();
  #phase = HEAD;
  /** Received bytes not consumed yet (the next request's, or pipelined ones). */
  #buf: Buffer | undefined;
  #head: RequestHead | undefined;
  #sink: RequestSink | undefined;
  #responded = true;
  #bodyLeft = 0;
  #decoder: ChunkedDecoder | undefined;
  /** When the current request began (0: none in progress), ms. */
  #msgStart: number;
  #idleSince = 0;
  #paused = 0;
  #driving = false;

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket;
    this.#host = host;
    this.peerIp = normalizeIp(socket.remoteAddress);
    this.#msgStart = Date.now();
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
    socket.on('error', noop);
  }

  /** True when nothing is in progress: safe to close during shutdown. */
  get idle(): boolean {
    return this.#phase === HEAD && this.#buf === undefined && this.#responded;
  }

  /** The client wants the connection kept after the current response. */
  get keepAlive(): boolean {
    return this.#head !== undefined && !this.#head.close;
  }

  get keepAliveTimeout(): number {
    return this.#host.settings.keepAliveTimeout;
  }

  /** The upstream side of the connection's forwarded requests (made on the first). */
  get transport(): RawTransport {
    return (this.#transport ??= new RawTransport(this));
  }

  /** The handler of the current request (its body and client events go there). */
  attach(sink: RequestSink): void {
    this.#sink = sink;
  }

  /** A header of the current request. */
  header(lowerName: string): string | undefined {
    return this.#head?.headerValue(lowerName);
  }

  readonly #onData = (chunk: Buffer): void => {
    switch (this.#phase) {
      case HEAD:
        if (this.#buf === undefined) {
          this.#buf = chunk;
          if (this.#msgStart === 0) this.#msgStart = Date.now();
        } else this.#buf = Buffer.concat([this.#buf, chunk]);
        this.#drive();
        break;
      case BODY:
        this.#feedBody(chunk, 0);
        break;
      case WAIT:
        this.#buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
        if (this.#buf.length > PIPELINE_LIMIT) this.#pause(P_PIPELINE);
        break;
    }
  };

  /** Parses and starts requests while there are complete heads and nothing else is pending. */
  #drive(): void {
    if (this.#driving) return;
    this.#driving = true;
    try {
      while (this.#phase === HEAD && this.#buf !== undefined && this.#paused === 0) {
        if (this.socket.writableNeedDrain) {
          // Like node:http: no new request while the client is not reading our answers.
          this.#pause(P_DRAIN);
          break;
        }
        const buf = this.#buf;
        const r = this.#parser.feed(buf, this.#host.settings.maxHeaderSize);
        if (r === NEED_MORE) break;
        if (r === FALLBACK) {
          this.#handOver(buf);
          break;
        }
        if (r === DONE) this.#start(this.#parser.take());
      }
    } finally {
      this.#driving = false;
    }
  }

  #start(head: RequestHead): void {
    const buf = head.buf;
    const rest = head.end < buf.length ? buf.subarray(head.end) : undefined;
    this.#head = head;
    this.#buf = undefined;
    this.#responded = false;
    this.#sink = undefined;
    if (head.chunked) {
      (this.#decoder ??= new ChunkedDecoder()).reset();
      this.#phase = BODY;
    } else if (head.contentLength > 0) {
      this.#decoder = undefined;
      this.#bodyLeft = head.contentLength;
      this.#phase = BODY;
    } else {
      this.#phase = WAIT;
      this.#msgStart = 0; // the request is complete: no request timeout any more
    }
    this.#host.handle(this, head);
    if (this.#phase === CLOSED || rest === undefined) return;
    if (this.#phase === BODY) this.#feedBody(rest, 0);
    else this.#append(rest);
  }

  /** Hands the current request (not yet answered or read) and the socket to node:http. */
  handOver(): void {
    const head = this.#head as RequestHead;
    this.#handOver(head.buf);
  }

  #handOver(bytes: Buffer): void {
    this.#phase = CLOSED;
    const s = this.socket;
    s.removeListener('data', this.#onData);
    s.removeListener('end', this.#onEnd);
    s.removeListener('close', this.#onClose);
    s.removeListener('drain', this.#onDrain);
    s.removeListener('error', noop);
    this.#host.forget(this);
    const paused = this.#paused !== 0;
    this.#paused = 0;
    this.#host.handOver(s, bytes);
    if (paused) s.resume();
  }

  #append(bytes: Buffer): void {
    this.#buf = this.#buf === undefined ? bytes : Buffer.concat([this.#buf, bytes]);
  }

  #feedBody(buf: Buffer, start: number): void {
    let rest: number;
    const decoder = this.#decoder;
    if (decoder !== undefined) {
      const r = decoder.feed(buf, start, buf.length, this);
      if (r === -1) return;
      if (r === -2) {
        this.#bodyError(proxyError('SB_ERR_BAD_REQUEST', undefined, { reason: decoder.error }));
        return;
      }
      rest = r;
    } else {
      const n = Math.min(this.#bodyLeft, buf.length - start);
      if (n > 0)
        this.#toSink(start === 0 && n === buf.length ? buf : buf.subarray(start, start + n));
      this.#bodyLeft -= n;
      if (this.#bodyLeft > 0) return;
      rest = start + n;
    }
    // What follows the body is the next request: keep it before moving on.
    if (rest < buf.length) this.#append(buf.subarray(rest));
    this.#bodyDone();
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    if (end > start) this.#toSink(buf.subarray(start, end));
  }

  #toSink(chunk: Buffer): void {
    const sink = this.#sink;
    if (sink !== undefined && !this.#responded && !sink.bodyData(chunk)) this.#pause(P_BODY);
  }

  #bodyDone(): void {
    this.#msgStart = 0;
    if (!this.#responded) {
      this.#phase = WAIT;
      this.#sink?.bodyEnd();
    } else this.#next();
  }

  /** The current request's response is complete; `close`: the connection ends with it. */
  responseDone(close: boolean): void {
    if (this.#phase === CLOSED) return;
    this.#responded = true;
    this.#sink = undefined;
    if (close || !this.keepAlive) {
      this.#close();
      return;
    }
    // A body still arriving is read and dropped (as node:http does), then the next request.
    if (this.#phase === WAIT) this.#next();
    else if (this.#phase === BODY) this.#resume(P_BODY);
  }

  #next(): void {
    this.#phase = HEAD;
    this.#head = undefined;
    this.#idleSince = Date.now();
    this.#msgStart = this.#buf === undefined ? 0 : this.#idleSince;
    this.#resume(P_PIPELINE | P_BODY);
    this.#drive();
  }

  #close(): void {
    // A body still arriving is not read on: linger, so the client reads our answer.
    const reading = this.#phase === BODY;
    this.#phase = CLOSED;
    this.#buf = undefined;
    if (reading) lingeringClose(this.socket);
    else this.socket.destroySoon();
  }

  /** Writes a complete response for the current request (the proxy's own answers). */
  respond(bytes: Buffer, close: boolean): void {
    this.socket.write(bytes);
    this.responseDone(close);
  }

  sendError(err: CodedError, preset: readonly string[], extra: readonly string[]): void {
    this.respondError(err, preset, extra);
  }

  cut(): void {
    this.socket.destroy();
  }

  refuseBody(err: CodedError, preset: readonly string[]): void {
    this.respondError(err, preset, ['connection', 'close']);
  }

  /**
   * The proxy's own coded error for the current request, as `sendError` writes
   * it after `preset` headers were set (they come first), `extra` after.
   */
  respondError(
    err: CodedError,
    preset: readonly string[] = [],
    extra: readonly string[] = [],
  ): void {
    const w = codedErrorResponse(
      err,
      preset,
      extra,
      this.#head?.method === 'HEAD',
      this.keepAlive,
      this.keepAliveTimeout,
    );
    this.respond(w.bytes, w.close);
  }

  pauseBody(): void {
    this.#pause(P_BODY);
  }

  resumeBody(): void {
    this.#resume(P_BODY);
  }

  #pause(reason: number): void {
    if (this.#paused === 0) this.socket.pause();
    this.#paused |= reason;
  }

  #resume(reasons: number): void {
    if ((this.#paused & reasons) === 0) return;
    this.#paused &= ~reasons;
    if (this.#paused === 0 && this.#phase !== CLOSED) {
      this.socket.resume();
      if (this.#phase === HEAD) this.#drive();
    }
  }

  /**
   * The request body cannot be read to its end. Like node:http's clientError
   * path: answered through the pending request if nothing was sent yet, else
   * the connection is cut; either way it closes.
   */
  #bodyError(err: CodedError): void {
    const sink = this.#sink;
    const responded = this.#responded;
    this.#phase = CLOSED;
    this.#buf = undefined;
    if (sink !== undefined && !responded) {
      this.#sink = undefined;
      sink.bodyError(err); // writes the answer (or destroys) and accounts for the request
      this.socket.destroySoon();
      return;
    }
    endWithError(this.socket, err);
  }

  readonly #onEnd = (): void => {
    // node:http (httpAllowHalfOpen off) ends its side too; a half-read request is an error.
    const partial = this.#phase === HEAD && this.#buf !== undefined;
    if (this.#phase === BODY) {
      this.#bodyError(
        proxyError('SB_ERR_BAD_REQUEST', undefined, { reason: 'HPE_INVALID_EOF_STATE' }),
      );
      return;
    }
    this.#phase = CLOSED;
    if (partial) {
      endWithError(
        this.socket,
        proxyError('SB_ERR_BAD_REQUEST', undefined, { reason: 'HPE_INVALID_EOF_STATE' }),
      );
      return;
    }
    this.socket.end();
  };

  readonly #onClose = (): void => {
    this.#phase = CLOSED;
    this.#buf = undefined;
    this.#host.forget(this);
    const sink = this.#sink;
    this.#sink = undefined;
    if (sink !== undefined && !this.#responded) sink.clientClosed();
  };

  readonly #onDrain = (): void => {
    if (!this.#responded) this.#sink?.clientDrain();
    this.#resume(P_DRAIN);
  };

  /** Timeouts (the listener calls this every few hundred ms). */
  sweep(now: number): void {
    const s = this.#host.settings;
    const start = this.#msgStart;
    if (this.#phase === HEAD) {
      if (start > 0) {
        if (
          (s.headersTimeout > 0 && now - start > s.headersTimeout) ||
          (s.requestTimeout > 0 && now - start > s.requestTimeout)
        ) {
          this.#phase = CLOSED;
          endWithError(this.socket, proxyError('SB_ERR_REQUEST_TIMEOUT'));
        }
      } else if (
        s.keepAliveTimeout > 0 &&
        now - this.#idleSince > s.keepAliveTimeout + KEEP_ALIVE_SLACK
      ) {
        this.#phase = CLOSED;
        this.socket.destroy();
      }
    } else if (
      this.#phase === BODY &&
      start > 0 &&
      s.requestTimeout > 0 &&
      now - start > s.requestTimeout
    ) {
      this.#bodyError(proxyError('SB_ERR_REQUEST_TIMEOUT'));
    }
    if (!this.#responded) this.#sink?.sweep(now);
  }

  /** Shutdown and tests: cut the connection now. */
  destroy(): void {
    this.socket.destroy();
  }
}

function noop(): void {}

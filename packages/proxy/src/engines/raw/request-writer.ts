import type { Socket } from 'node:net';
import { expectsPayload } from './forward-head.js';
import type { HeadBuilder } from './head-builder.js';
import type { RawClient } from './raw-client.js';
import type { RequestHead } from './request-head.js';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/** Request body bytes held while no upstream connection is ready. */
const QUEUE_LIMIT = 64 * 1024;
/** Below this, the head and the body received so far go out in one buffer. */
const COALESCE = 16 * 1024;

/**
 * Writes a request upstream on the raw engine: the head built once from the
 * received bytes (`forwardHead`), then the body as it streams in from the
 * client — a Content-Length body as is, a chunked one re-framed chunk by
 * chunk. Body bytes that arrive before an upstream connection is ready are
 * held (up to QUEUE_LIMIT, then the client is paused). One writer per client
 * connection, reset for each request: a connection forwards one at a time.
 */
export class RequestWriter {
  readonly #client: RawClient;
  #head: RequestHead | undefined = undefined;
  #builder: HeadBuilder | undefined = undefined;
  #queue: Buffer[] | undefined = undefined;
  #queued = 0;
  #bodyEnded = true;
  #bodySent = true;
  #headWritten = false;

  constructor(client: RawClient) {
    this.#client = client;
  }

  /** A new request: `builder` holds its upstream head up to the framing lines. */
  begin(head: RequestHead, builder: HeadBuilder): void {
    this.#head = head;
    this.#builder = builder;
    this.#queue = undefined;
    this.#queued = 0;
    this.#bodyEnded = this.#bodySent = !head.hasBody;
    this.#headWritten = false;
  }

  /** A new attempt (the first, or a retry): nothing is written on its connection yet. */
  attempt(): void {
    this.#headWritten = false;
  }

  /** The whole request went out: the upstream connection may be reused after the response. */
  get sent(): boolean {
    return this.#bodySent;
  }

  /** The attempt's upstream connection is ready. */
  ready(socket: Socket): void {
    // Like undici, a chunked body's head goes out with its first chunk (or as
    // `content-length: 0` when the body turns out empty).
    if ((this.#head as RequestHead).chunked && !this.#bodyEnded && this.#queued === 0) return;
    this.#writeHead(socket);
  }

  /** Body bytes from the client; `socket` once the attempt's connection is ready. false: pause. */
  data(chunk: Buffer, socket: Socket | undefined): boolean {
    if (socket === undefined || !this.#headWritten) {
      (this.#queue ??= []).push(chunk);
      this.#queued += chunk.length;
      if (socket !== undefined) {
        this.#writeHead(socket);
        return !socket.writableNeedDrain;
      }
      return this.#queued < QUEUE_LIMIT;
    }
    return this.#writeBody(socket, chunk);
  }

  /** The client's body ended. */
  end(socket: Socket | undefined): void {
    this.#bodyEnded = true;
    if (socket === undefined) return;
    if (!this.#headWritten) {
      this.#writeHead(socket);
      return;
    }
    if ((this.#head as RequestHead).chunked) socket.write(LAST_CHUNK);
    this.#bodySent = true;
  }

  #writeHead(socket: Socket): void {
    const h = this.#head as RequestHead;
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
    const b = this.#builder as HeadBuilder;
    let ok: boolean;
    if (!h.chunked && queued > 0 && queued <= COALESCE) {
      // Head and the body received so far in one write.
      const out = b.build(framing.length + queued);
      let at = b.length + out.write(framing, b.length, 'latin1');
      for (const q of queue as Buffer[]) at += q.copy(out, at);
      ok = socket.write(out);
    } else {
      const out = b.build(framing.length);
      out.write(framing, b.length, 'latin1');
      if (queue === undefined) ok = socket.write(out);
      else {
        socket.cork();
        socket.write(out);
        for (const q of queue) this.#writeBody(socket, q);
        socket.uncork();
        ok = !socket.writableNeedDrain;
      }
    }
    if (h.chunked && this.#bodyEnded) {
      if (queued > 0) ok = socket.write(LAST_CHUNK);
      this.#bodySent = true;
    } else if (this.#bodyEnded) this.#bodySent = true;
    if (!ok) this.#client.pauseBody();
    else if (queued > 0) this.#client.resumeBody();
  }

  #writeBody(socket: Socket, chunk: Buffer): boolean {
    if (!(this.#head as RequestHead).chunked) return socket.write(chunk);
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const ok = socket.write(CRLF);
    socket.uncork();
    return ok;
  }
}

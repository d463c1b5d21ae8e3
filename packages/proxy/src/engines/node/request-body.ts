import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { Exchange } from '../../request/exchange.js';

/**
 * The client's request body as undici reads it. Between the two so that
 * undici, when its upstream attempt fails mid-body, destroys this stream and
 * not the client's request — which would reset the client's connection before
 * it reads the proxy's answer; the rest of the client's body is read and
 * dropped instead. It also counts the bytes against the route's limit when
 * the length was not declared (a declared one is checked before anything is
 * sent).
 */
export class RequestBody extends Transform {
  readonly #req: IncomingMessage;
  readonly #ex: Exchange;
  readonly #counting: boolean;
  #total = 0;

  constructor(req: IncomingMessage, ex: Exchange, counting: boolean) {
    super();
    this.#req = req;
    this.#ex = ex;
    this.#counting = counting;
    req.pipe(this);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.#counting) {
      this.#total += chunk.length;
      // Over the limit: the exchange answered 413; the rest is dropped.
      if (!this.#ex.bodyReceived(this.#total)) return void this.#letGo(done);
    }
    done(null, chunk);
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.#letGo();
    done(err);
  }

  /** The client's body is no longer wanted upstream: read on, and drop it. */
  #letGo(done?: TransformCallback): void {
    this.#req.unpipe(this);
    this.#req.resume();
    done?.();
  }
}

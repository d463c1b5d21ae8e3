import type { Backend } from '../../backend.js';
import type { CodedError } from '../../errors.js';
import type { TrustedProxies } from '../../request/client-address.js';
import { Exchange, type ExchangeEnv, type UpstreamTransport } from '../../request/exchange.js';
import { HEADERS_TIMEOUT } from '../../request/retry-rules.js';
import { upstreamPath, type RouteRuntime } from '../../request/routing.js';
import type { ConnectionPool, Upstream, UpstreamUser } from './connection-pool.js';
import { forwardHead } from './forward-head.js';
import type { RawClient, RequestSink } from './raw-client.js';
import type { RequestHead } from './request-head.js';
import { RequestWriter } from './request-writer.js';
import { RELAY_DONE, RELAY_MORE, ResponseRelay } from './response-relay.js';
import { codedErrorResponse } from './response-writer.js';

export interface RawEnv extends ExchangeEnv {
  readonly trusted: TrustedProxies;
  readonly tls: boolean;
}

/**
 * The raw engine's transport for one client connection: takes an upstream
 * connection from the backend's pool for each attempt, has the request writer
 * send the request and the response relay pass the answer back, and reports
 * to the exchange. It also hears the client side (the request body, the
 * client leaving, the listener's timeout sweep) for the connection's current
 * request. One per client connection, reused: a connection forwards one
 * request at a time, and everything of the previous one is let go first.
 */
export class RawTransport implements UpstreamTransport, UpstreamUser, RequestSink {
  readonly #client: RawClient;
  readonly #writer: RequestWriter;
  readonly #relay: ResponseRelay;
  #ex: Exchange | undefined = undefined;
  #up: Upstream | undefined = undefined;
  #waitingOn: ConnectionPool | undefined = undefined;
  #headersTimeout = 0;
  #headersDeadline = 0;
  /** Request body bytes received from the client (the route's limit is checked as they come). */
  #received = 0;

  constructor(client: RawClient) {
    this.#client = client;
    this.#writer = new RequestWriter(client);
    this.#relay = new ResponseRelay(client);
  }

  /** The exchange for a request the connection just read; the transport takes its body. */
  begin(head: RequestHead, route: RouteRuntime, env: RawEnv, started: number): Exchange {
    const client = this.#client;
    const view = forwardHead(
      head,
      upstreamPath(route, head.url),
      client.peerIp,
      env.trusted,
      env.tls,
    );
    this.#writer.begin(head, view.builder);
    this.#received = 0;
    const ex = new Exchange(
      route,
      env,
      this,
      client,
      head.method,
      head.url,
      view.requestId,
      view.clientIp,
      head.hasBody,
      started,
    );
    this.#ex = ex;
    return ex;
  }

  /** The current exchange, while it is not finished. */
  get #live(): Exchange | undefined {
    const ex = this.#ex;
    return ex !== undefined && !ex.finished ? ex : undefined;
  }

  // ---- UpstreamTransport ------------------------------------------------

  send(ex: Exchange, backend: Backend): void {
    const route = ex.route;
    const timeouts = ex.pool.config.timeouts;
    this.#writer.attempt();
    this.#relay.reset(ex, route.bodyTimeout ?? timeouts.body);
    this.#headersTimeout = route.headersTimeout ?? timeouts.headers;
    this.#headersDeadline = 0;
    this.#waitingOn = backend.raw;
    backend.raw.acquire(this);
  }

  cancel(): void {
    if (this.#waitingOn !== undefined) {
      this.#waitingOn.cancel(this);
      this.#waitingOn = undefined;
    }
    this.#detach();
  }

  // ---- the upstream connection ------------------------------------------

  upstreamReady(up: Upstream): void {
    this.#waitingOn = undefined;
    const ex = this.#live;
    if (ex === undefined) {
      up.pool.release(up, true, -1);
      return;
    }
    this.#up = up;
    ex.upstreamSent();
    this.#writer.ready(up.socket);
    this.#armHeaders();
  }

  /** The first-byte timeout runs from when the whole request is out (as undici's does). */
  #armHeaders(): void {
    if (this.#headersDeadline === 0 && this.#up !== undefined && this.#writer.sent)
      this.#headersDeadline = Date.now() + this.#headersTimeout;
  }

  upstreamFailed(code: string): void {
    this.#waitingOn = undefined;
    this.#live?.upstreamFailed(code);
  }

  upstreamData(chunk: Buffer): void {
    const ex = this.#live;
    const up = this.#up;
    if (ex === undefined || up === undefined) return;
    const r = this.#relay.feed(up, chunk);
    if (r === RELAY_MORE) this.#relay.flush(up);
    else if (r === RELAY_DONE) this.#complete(ex);
    else this.#broke(ex, this.#relay.error);
  }

  upstreamEnd(): void {
    const ex = this.#live;
    if (ex === undefined) return;
    if (this.#relay.closeDelimited) this.#complete(ex);
    else this.#broke(ex, 'UND_ERR_SOCKET');
  }

  upstreamClosed(code: string | undefined): void {
    this.#up = undefined;
    const ex = this.#live;
    if (ex === undefined) return;
    if (this.#relay.closeDelimited && code === undefined) this.#complete(ex);
    else this.#broke(ex, code ?? 'UND_ERR_SOCKET');
  }

  upstreamDrain(): void {
    this.#client.resumeBody();
  }

  /** The response is complete: hand the connection back, count, tell the client side. */
  #complete(ex: Exchange): void {
    const relay = this.#relay;
    const up = this.#up;
    this.#up = undefined;
    relay.end(up);
    if (up !== undefined) {
      up.socket.resume();
      up.pool.release(up, relay.reusable && this.#writer.sent, relay.keepAliveHint);
    }
    this.#ex = undefined;
    ex.upstreamComplete();
    this.#client.responseDone(!relay.keepAlive);
  }

  /** The attempt failed: its connection is dropped, never reused, and the exchange decides. */
  #broke(ex: Exchange, code: string): void {
    const duringBody = ex.hasBody && !this.#writer.sent;
    this.#detach();
    this.#relay.discard();
    ex.upstreamFailed(code, duringBody);
  }

  #detach(): void {
    const up = this.#up;
    this.#up = undefined;
    this.#headersDeadline = 0;
    if (up !== undefined) {
      up.user = undefined;
      up.socket.destroy();
    }
  }

  // ---- the client side (RequestSink) ------------------------------------

  bodyData(chunk: Buffer): boolean {
    const ex = this.#live;
    if (ex === undefined) return true;
    this.#received += chunk.length;
    if (!ex.bodyReceived(this.#received)) return true;
    return this.#writer.data(chunk, this.#up?.socket);
  }

  bodyEnd(): void {
    this.#writer.end(this.#live === undefined ? undefined : this.#up?.socket);
    this.#armHeaders();
  }

  bodyError(err: CodedError): void {
    const ex = this.#live;
    if (ex === undefined) return;
    this.cancel();
    if (ex.responseStarted) this.#client.destroy();
    else {
      const w = codedErrorResponse(
        err,
        [],
        ['connection', 'close'],
        ex.method === 'HEAD',
        false,
        0,
      );
      this.#client.socket.write(w.bytes);
    }
    ex.requestBroken(err);
  }

  clientClosed(): void {
    this.#live?.clientClosed();
  }

  clientDrain(): void {
    this.#up?.socket.resume();
  }

  /** Upstream timeouts (the listener's sweep). */
  sweep(now: number): void {
    const ex = this.#live;
    if (ex === undefined) return;
    if (!this.#relay.headSent) {
      if (this.#headersDeadline !== 0 && now >= this.#headersDeadline)
        this.#broke(ex, HEADERS_TIMEOUT);
    } else if (this.#relay.bodyDeadline !== 0 && now >= this.#relay.bodyDeadline) {
      this.#broke(ex, 'UND_ERR_BODY_TIMEOUT');
    }
  }
}

import type { Backend } from '../backend.js';
import { proxyError, type CodedError } from '../errors.js';
import { limitHeaders, type LimitDecision, type RateLimiter } from '../rate-limit/limiter.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { parseCookie } from './cookies.js';
import type { ProxyObserver } from './done-info.js';
import { HEADERS_TIMEOUT, retryElsewhere, upstreamFailure } from './retry-rules.js';
import type { RouteRuntime } from './routing.js';

/**
 * How an engine carries a request to a backend (the undici pool, or the raw
 * engine's own connection pool). It reports back through the exchange's
 * `upstream*` methods, and relays the response to its client itself.
 */
export interface UpstreamTransport {
  /** Sends `ex`'s request to `backend` (first attempt or a retry). */
  send(ex: Exchange, backend: Backend): void;
  /** Drops whatever `ex` has in flight upstream: the client left, or its request broke. */
  cancel(ex: Exchange): void;
}

/** How an engine answers its client (node's ServerResponse, or the raw client connection). */
export interface ClientResponder {
  /** A request header as node's `req.headers[name]` gives it (the first of several). */
  header(lowerName: string): string | undefined;
  /** The proxy's own coded answer: `preset` headers first, then the standard ones, then `extra`. */
  sendError(err: CodedError, preset: readonly string[], extra: readonly string[]): void;
  /** The response began and cannot be completed: cutting the connection is the only signal left. */
  cut(): void;
  /**
   * A final answer to a request whose body will not be read: the connection
   * closes after it, lingering, so a client still sending reads the answer.
   */
  refuseBody(err: CodedError, preset: readonly string[]): void;
}

/** What an exchange tells the running proxy. */
export interface ExchangeEnv extends ProxyObserver {
  rateLimited(route: string, key: 'ip' | 'user'): void;
  limiterFailed(err: unknown): void;
}

const NONE: readonly string[] = [];

/**
 * One request's life, the same on every engine: rate limit, pick, dispatch,
 * retry, the proxy's own failure answers, and one `DoneInfo` at the end. The
 * engine-specific work — writing the request upstream, relaying the response —
 * is its transport's and responder's; they report back here. One object per
 * request, no closures; the transport and responder are fields of fixed shape
 * (one class each per engine), so the calls stay monomorphic.
 *
 * Invariant: a request dispatched to a backend counts in its `activeRequests`
 * from dispatch until it moves to the next backend or finishes, exactly once.
 */
export class Exchange implements PickContext {
  readonly route: RouteRuntime;
  readonly env: ExchangeEnv;
  readonly transport: UpstreamTransport;
  readonly responder: ClientResponder;
  readonly method: string;
  /** The request target as received (path and query). */
  readonly url: string;
  readonly requestId: string;
  readonly clientIp: string;
  readonly hasBody: boolean;
  readonly started: number;
  /**
   * Safe to send twice though its method is not idempotent (a gRPC method the
   * pool lists in `retries.idempotent_methods`, its body held whole).
   */
  idempotent = false;
  /** A sticky strategy's Set-Cookie for the response. */
  setCookie: string | undefined = undefined;
  /** Extra response headers (RateLimit-*), name/value pairs. */
  extraHeaders: string[] | undefined = undefined;
  backend: Backend | undefined = undefined;
  tried: Backend[] | undefined = undefined;
  status = 0;
  /** Response body bytes relayed to the client. */
  bytes = 0;
  /** An upstream response head went to the client: from here a failure can only cut. */
  responseStarted = false;
  #sent = false;
  #clientGone = false;
  #finished = false;
  #retries = 0;
  #error: string | undefined = undefined;
  #dispatchedAt = 0;
  #cookies: Record<string, string> | undefined = undefined;

  constructor(
    route: RouteRuntime,
    env: ExchangeEnv,
    transport: UpstreamTransport,
    responder: ClientResponder,
    method: string,
    url: string,
    requestId: string,
    clientIp: string,
    hasBody: boolean,
    started: number,
  ) {
    this.route = route;
    this.env = env;
    this.transport = transport;
    this.responder = responder;
    this.method = method;
    this.url = url;
    this.requestId = requestId;
    this.clientIp = clientIp;
    this.hasBody = hasBody;
    this.started = started;
  }

  get pool(): UpstreamPool {
    return this.route.pool as UpstreamPool;
  }

  get finished(): boolean {
    return this.#finished;
  }

  // PickContext
  header(name: string): string | undefined {
    return this.responder.header(name);
  }

  cookie(name: string): string | undefined {
    this.#cookies ??= parseCookie(this.responder.header('cookie'));
    return this.#cookies[name];
  }

  /**
   * The route's rate limit, before anything is sent: true when the request
   * may go on (its answer will carry RateLimit-*), false when it was refused
   * with a 429 (answered and counted here) or the client left meanwhile.
   */
  async admit(limiter: RateLimiter): Promise<boolean> {
    let d: LimitDecision | undefined;
    try {
      d = await limiter.check(
        this.clientIp,
        this.responder.header('authorization'),
        this.responder.header('cookie'),
      );
    } catch (e) {
      this.env.limiterFailed(e);
      return !this.#finished;
    }
    if (this.#finished) return false;
    if (d === undefined) return true;
    const headers = limitHeaders(d);
    if (d.allowed) {
      this.extraHeaders = headers;
      return true;
    }
    this.env.rateLimited(this.route.name, d.key);
    const err = proxyError('SB_ERR_RATE_LIMITED', undefined, {
      limit: d.key,
      retry_after_s: d.reset,
    });
    this.status = err.status;
    this.#finish();
    this.responder.sendError(err, NONE, ['retry-after', String(d.reset), ...headers]);
    return false;
  }

  /**
   * The body's declared length against the route's limit, before anything is
   * read or sent: false when it is over — answered 413 here.
   */
  admitBody(declaredLength: number): boolean {
    if (!this.#overLimit(declaredLength)) return true;
    this.#refuseBody();
    return false;
  }

  /**
   * Body bytes received so far (a chunked body is counted as it streams):
   * false when they went over the route's limit — the upstream attempt is
   * dropped and the request answered 413 (or cut, had the answer begun).
   */
  bodyReceived(total: number): boolean {
    if (!this.#overLimit(total)) return true;
    this.#refuseBody();
    return false;
  }

  #overLimit(length: number): boolean {
    const max = this.route.maxBodySize;
    return max !== undefined && length > max;
  }

  /** The client's doing: nothing here counts against a backend. */
  #refuseBody(): void {
    if (this.#finished) return;
    this.#error = 'body-too-large';
    const dispatched = this.backend !== undefined;
    if (this.responseStarted) {
      this.#finish();
      if (dispatched) this.transport.cancel(this);
      this.responder.cut();
      return;
    }
    const err = proxyError('SB_ERR_PAYLOAD_TOO_LARGE', undefined, {
      limit_bytes: this.route.maxBodySize,
    });
    this.status = err.status;
    this.#finish();
    if (dispatched) this.transport.cancel(this);
    this.responder.refuseBody(err, ['x-request-id', this.requestId]);
  }

  /** Picks a backend and sends the request there. */
  start(): void {
    const pool = this.pool;
    pool.retryBudget.deposit();
    const backend = pool.pick(this);
    if (backend === undefined) {
      this.#fail(proxyError('SB_ERR_NO_BACKEND', undefined, { pool: pool.name }), [
        'retry-after',
        String(pool.retryAfterSeconds()),
      ]);
      return;
    }
    this.#dispatch(backend);
  }

  #dispatch(backend: Backend): void {
    const previous = this.backend;
    if (previous !== undefined) previous.activeRequests--;
    this.backend = backend;
    this.#sent = false;
    backend.activeRequests++;
    backend.totalRequests++;
    this.#dispatchedAt = performance.now();
    this.transport.send(this, backend);
  }

  // ---- from the transport ------------------------------------------------

  /** The request reached an upstream socket: a failure from here may have reached the backend. */
  upstreamSent(): void {
    this.#sent = true;
  }

  /**
   * The upstream's response head (interim 1xx excluded), about to go to the
   * client. false: the client is gone, drop the response.
   */
  upstreamHead(status: number): boolean {
    if (this.#finished) return false;
    const backend = this.backend as Backend;
    this.status = status;
    this.responseStarted = true;
    const now = performance.now();
    backend.observeAnswer(now, now - this.#dispatchedAt);
    this.pool.lastAnswerAt = now;
    if (status < 500) backend.recordResult(true);
    else backend.recordResult(false, `status ${status}`);
    return !this.#clientGone;
  }

  /** The response went to the client whole. */
  upstreamComplete(): void {
    this.#finish();
  }

  /**
   * The upstream attempt failed (`code`: an undici/llhttp-style reason).
   * `duringBody`: the client's body was still being sent — a backend that
   * refuses a body by closing looks just like this (as does EPIPE on a request
   * with a body), so the failure is not held against it.
   */
  upstreamFailed(code: string, duringBody = false): void {
    if (this.#finished) return;
    if (this.responseStarted) {
      this.#error = code;
      this.responder.cut();
      this.#finish();
      return;
    }
    const backend = this.backend as Backend;
    if (code === HEADERS_TIMEOUT && this.#stalled(backend))
      backend.recordStall(this.#firstByteMs());
    // EPIPE: a write met a closed connection — with a body, the backend refused it.
    else if (!duringBody && !(this.hasBody && code === 'EPIPE')) backend.recordResult(false, code);
    const next = retryElsewhere(this, backend, code, {
      sent: this.#sent,
      hasBody: this.hasBody,
      method: this.method,
      idempotent: this.idempotent,
    });
    if (next !== undefined) {
      this.#retries++;
      this.#dispatch(next);
      return;
    }
    this.#error = code;
    this.#fail(upstreamFailure(code, backend.id, { sent: this.#sent, method: this.method }));
  }

  /**
   * Outlier by latency: since this request went to `backend` it has answered
   * nothing, while another backend of the pool has — the backend is stuck
   * (stopped, deadlocked), not the pool slow as a whole.
   */
  #stalled(backend: Backend): boolean {
    const since = this.#dispatchedAt;
    return backend.lastAnswerAt < since && this.pool.lastAnswerAt > since;
  }

  #firstByteMs(): number {
    return this.route.headersTimeout ?? this.pool.config.timeouts.headers;
  }

  // ---- from the client side ---------------------------------------------

  /** The client went away: whatever is in flight upstream is dropped. */
  clientClosed(): void {
    if (this.#finished) return;
    this.#clientGone = true;
    if (this.backend === undefined) {
      // Nothing was dispatched (the rate limit was still deciding): nothing to count.
      this.#finished = true;
      return;
    }
    this.#error = 'client-abort';
    // Finished first: a transport may report the cancelled attempt's failure at once.
    this.#finish();
    this.transport.cancel(this);
  }

  /**
   * The client's request cannot be read to its end (bad chunking, request
   * timeout): the upstream attempt is dropped; the engine answers `err` (or
   * cuts the connection when the response had begun).
   */
  requestBroken(err: CodedError): void {
    if (this.#finished) return;
    this.status = err.status;
    this.#error = (err.details as { reason?: string } | undefined)?.reason ?? err.code;
    this.#finish();
    this.transport.cancel(this);
  }

  /** Answered without a backend (a static file): `status` and body `bytes` as sent. */
  answered(status: number, bytes: number): void {
    this.status = status;
    this.bytes = bytes;
    this.#finish();
  }

  /** Given up after a fault of the proxy's own: the engine has cut the connection. */
  abandon(reason: string): void {
    this.#error ??= reason;
    this.#finish();
  }

  /** The proxy's own answer (no upstream response was relayed). */
  #fail(err: CodedError, extra: readonly string[] = NONE): void {
    this.status = err.status;
    const preset: string[] = [];
    // The response did not come from a backend, but say which one failed.
    if (this.backend !== undefined) preset.push('x-served-by', this.backend.id);
    preset.push('x-request-id', this.requestId);
    if (this.extraHeaders !== undefined) preset.push(...this.extraHeaders);
    // Counted before the answer goes out: answering may start the connection's next request.
    this.#finish();
    this.responder.sendError(err, preset, extra);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const backend = this.backend;
    if (backend !== undefined) backend.activeRequests--;
    this.env.requestDone({
      route: this.route.name,
      backend: backend?.id,
      method: this.method,
      path: this.url,
      status: this.#clientGone && !this.responseStarted ? 499 : this.status,
      durationMs: performance.now() - this.started,
      bytes: this.bytes,
      requestId: this.requestId,
      clientIp: this.clientIp,
      retries: this.#retries,
      error: this.#error,
    });
  }
}

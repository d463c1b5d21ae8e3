import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backend.js';
import { proxyError, sendError, type CodedError } from '../errors.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { parseCookie } from './cookies.js';
import type { ForwardEnv, ProxiedRequest, ProxiedResponse } from './exchange-types.js';
import type { ClientView } from './client-view.js';
import { connectionListed, dropNamed, isHopByHop } from './hop-by-hop.js';
import { retryElsewhere, upstreamFailure } from './retry-rules.js';
import { upstreamPath, type RouteRuntime } from './router.js';

const kExchange = Symbol('exchange');
type ResWithExchange = ProxiedResponse & { [kExchange]?: Exchange };

/**
 * One proxied request. It is also the undici dispatch handler (legacy callback
 * API, the one undici's core calls directly), so a request costs one object and
 * no closures; a retry dispatches the same handler again.
 */
export class Exchange implements Dispatcher.DispatchHandler, PickContext {
  readonly req: ProxiedRequest;
  readonly res: ProxiedResponse;
  readonly route: RouteRuntime;
  readonly pool: UpstreamPool;
  readonly env: ForwardEnv;
  readonly view: ClientView;
  readonly started: number;
  setCookie: string | undefined;
  /** Extra response headers (RateLimit-*), name/value pairs. */
  extraHeaders: string[] | undefined;
  backend: Backend | undefined;
  tried: Backend[] | undefined;
  status = 0;
  bytes = 0;
  #abort: ((err?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #connected = false;
  #headersSent = false;
  #finished = false;
  #clientGone = false;
  #cookies: Record<string, string> | undefined;
  #error: string | undefined;
  #dispatchedAt = 0;
  #retries = 0;

  constructor(
    req: ProxiedRequest,
    res: ProxiedResponse,
    route: RouteRuntime,
    pool: UpstreamPool,
    env: ForwardEnv,
    view: ClientView,
    started: number,
  ) {
    this.req = req;
    this.res = res;
    this.route = route;
    this.pool = pool;
    this.env = env;
    this.view = view;
    this.started = started;
    (res as ResWithExchange)[kExchange] = this;
    res.on('close', onResponseClose);
  }

  // PickContext
  get clientIp(): string {
    return this.view.clientIp;
  }

  header(name: string): string | undefined {
    const v = (this.req.headers as IncomingHttpHeaders)[name];
    return Array.isArray(v) ? v[0] : v;
  }

  cookie(name: string): string | undefined {
    this.#cookies ??= parseCookie(this.req.headers.cookie);
    return this.#cookies[name];
  }

  start(): void {
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
    backend.activeRequests++;
    backend.totalRequests++;
    this.#dispatchedAt = performance.now();
    const route = this.route;
    backend.dispatcher.dispatch(
      {
        path: upstreamPath(route, this.req.url as string),
        method: this.req.method as Dispatcher.HttpMethod,
        headers: this.view.headers,
        body: this.view.hasBody ? this.req : null,
        headersTimeout: route.headersTimeout,
        bodyTimeout: route.bodyTimeout,
      },
      this,
    );
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#connected = true;
    this.#abort = abort;
    if (this.#clientGone) abort();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true;
    const backend = this.backend as Backend;
    this.#resume = resume;
    this.#headersSent = true;
    this.status = status;
    backend.observeLatency(performance.now() - this.#dispatchedAt);
    backend.recordResult(status < 500);
    const res = this.res;
    if (this.#clientGone) return false;

    const out: string[] = [];
    let listed: Set<string> | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as Buffer).toString('latin1');
      if (isHopByHop(name)) {
        if (name.length === 10 && name.toLowerCase() === 'connection') {
          listed = connectionListed((raw[i + 1] as Buffer).toString('latin1'), listed);
        }
        continue;
      }
      if (name.length === 11 && name.toLowerCase() === 'x-served-by') continue;
      out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
    }
    const headers = listed ? dropNamed(out, listed) : out;
    headers.push('x-served-by', backend.id, 'x-request-id', this.view.requestId);
    if (this.setCookie !== undefined) headers.push('set-cookie', this.setCookie);
    if (this.extraHeaders !== undefined) headers.push(...this.extraHeaders);
    try {
      res.writeHead(status, statusText || undefined, headers);
    } catch (e) {
      // An upstream header node refuses to write: a broken upstream answer.
      this.#headersSent = false;
      throw e;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', onResponseDrain);
    return ok;
  }

  onComplete(): void {
    this.res.end();
    this.#finish();
  }

  onError(err: Error & { code?: string }): void {
    // A throw here would surface as an 'error' event on undici's client: never let one escape.
    try {
      this.#onError(err);
    } catch {
      if (!this.res.destroyed) this.res.destroy();
      this.#finish();
    }
  }

  #onError(err: Error & { code?: string }): void {
    const backend = this.backend as Backend;
    const code = err.code ?? err.name;
    if (this.#clientGone) {
      this.#error = 'client-abort';
      this.#finish();
      return;
    }
    if (this.#headersSent) {
      // Mid-body failure: the only honest signal left is to cut the connection.
      this.#error = code;
      this.res.destroy(err);
      this.#finish();
      return;
    }
    backend.recordResult(false);
    const next = retryElsewhere(this, backend, code, {
      sent: this.#connected,
      hasBody: this.view.hasBody,
      method: this.req.method as string,
    });
    if (next !== undefined) {
      this.#retries++;
      this.#dispatch(next);
      return;
    }
    this.#error = code;
    this.#fail(upstreamFailure(code, backend.id));
  }

  #fail(err: CodedError): void {
    this.status = err.status;
    if (this.res.headersSent) {
      // Already answered elsewhere (a client parse error mid-body): just account for it.
      if (!this.res.writableEnded) this.res.destroy();
      this.#finish();
      return;
    }
    if (this.backend !== undefined) {
      // The response did not come from a backend, but say which one failed.
      this.res.setHeader('x-served-by', this.backend.id);
    }
    this.res.setHeader('x-request-id', this.view.requestId);
    const extra = this.extraHeaders;
    if (extra !== undefined)
      for (let i = 0; i < extra.length; i += 2)
        this.res.setHeader(extra[i] as string, extra[i + 1] as string);
    sendError(this.res, err);
    this.#finish();
  }

  /** The client went away: abort the upstream request so its connection is freed. */
  clientClosed(): void {
    if (this.#finished) return;
    this.#clientGone = true;
    if (this.#abort !== undefined) this.#abort();
    else if (!this.#connected && this.backend === undefined) this.#finish();
  }

  resume(): void {
    this.#resume?.();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const backend = this.backend;
    if (backend !== undefined) backend.activeRequests--;
    const res = this.res;
    res.removeListener('close', onResponseClose);
    this.env.requestDone({
      route: this.route.name,
      backend: backend?.id,
      method: this.req.method as string,
      path: this.req.url as string,
      status: this.#clientGone && !this.#headersSent ? 499 : this.status,
      durationMs: performance.now() - this.started,
      bytes: this.bytes,
      requestId: this.view.requestId,
      clientIp: this.view.clientIp,
      retries: this.#retries,
      error: this.#error,
    });
  }
}

/**
 * node:http refused the rest of the client's bytes while this response's
 * request was in flight (bad chunking, bytes after `Connection: close`): a
 * request body can no longer be trusted whole (node drops what it buffered), so
 * such a request is abandoned rather than sent on truncated.
 */
export function abandonExchange(res: ProxiedResponse): void {
  const ex = (res as ResWithExchange)[kExchange];
  if (ex?.view.hasBody) ex.clientClosed();
}

function onResponseClose(this: ResWithExchange): void {
  const ex = this[kExchange];
  if (ex !== undefined && !this.writableFinished) ex.clientClosed();
}

function onResponseDrain(this: ResWithExchange): void {
  this[kExchange]?.resume();
}

import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../backend.js';
import { proxyError, sendError, type CodedError } from '../errors.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { forwardedNode, forwardedValue, normalizeIp, type TrustedProxies } from './client-ip.js';
import { parseCookie } from './cookies.js';
import type { ForwardEnv, ProxiedRequest, ProxiedResponse } from './exchange-types.js';
import { connectionListed, dropNamed, isHopByHop } from './hop-by-hop.js';
import { upstreamPath, type RouteRuntime } from './router.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Failures after which an idempotent, body-less request may safely go elsewhere. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

const kExchange = Symbol('exchange');

// Request ids: a random per-process prefix and a counter — unique, and far
// cheaper than a UUID per request.
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
export function nextRequestId(): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

let lastHost = '';
let lastHostValue = '';
function forwardedHost(host: string): string {
  if (host !== lastHost) {
    lastHost = host;
    lastHostValue = forwardedValue(host);
  }
  return lastHostValue;
}
type ResWithExchange = ProxiedResponse & { [kExchange]?: Exchange };

/**
 * What the proxy knows about the client side of a request, computed once from
 * the raw headers: the forwarded identity and the headers to send upstream.
 */
export interface ClientView {
  clientIp: string;
  peerIp: string;
  requestId: string;
  host: string | undefined;
  /** Upstream header list (name, value, …), hop-by-hop removed, forwarding headers appended. */
  headers: string[];
  hasBody: boolean;
  /** Why the request must be refused (framing node:http lets through), if it must. */
  invalid: string | undefined;
}

/** Reads the raw request headers once; the hot path never builds `req.headers`. */
export function viewRequest(
  req: ProxiedRequest,
  trusted: TrustedProxies,
  tls: boolean,
  forUpgrade: boolean,
): ClientView {
  const raw = req.rawHeaders;
  const peerIp = normalizeIp(req.socket.remoteAddress);
  const peerTrusted = !trusted.empty && trusted.isTrusted(peerIp);
  const out: string[] = [];
  let host: string | undefined;
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let fwd: string | undefined;
  let requestId: string | undefined;
  let hasBody = false;
  let listed: Set<string> | undefined;
  let upgradeValue: string | undefined;
  let te: string | undefined;
  let dupHost = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const len = name.length;
    // Only names of these lengths need a closer look.
    if (len === 4 && name.toLowerCase() === 'host') {
      if (host !== undefined) dupHost = true;
      host = value;
      out.push(name, value);
      continue;
    }
    if (len === 14 && name.toLowerCase() === 'content-length') {
      if (value !== '0') hasBody = true;
      out.push(name, value);
      continue;
    }
    if (len === 12 && name.toLowerCase() === 'x-request-id') {
      if (requestId === undefined && value.length > 0 && value.length <= 200) requestId = value;
      continue;
    }
    if (len === 6 && name.toLowerCase() === 'expect') continue; // answered by node:http
    if (len === 9 && name.toLowerCase() === 'forwarded') {
      if (peerTrusted) fwd = fwd === undefined ? value : `${fwd}, ${value}`;
      continue;
    }
    if (len >= 15 && len <= 17) {
      const l = name.toLowerCase();
      if (l === 'x-forwarded-for') {
        if (peerTrusted) xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      }
      if (l === 'x-forwarded-proto') {
        if (peerTrusted) xfp = value;
        continue;
      }
      if (l === 'x-forwarded-host') {
        if (peerTrusted) xfh = value;
        continue;
      }
    }
    if (isHopByHop(name)) {
      const l = name.toLowerCase();
      if (l === 'transfer-encoding') {
        hasBody = true;
        te = te === undefined ? value : `${te}, ${value}`;
      } else if (l === 'connection') listed = connectionListed(value, listed);
      else if (l === 'upgrade') upgradeValue = value;
      continue;
    }
    out.push(name, value);
  }

  const headers = listed ? dropNamed(out, listed) : out;
  const clientIp = peerTrusted ? trusted.clientIp(peerIp, xff) : peerIp;
  const proto = tls ? 'https' : 'http';
  requestId ??= nextRequestId();
  headers.push(
    'x-forwarded-for',
    xff === undefined ? peerIp : `${xff}, ${peerIp}`,
    'x-forwarded-proto',
    xfp ?? proto,
    'x-request-id',
    requestId,
  );
  const fwdHost = xfh ?? host;
  if (fwdHost !== undefined) headers.push('x-forwarded-host', fwdHost);
  let mine = `for=${forwardedNode(peerIp)};proto=${proto}`;
  if (host !== undefined) mine += `;host=${forwardedHost(host)}`;
  headers.push('forwarded', fwd === undefined ? mine : `${fwd}, ${mine}`);
  if (forUpgrade && upgradeValue !== undefined) {
    headers.push('connection', 'upgrade', 'upgrade', upgradeValue);
  }
  let invalid: string | undefined;
  // node:http reads a request body of unknown framing until close; a proxy must refuse it.
  if (te !== undefined && !/(?:^|,)[ \t]*chunked[ \t]*$/i.test(te)) invalid = 'transfer-encoding';
  else if (host === undefined && req.httpVersionMinor === 1) invalid = 'missing host';
  else if (dupHost) invalid = 'duplicate host';
  return { clientIp, peerIp, requestId, host, headers, hasBody, invalid };
}

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
    const retryable = this.#canRetry(code);
    if (retryable) {
      const tried = (this.tried ??= []);
      tried.push(backend);
      const next = this.pool.pickExcluding(this, tried);
      if (next !== undefined) {
        backend.activeRequests--;
        this.#retries++;
        this.env.retried(this.route.name, backend.id, code);
        this.#dispatch(next);
        return;
      }
    }
    this.#error = code;
    const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
    this.#fail(
      proxyError(timeout ? 'SB_ERR_GATEWAY_TIMEOUT' : 'SB_ERR_BAD_GATEWAY', undefined, {
        backend: backend.id,
        reason: code,
      }),
    );
  }

  #canRetry(code: string): boolean {
    const tries = this.tried === undefined ? 1 : this.tried.length + 1;
    if (tries > this.pool.config.retries.max_retries) return false;
    // Never reached a socket: nothing was sent and the body is untouched, so any method is safe.
    const nothingSent = !this.#connected;
    const idempotent =
      !this.view.hasBody &&
      IDEMPOTENT.has(this.req.method as string) &&
      CONNECTION_ERRORS.has(code);
    if (!nothingSent && !idempotent) return false;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return false;
    return this.pool.retryBudget.tryWithdraw();
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

function onResponseClose(this: ResWithExchange): void {
  const ex = this[kExchange];
  if (ex !== undefined && !this.writableFinished) ex.clientClosed();
}

function onResponseDrain(this: ResWithExchange): void {
  this[kExchange]?.resume();
}

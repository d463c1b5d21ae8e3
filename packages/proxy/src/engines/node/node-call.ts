import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Backend } from '../../backend.js';
import { sendError, type CodedError } from '../../errors.js';
import {
  Exchange,
  type ClientResponder,
  type ExchangeEnv,
  type UpstreamTransport,
} from '../../request/exchange.js';
import { connectionListed, dropNamed, isHopByHop } from '../../request/hop-by-hop.js';
import { upstreamPath, type RouteRuntime } from '../../request/routing.js';
import type { ClientView } from './client-view.js';
import { refuseBody } from './refuse.js';
import { RequestBody } from './request-body.js';

const kCall = Symbol('node call');
type ResWithCall = ServerResponse & { [kCall]?: NodeCall };

/**
 * The node engine's side of one exchange: the undici dispatch handler that
 * carries the request upstream (its transport) and relays the answer to
 * node:http's ServerResponse (its responder). undici's legacy handler API is
 * the one its core calls directly, so a request costs this object and its
 * exchange, no closures; a retry dispatches the same handler again.
 */
export class NodeCall implements UpstreamTransport, ClientResponder, Dispatcher.DispatchHandler {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly view: ClientView;
  /** Set once, right after construction (see `nodeExchange`). */
  ex: Exchange | undefined = undefined;
  #abort: ((err?: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #cancelled = false;
  /** The request body as undici reads it (see RequestBody). */
  #upload: RequestBody | undefined = undefined;

  constructor(req: IncomingMessage, res: ServerResponse, view: ClientView) {
    this.req = req;
    this.res = res;
    this.view = view;
    (res as ResWithCall)[kCall] = this;
    res.on('close', onResponseClose);
  }

  // ---- UpstreamTransport ------------------------------------------------

  send(ex: Exchange, backend: Backend): void {
    this.#abort = undefined;
    const route = ex.route;
    backend.dispatcher.dispatch(
      {
        path: upstreamPath(route, ex.url),
        method: ex.method as Dispatcher.HttpMethod,
        headers: this.view.headers,
        body: ex.hasBody ? this.#body(ex) : null,
        headersTimeout: route.headersTimeout,
        bodyTimeout: route.bodyTimeout,
      },
      this,
    );
  }

  /** The body undici reads (made on the first attempt; a retry reads on from it). */
  #body(ex: Exchange): Readable {
    return (this.#upload ??= new RequestBody(
      this.req,
      ex,
      ex.route.maxBodySize !== undefined && this.view.contentLength === -1,
    ));
  }

  cancel(): void {
    this.#cancelled = true;
    // Before onConnect there is nothing to abort yet: onConnect does it.
    this.#abort?.();
  }

  // ---- undici's dispatch handler ------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#cancelled) abort();
    else (this.ex as Exchange).upstreamSent();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true;
    const ex = this.ex as Exchange;
    this.#resume = resume;
    if (!ex.upstreamHead(status)) return false;
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
    headers.push('x-served-by', (ex.backend as Backend).id, 'x-request-id', ex.requestId);
    if (ex.setCookie !== undefined) headers.push('set-cookie', ex.setCookie);
    if (ex.extraHeaders !== undefined) headers.push(...ex.extraHeaders);
    try {
      this.res.writeHead(status, statusText || undefined, headers);
    } catch (e) {
      // An upstream header node refuses to write: a broken upstream answer.
      ex.responseStarted = false;
      throw e;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    (this.ex as Exchange).bytes += chunk.length;
    const ok = this.res.write(chunk);
    if (!ok) this.res.once('drain', onResponseDrain);
    return ok;
  }

  /** The client drained what we wrote: read on from the upstream. */
  resumeUpstream(): void {
    this.#resume?.();
  }

  onComplete(): void {
    this.res.end();
    (this.ex as Exchange).upstreamComplete();
  }

  onError(err: Error & { code?: string }): void {
    const ex = this.ex as Exchange;
    // A throw here would surface as an 'error' event on undici's client: never let one escape.
    try {
      // Body not all taken by undici: it failed while still sending it.
      const duringBody = ex.hasBody && !(this.#upload ?? this.req).readableEnded;
      ex.upstreamFailed(err.code ?? err.name, duringBody);
    } catch {
      if (!this.res.destroyed) this.res.destroy();
      ex.abandon('proxy-fault');
    }
  }

  // ---- ClientResponder ------------------------------------------------------

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  sendError(err: CodedError, preset: readonly string[], extra: readonly string[]): void {
    const res = this.res;
    if (res.headersSent) {
      // Already answered elsewhere (a client parse error mid-body): cut only an unfinished response.
      if (!res.writableEnded) res.destroy();
      return;
    }
    for (let i = 0; i < preset.length; i += 2)
      res.setHeader(preset[i] as string, preset[i + 1] as string);
    let more: Record<string, string> | undefined;
    if (extra.length > 0) {
      more = {};
      for (let i = 0; i < extra.length; i += 2) more[extra[i] as string] = extra[i + 1] as string;
    }
    sendError(res, err, more);
  }

  cut(): void {
    this.res.destroy();
  }

  refuseBody(err: CodedError, preset: readonly string[]): void {
    const res = this.res;
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    for (let i = 0; i < preset.length; i += 2)
      res.setHeader(preset[i] as string, preset[i + 1] as string);
    refuseBody(res, err);
  }
}

/** An exchange on the node engine, with its call. */
export function nodeExchange(
  req: IncomingMessage,
  res: ServerResponse,
  view: ClientView,
  route: RouteRuntime,
  env: ExchangeEnv,
  started: number,
): Exchange {
  const call = new NodeCall(req, res, view);
  const ex = new Exchange(
    route,
    env,
    call,
    call,
    req.method as string,
    req.url as string,
    view.requestId,
    view.clientIp,
    view.hasBody,
    started,
  );
  call.ex = ex;
  return ex;
}

/**
 * node:http refused the rest of the client's bytes while this response's
 * request was in flight (bad chunking, bytes after `Connection: close`): a
 * request body can no longer be trusted whole (node drops what it buffered), so
 * such a request is abandoned rather than sent on truncated.
 */
export function abandonOnClientError(res: ServerResponse, err: CodedError): void {
  const call = (res as ResWithCall)[kCall];
  if (call?.view.hasBody) call.ex?.requestBroken(err);
}

function onResponseClose(this: ResWithCall): void {
  const call = this[kCall];
  if (call !== undefined && !this.writableFinished) call.ex?.clientClosed();
}

function onResponseDrain(this: ResWithCall): void {
  this[kCall]?.resumeUpstream();
}

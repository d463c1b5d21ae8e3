import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Backend } from '../../backend.js';
import { proxyError, rawErrorResponse } from '../../errors.js';
import type { PickContext } from '../../strategies/types.js';
import type { UpstreamPool } from '../../upstream-pool.js';
import type { TrustedProxies } from '../../request/client-address.js';
import { parseCookie } from '../../request/cookies.js';
import type { IncomingMessage } from 'node:http';
import { upstreamPath, type RouteRuntime } from '../../request/routing.js';
import { viewRequest, type ClientView } from './client-view.js';

/** After a refused upgrade, how long the backend may keep its connection open before we end it. */
const refusedUpgradeLingerMs = 5_000;

const MAX_RESPONSE_HEAD = 64 * 1024;

export interface TunnelEnv {
  readonly tls: boolean;
  readonly trusted: TrustedProxies;
  readonly connectTimeout: number;
  upgradeDone(info: {
    route: string;
    backend: string | undefined;
    status: number;
    view: ClientView;
  }): void;
}

class UpgradeContext implements PickContext {
  setCookie: string | undefined;
  #cookies: Record<string, string> | undefined;
  constructor(
    readonly req: IncomingMessage,
    readonly clientIp: string,
  ) {}
  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }
  cookie(name: string): string | undefined {
    this.#cookies ??= parseCookie(this.req.headers.cookie);
    return this.#cookies[name];
  }
}

/**
 * Proxies an Upgrade (WebSocket) request as a raw tunnel: a TCP (or TLS)
 * connection to the chosen backend, the request head written by hand, then
 * bytes piped both ways. The backend's answer is relayed as-is — a 101 opens
 * the tunnel, anything else is passed back and the connection closed.
 */
export function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  route: RouteRuntime,
  pool: UpstreamPool,
  env: TunnelEnv,
  view: ClientView = viewRequest(req, env.trusted, env.tls, true),
): void {
  const ctx = new UpgradeContext(req, view.clientIp);
  const tried: Backend[] = [];
  client.on('error', noop);

  const attempt = (): void => {
    const backend = tried.length === 0 ? pool.pick(ctx) : pool.pickExcluding(ctx, tried);
    if (backend === undefined) {
      const err = tried.length
        ? proxyError('SB_ERR_BAD_GATEWAY', undefined, { backend: tried.at(-1)?.id })
        : proxyError('SB_ERR_NO_BACKEND', undefined, { pool: pool.name });
      env.upgradeDone({ route: route.name, backend: tried.at(-1)?.id, status: err.status, view });
      client.end(
        rawErrorResponse(
          err,
          tried.length ? {} : { 'Retry-After': String(pool.retryAfterSeconds()) },
        ),
      );
      return;
    }
    tried.push(backend);
    backend.activeRequests++;
    const target = backend.origin;
    const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
    const upstream: Socket =
      target.protocol === 'https:'
        ? tlsConnect({ host: target.hostname, port, servername: target.hostname })
        : netConnect({ host: target.hostname, port });
    upstream.setNoDelay(true);
    upstream.setTimeout(env.connectTimeout);
    let connected = false;
    let settled = false;

    const onConnectFail = (err: Error & { code?: string }): void => {
      if (settled) return;
      settled = true;
      backend.activeRequests--;
      upstream.destroy();
      backend.recordResult(false);
      if (!connected && !client.destroyed && tried.length <= pool.config.retries.max_retries) {
        attempt();
        return;
      }
      const e = proxyError('SB_ERR_BAD_GATEWAY', undefined, {
        backend: backend.id,
        reason: err.code ?? err.message,
      });
      env.upgradeDone({ route: route.name, backend: backend.id, status: e.status, view });
      client.end(rawErrorResponse(e));
    };
    upstream.once('error', onConnectFail);
    upstream.once('timeout', () =>
      onConnectFail(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })),
    );
    const onClientEarlyClose = (): void => {
      if (settled) return;
      settled = true;
      backend.activeRequests--;
      upstream.destroy();
    };
    client.once('close', onClientEarlyClose);

    upstream.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      connected = true;
      const h = view.headers;
      let text = `${req.method} ${upstreamPath(route, req.url as string)} HTTP/1.1\r\n`;
      for (let i = 0; i < h.length; i += 2) text += `${h[i]}: ${h[i + 1]}\r\n`;
      upstream.write(text + '\r\n');
      if (head.length > 0) upstream.write(head);
    });

    let buffered: Buffer = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_RESPONSE_HEAD)
          onConnectFail(new Error('response head too large'));
        return;
      }
      if (settled) return;
      settled = true;
      upstream.removeListener('data', onHead);
      upstream.removeListener('error', onConnectFail);
      client.removeListener('close', onClientEarlyClose);
      upstream.setTimeout(0);
      backend.activeRequests--;
      const headText = buffered.subarray(0, end).toString('latin1');
      const rest = buffered.subarray(end + 4);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headText)?.[1] ?? 502);
      let extra = `\r\nX-Served-By: ${backend.id}\r\nX-Request-Id: ${view.requestId}`;
      if (ctx.setCookie !== undefined) extra += `\r\nSet-Cookie: ${ctx.setCookie}`;
      backend.recordResult(status < 500);
      env.upgradeDone({ route: route.name, backend: backend.id, status, view });
      client.write(headText + extra + '\r\n\r\n');
      if (rest.length) client.write(rest);
      if (status === 101) tunnel(client, upstream, backend);
      else {
        const len = /\r\ncontent-length:[ \t]*(\d+)/i.exec(headText)?.[1];
        relayRefusal(client, upstream, len === undefined ? -1 : Number(len) - rest.length);
      }
    };
    upstream.on('data', onHead);
  };
  attempt();
}

/** Both directions piped; either side closing (or failing) closes the other. */
function tunnel(client: Duplex, upstream: Socket, backend: Backend): void {
  backend.websockets.add(client);
  backend.activeWebSockets++;
  upstream.on('error', noop);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    backend.websockets.delete(client);
    backend.activeWebSockets--;
    client.destroy();
    upstream.destroy();
  };
  client.once('close', close);
  upstream.once('close', close);
  client.pipe(upstream);
  upstream.pipe(client);
}

/** A refused upgrade: pass the rest of the answer through, then close. */
function relayRefusal(client: Duplex, upstream: Socket, remaining: number): void {
  upstream.on('error', noop);
  client.once('close', () => upstream.destroy());
  upstream.once('close', () => client.end());
  if (remaining <= 0 && remaining !== -1) {
    upstream.destroy();
    return;
  }
  upstream.on('data', (chunk: Buffer) => {
    client.write(chunk);
    if (remaining !== -1) {
      remaining -= chunk.length;
      if (remaining <= 0) upstream.destroy();
    }
  });
  // The client gets no further say on this connection.
  client.resume();
  client.on('data', noop);
  // The backend may keep the connection open after a refusal; don't wait forever.
  upstream.setTimeout(refusedUpgradeLingerMs, () => upstream.end());
}

function noop(): void {}

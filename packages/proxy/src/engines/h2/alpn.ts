import {
  createSecureServer,
  Http2ServerRequest,
  Http2ServerResponse,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { ProxyConfig } from '../../config/load.js';
import type { FrontDoor } from '../node/node-front.js';
import type { FloodGuard } from './flood-guard.js';
import { H2Front, type H2FrontContext } from './h2-front.js';
import { http2Options } from './h2-listener.js';

/** The protocols the TLS listener offers, best first. */
export const ALPN_PROTOCOLS = ['h2', 'http/1.1'];

/**
 * HTTP/2 on the TLS listener: connections that negotiated `h2` (ALPN) go to a
 * node:http2 session; the rest stay with the listener's own HTTP/1.1 engine,
 * so one port serves both. Each h2 stream goes to the HTTP/2 engine when its
 * route's pool speaks HTTP/2 (gRPC over TLS), else to the node engine's front
 * door through node:http2's compatibility request and response.
 */
export class AlpnH2 {
  readonly #sessions = new Set<ServerHttp2Session>();

  constructor(
    tls: TlsServer,
    cfg: ProxyConfig,
    ctx: H2FrontContext,
    front: FrontDoor,
    guard: FloodGuard,
  ) {
    // Never listens: it is handed the sockets that chose h2.
    const h2 = createSecureServer({ ...http2Options(cfg), allowHTTP1: false });
    const fallback = (
      stream: ServerHttp2Stream,
      headers: IncomingHttpHeaders,
      rawHeaders: string[],
    ): void => {
      // What node:http2's own 'request' wiring does (onServerStream), without its 'stream' listener.
      const req = new Http2ServerRequest(stream, headers, {}, rawHeaders);
      const res = new Http2ServerResponse(stream);
      const nreq = req as unknown as IncomingMessage;
      const nres = res as unknown as ServerResponse;
      if (headers.expect !== undefined && /^100-continue$/i.test(String(headers.expect)))
        front.onContinue(nreq, nres);
      else front.onRequest(nreq, nres);
    };
    const h2front = new H2Front(ctx, true, undefined, fallback);
    h2.on('session', (s: ServerHttp2Session) => {
      this.#sessions.add(s);
      s.on('close', () => this.#sessions.delete(s));
      guard.watch(s);
    });
    h2.on(
      'stream',
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _f: number, rawHeaders: string[]) =>
        h2front.onStream(stream, headers, rawHeaders),
    );
    const http1 = tls.listeners('secureConnection') as ((s: Socket) => void)[];
    tls.removeAllListeners('secureConnection');
    tls.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') h2.emit('secureConnection', socket);
      else for (const l of http1) l.call(tls, socket);
    });
  }

  /** GOAWAY to every h2 connection (they finish their streams). */
  close(): void {
    for (const s of this.#sessions) s.close();
  }

  closeAllConnections(): void {
    for (const s of this.#sessions) s.destroy();
  }
}

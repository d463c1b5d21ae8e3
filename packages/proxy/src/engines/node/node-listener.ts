import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import type { ProxyConfig } from '../../config/load.js';
import { listen, mainServerOptions } from '../../listen.js';
import { ALPN_PROTOCOLS } from '../h2/alpn.js';
import { capConnections } from '../client-sockets.js';
import type { ListenerDeps, MainListener } from '../main-listener.js';
import { onClientError } from './client-errors.js';
import type { FrontDoor } from './node-front.js';

/** node:http (or https) serving every request: `server.engine: node`. */
export class NodeListener implements MainListener {
  readonly server: Server;
  readonly secure: Pick<TlsServer, 'setSecureContext'> | undefined;

  constructor(deps: ListenerDeps) {
    const cfg = deps.config();
    const opts = mainServerOptions(cfg);
    const server = serveFrontDoor(
      deps.tls
        ? createHttpsServer({
            ...opts,
            cert: deps.tls.cert,
            key: deps.tls.key,
            ...(deps.alpnH2 ? { ALPNProtocols: ALPN_PROTOCOLS } : {}),
          })
        : createHttpServer(opts),
      deps.front,
    );
    capConnections(server, () => deps.config().server.max_connections, deps.metrics, !deps.tls);
    if (deps.tls) server.maxConnections = cfg.server.max_connections;
    this.server = server;
    this.secure = deps.tls ? (server as unknown as TlsServer) : undefined;
  }

  listen(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  closeIdleConnections(): void {
    this.server.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  configure(config: ProxyConfig): void {
    applyTimeouts(this.server, config);
  }
}

/** Hands a node:http server's requests, upgrades and parse errors to the FrontDoor. */
export function serveFrontDoor<S extends Server>(server: S, front: FrontDoor): S {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => front.onRequest(req, res));
  // With a listener, node:http leaves `100 Continue` to us (see FrontDoor.onContinue).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
    front.onContinue(req, res),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    front.onUpgrade(req, socket, head),
  );
  server.on('clientError', onClientError);
  return server;
}

/** node:http's timeouts from `server:` (headersTimeout never above requestTimeout). */
export function applyTimeouts(server: Server, config: ProxyConfig): void {
  const s = config.server;
  server.headersTimeout = Math.min(s.headers_timeout, s.request_timeout || Infinity);
  server.requestTimeout = s.request_timeout;
  server.keepAliveTimeout = s.keep_alive_timeout;
}

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import type { ProxyConfig } from './config/load.js';
import { capConnections, onClientError } from './http/clients.js';
import type { FrontDoor } from './http/front.js';
import { listen, mainServerOptions } from './listen.js';
import type { ProxyMetrics } from './metrics.js';

/** The main listener, whichever engine serves it. */
export interface MainListener {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting and closes idle connections; resolves once every connection is gone. */
  close(): Promise<void>;
  closeIdleConnections(): void;
  closeAllConnections(): void;
  /** Applies `server:` timeouts after a reload. */
  configure(config: ProxyConfig): void;
  /** The TLS server whose certificate can be swapped, when TLS is on. */
  readonly secure: Pick<TlsServer, 'setSecureContext'> | undefined;
}

export interface ListenerDeps {
  config: () => ProxyConfig;
  front: FrontDoor;
  metrics: ProxyMetrics;
  /** Certificate and key when the listener terminates TLS. */
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
}

/** node:http (or https) serving every request: `server.engine: node`. */
export class NodeListener implements MainListener {
  readonly server: Server;
  readonly secure: Pick<TlsServer, 'setSecureContext'> | undefined;

  constructor(deps: ListenerDeps) {
    const cfg = deps.config();
    const opts = mainServerOptions(cfg);
    const server = serveFrontDoor(
      deps.tls
        ? createHttpsServer({ ...opts, cert: deps.tls.cert, key: deps.tls.key })
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

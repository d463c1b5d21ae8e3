import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { ALPN_PROTOCOLS } from '../h2/alpn.js';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { ProxyConfig } from '../../config/load.js';
import { capConnections, isRefused } from '../client-sockets.js';
import type { FrontContext } from '../node/node-front.js';
import { listen, mainServerOptions } from '../../listen.js';
import type { ListenerDeps, MainListener } from '../main-listener.js';
import { applyTimeouts, serveFrontDoor } from '../node/node-listener.js';
import {
  ClientConnection,
  type ConnectionHost,
  type ConnectionSettings,
} from './client-connection.js';
import { handleRaw } from './raw-front.js';
import type { RequestHead } from './request-head.js';

/**
 * The main listener on the raw engine (`server.engine: raw`, the default): a
 * node:net (or node:tls) server whose connections are read by
 * ClientConnection. A request the raw engine does not handle — upgrades,
 * static routes, admin, and anything its strict parser does not vouch for —
 * is handed with its connection to an internal node:http server running the
 * node engine's FrontDoor, at a request boundary, bytes included.
 */
export class RawListener implements MainListener, ConnectionHost {
  readonly server: NetServer | TlsServer;
  readonly secure: TlsServer | undefined;
  /** node:http for handed-over connections; it never listens itself. */
  readonly fallback: HttpServer;
  settings: ConnectionSettings;
  readonly #ctx: FrontContext;
  readonly #conns = new Set<ClientConnection>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(deps: ListenerDeps, ctx: FrontContext) {
    this.#ctx = ctx;
    const cfg = deps.config();
    const fallback = serveFrontDoor(createHttpServer(mainServerOptions(cfg)), deps.front);
    // node:http tracks connections (timeouts, closeIdle/AllConnections) from 'listening' on.
    fallback.emit('listening');
    this.fallback = fallback;

    const onSocket = (socket: Socket): void => {
      if (isRefused(socket)) return;
      this.#conns.add(new ClientConnection(socket, this));
    };
    let server: NetServer | TlsServer;
    if (deps.tls) {
      const tls = createTlsServer({
        cert: deps.tls.cert,
        key: deps.tls.key,
        ALPNProtocols: deps.alpnH2 ? ALPN_PROTOCOLS : ['http/1.1'],
        allowHalfOpen: true,
      });
      tls.on('secureConnection', onSocket);
      tls.maxConnections = cfg.server.max_connections;
      this.secure = tls;
      server = tls;
    } else {
      server = createNetServer({ allowHalfOpen: true, noDelay: true }, onSocket);
    }
    capConnections(server, () => deps.config().server.max_connections, deps.metrics, !deps.tls);
    this.server = server;
    this.settings = settingsOf(cfg);
    this.#armSweeper(cfg);
  }

  handle(conn: ClientConnection, head: RequestHead): void {
    handleRaw(this.#ctx, conn, head);
  }

  handOver(socket: Socket, bytes: Buffer): void {
    this.fallback.emit('connection', socket);
    if (bytes.length > 0) socket.emit('data', bytes);
  }

  forget(conn: ClientConnection): void {
    this.#conns.delete(conn);
  }

  listen(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.closeIdleConnections();
    });
  }

  closeIdleConnections(): void {
    for (const c of this.#conns) if (c.idle) c.destroy();
    this.fallback.closeIdleConnections();
  }

  closeAllConnections(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const c of this.#conns) c.destroy();
    this.fallback.closeAllConnections();
    // Stops node:http's connection checks too (it was never listening).
    this.fallback.close();
  }

  configure(config: ProxyConfig): void {
    applyTimeouts(this.fallback, config);
    this.settings = settingsOf(config);
    if (this.#sweeper !== undefined) this.#armSweeper(config);
  }

  /** One timer for every connection's timeouts, at a quarter of the shortest one. */
  #armSweeper(config: ProxyConfig): void {
    clearInterval(this.#sweeper);
    const s = this.settings;
    const candidates = [s.headersTimeout, s.requestTimeout, s.keepAliveTimeout];
    for (const p of Object.values(config.pools))
      candidates.push(p.timeouts.headers, p.timeouts.body);
    for (const r of config.routes) {
      if (r.timeouts?.headers) candidates.push(r.timeouts.headers);
      if (r.timeouts?.body) candidates.push(r.timeouts.body);
    }
    const shortest = Math.min(...candidates.filter((t) => t > 0), 4000);
    const every = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  #sweep(): void {
    const now = Date.now();
    for (const c of this.#conns) c.sweep(now);
  }
}

function settingsOf(config: ProxyConfig): ConnectionSettings {
  const s = config.server;
  return {
    maxHeaderSize: s.max_header_size,
    headersTimeout: Math.min(s.headers_timeout, s.request_timeout || Infinity),
    requestTimeout: s.request_timeout,
    keepAliveTimeout: s.keep_alive_timeout,
  };
}

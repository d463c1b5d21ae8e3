import {
  createServer,
  type Http2Server,
  type ServerHttp2Session,
  type ServerOptions,
} from 'node:http2';
import type { ProxyConfig } from '../../config/load.js';
import { listen } from '../../listen.js';
import type { FloodGuard } from './flood-guard.js';
import type { H2Front } from './h2-front.js';

/** node:http2 options from `server.http2` (the same for h2c and ALPN h2). */
export function http2Options(cfg: ProxyConfig): ServerOptions {
  const h = cfg.server.http2;
  return {
    settings: {
      maxConcurrentStreams: h.max_concurrent_streams,
      maxHeaderListSize: h.max_header_list_size,
      maxFrameSize: h.max_frame_size,
      initialWindowSize: h.initial_window_size,
      enablePush: false,
    },
    maxSessionMemory: h.max_session_memory,
    // Streams refused for going over max_concurrent_streams, then the connection is closed.
    maxSessionRejectedStreams: 100,
    maxSessionInvalidFrames: 100,
  };
}

/** Flood limits from `server.http2`. */
export function floodLimits(cfg: ProxyConfig) {
  const h = cfg.server.http2;
  return {
    window: h.flood_window,
    resets: h.max_resets,
    settings: h.max_settings,
    pings: h.max_pings,
  };
}

/**
 * The gRPC listener: cleartext HTTP/2 with prior knowledge (h2c), each
 * connection watched by the flood guard, each stream handed to the front.
 */
export class H2cListener {
  readonly server: Http2Server;
  readonly #sessions = new Set<ServerHttp2Session>();

  constructor(cfg: ProxyConfig, front: H2Front, guard: FloodGuard) {
    const server = createServer(http2Options(cfg));
    server.on('session', (s: ServerHttp2Session) => {
      this.#sessions.add(s);
      s.on('close', () => this.#sessions.delete(s));
      guard.watch(s);
    });
    server.on('stream', (stream, headers) => front.onStream(stream, headers));
    this.server = server;
  }

  listen(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  /** Stops accepting; open connections get GOAWAY and finish their streams. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.#sessions) s.close();
    });
  }

  closeAllConnections(): void {
    for (const s of this.#sessions) s.destroy();
  }
}

import type { Server as TlsServer } from 'node:tls';
import type { ProxyConfig } from '../config/load.js';
import type { ProxyMetrics } from '../metrics.js';
import type { FrontDoor } from './node/node-front.js';

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
  /** Offer h2 by ALPN on the TLS listener (AlpnH2 takes those connections). */
  alpnH2: boolean;
}

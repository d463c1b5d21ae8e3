import type { AdminReply } from './admin/api.js';
import type { BackendSnapshot } from './backend.js';
import type { ProxyConfig } from './config/load.js';
import type { Logger } from './logging.js';
import type { PoolOptions } from './upstream-pool.js';

export interface StartOptions {
  logger?: Logger;
  /** Replaces the HTTP health probe (tests). */
  probe?: PoolOptions['probe'];
  /** Re-read by `POST /admin/reload` (runProxyCli sets it). */
  reloadConfig?: () => Promise<ProxyConfig>;
  /** Base for relative paths (static roots, data_dir); default: cwd. */
  baseDir?: string;
  /** How long close() waits for in-flight requests before cutting them. */
  shutdownGraceMs?: number;
  /**
   * Cluster worker mode (set by the cluster primary): no admin listener, no
   * analytics file; /admin on the main listener is relayed to the primary.
   */
  worker?: {
    relayAdmin: (
      method: string,
      url: string,
      auth: string | undefined,
      body: string,
    ) => Promise<AdminReply>;
  };
}

export interface RunningProxy {
  readonly url: string;
  /** '' when the admin listener is disabled. */
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  readonly config: ProxyConfig;
  /** Worker processes (1: this process serves requests itself). */
  readonly workers: number;
  reload(config: ProxyConfig): Promise<void>;
  reloadTls(): Promise<{ reloaded: boolean; source?: string }>;
  close(): Promise<void>;
  /** Backends with state and stats (in cluster mode: summed over workers, refreshed each second). */
  backends(): BackendSnapshot[];
}

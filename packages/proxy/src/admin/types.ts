import type { Analytics } from '../analytics/engine.js';
import type { RouteRuntime } from '../request/routing.js';
import type { ProxyMetrics } from '../metrics.js';
import type { UpstreamPool } from '../upstream-pool.js';

/** What the admin API may see and change. */
export interface AdminControl {
  pools(): ReadonlyMap<string, UpstreamPool>;
  routes(): readonly RouteRuntime[];
  analytics: Analytics | undefined;
  metrics: ProxyMetrics;
  reloadTls(): Promise<{ reloaded: boolean; source?: string }>;
  reloadConfig: (() => Promise<void>) | undefined;
}

export type BodyReader = () => Promise<unknown>;

export type Handler = (
  ctl: AdminControl,
  body: BodyReader,
  params: string[],
  query: URLSearchParams,
) => Promise<Reply>;

export interface Reply {
  status: number;
  body: unknown;
  type?: string;
}

/** An admin answer, ready for the wire (or for an IPC message in cluster mode). */
export interface AdminReply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

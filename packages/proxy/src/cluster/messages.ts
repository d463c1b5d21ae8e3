import type { AdminReply } from '../admin/api.js';
import type { BackendSnapshot } from '../backend.js';
import type { ProxyConfig } from '../config/load.js';

/** IPC between the cluster primary and its workers; `sb` tells ours from other IPC users. */
export type ToWorker =
  | {
      sb: 'proxy';
      id: number;
      type: 'start';
      config: ProxyConfig;
      baseDir: string;
      grace: number;
      /** Saved analytics, handed to worker 1 so queries include history. */
      analytics: unknown;
    }
  | { sb: 'proxy'; id: number; type: 'admin'; method: string; url: string; body: string }
  | { sb: 'proxy'; id: number; type: 'metrics' | 'analytics' | 'tls' | 'close' | 'backends' }
  | { sb: 'proxy'; id: number; type: 'reload'; config: ProxyConfig }
  | { sb: 'proxy'; id: number; type: 'reply'; ok: boolean; value: unknown };

export type FromWorker =
  | { sb: 'proxy'; id: number; type: 'reply'; ok: boolean; value: unknown }
  | {
      sb: 'proxy';
      id: number;
      type: 'admin-up';
      method: string;
      url: string;
      auth: string | undefined;
      body: string;
    };

export type { AdminReply, BackendSnapshot };

export function isProxyMessage(m: unknown): m is { sb: 'proxy'; id: number; type: string } {
  return typeof m === 'object' && m !== null && (m as { sb?: unknown }).sb === 'proxy';
}

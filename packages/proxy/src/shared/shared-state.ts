import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { ProxyConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { AdminLog } from './admin-log.js';
import { FileAdminLog } from './file-admin-log.js';
import { SharedAdmin, type AdminRunner } from './shared-admin.js';
import { SharedAnalytics } from './shared-analytics.js';

/**
 * What several proxies share, built from `shared` (and `admin.persist`):
 * with `shared.redis_url` the admin log is a Redis stream and analytics are
 * published there; with only `admin.persist` the admin log is a file in
 * data_dir (one proxy, changes survive its restart); with neither, nothing.
 */
export interface SharedState {
  node: string;
  admin: SharedAdmin | undefined;
  analytics: SharedAnalytics | undefined;
  close(): Promise<void>;
}

/**
 * This proxy among the others: `shared.node_id`, else host name and listen
 * port (stable across restarts). A proxy on port 0 (tests) gets a one-off name.
 */
export function nodeIdOf(config: ProxyConfig): string {
  if (config.shared.node_id) return config.shared.node_id;
  const port = config.listen.port || `${process.pid}-${randomBytes(3).toString('hex')}`;
  return `${hostname()}:${port}`;
}

export async function openSharedState(
  config: ProxyConfig,
  baseDir: string,
  run: AdminRunner,
  dump: (() => Promise<unknown>) | undefined,
  logger: Logger,
): Promise<SharedState> {
  const node = nodeIdOf(config);
  const { redis_url: url, key_prefix: prefix, publish_interval: interval } = config.shared;
  let log: AdminLog | undefined;
  let analytics: SharedAnalytics | undefined;
  const connections: Redis[] = [];
  if (url) {
    // Loaded only when configured, so a proxy without Redis never loads the client.
    const { Redis: Client } = await import('ioredis');
    const open = (blocking: boolean) => {
      const r = new Client(url, {
        // Commands fail at once while Redis is away (a coded 503), rather than queue.
        enableOfflineQueue: false,
        maxRetriesPerRequest: blocking ? null : 1,
        lazyConnect: false,
      });
      r.on('error', (err: Error) => logger.warn({ err: err.message }, 'shared-state redis error'));
      connections.push(r);
      return r;
    };
    const commands = open(false);
    const reader = open(true);
    // Both connections ready (or 2 s gone: Redis down, the proxy starts from its config).
    await Promise.race([
      Promise.all(
        [commands, reader].map((r) =>
          r.status === 'ready'
            ? Promise.resolve()
            : new Promise((resolve) => r.once('ready', resolve)),
        ),
      ),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    const { RedisAdminLog } = await import('./redis-admin-log.js');
    log = new RedisAdminLog(commands, reader, prefix);
    if (dump && config.analytics.enabled) {
      analytics = new SharedAnalytics(commands, prefix, node, dump, interval, logger);
    }
  } else if (config.admin.persist) {
    log = new FileAdminLog(path.resolve(baseDir, config.data_dir, 'proxy-admin-log.jsonl'));
  }
  const admin = log ? new SharedAdmin(log, node, run, logger) : undefined;
  await admin?.start();
  analytics?.start();
  return {
    node,
    admin,
    analytics,
    async close() {
      await analytics?.close();
      await admin?.close();
      for (const c of connections) c.disconnect();
    },
  };
}

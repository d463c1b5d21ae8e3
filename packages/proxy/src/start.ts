import { availableParallelism } from 'node:os';
import type { ProxyConfig } from './config/load.js';
import { ProxyServer } from './proxy-server.js';
import type { RunningProxy, StartOptions } from './types.js';

/**
 * Starts the proxy (main listener, optional redirect listener and admin API).
 * With `workers` > 1 this process becomes a cluster primary: the workers serve
 * traffic and this process hosts the admin API over all of them.
 */
export async function startProxy(
  config: ProxyConfig,
  opts: StartOptions = {},
): Promise<RunningProxy> {
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  if (workers > 1 && opts.worker === undefined) {
    const { startCluster } = await import('./cluster/primary.js');
    return startCluster(config, workers, opts);
  }
  const server = new ProxyServer(config, opts);
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => {});
    throw e;
  }
  return server;
}

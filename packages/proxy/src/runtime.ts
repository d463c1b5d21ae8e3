import path from 'node:path';
import type { Redis } from 'ioredis';
import type { ProxyConfig, RouteConfig } from './config/load.js';
import type { RouteRuntime } from './request/routing.js';
import type { IdentityResolver } from './rate-limit/identity.js';
import { RateLimiter, type LimiterFactory } from './rate-limit/limiter.js';
import { StaticSite } from './static/static-site.js';
import type { UpstreamPool } from './upstream-pool.js';

/**
 * Binds route configs to pools, static sites and limiters. Limiters are kept
 * across reloads when a route's limits did not change, so counters survive.
 */
export function buildRoutes(
  config: ProxyConfig,
  pools: ReadonlyMap<string, UpstreamPool>,
  factory: LimiterFactory,
  identity: () => IdentityResolver,
  previous: Map<string, RateLimiter>,
  baseDir: string,
): { routes: RouteRuntime[]; limiters: Map<string, RateLimiter> } {
  const limiters = new Map<string, RateLimiter>();
  const routes = config.routes.map((cfg: RouteConfig): RouteRuntime => {
    const limits =
      cfg.rate_limit === false ? undefined : (cfg.rate_limit ?? config.rate_limit.default);
    let limiter: RateLimiter | undefined;
    if (limits && (limits.per_ip || limits.per_user)) {
      const key = `${cfg.name}\u0000${JSON.stringify(limits)}`;
      limiter = previous.get(key) ?? new RateLimiter(cfg.name, limits, factory, identity);
      limiters.set(key, limiter);
    }
    const pool = cfg.pool !== undefined ? pools.get(cfg.pool) : undefined;
    return {
      name: cfg.name,
      config: cfg,
      pool,
      site: cfg.static
        ? new StaticSite({ ...cfg.static, root: path.resolve(baseDir, cfg.static.root) })
        : undefined,
      limiter,
      headersTimeout: cfg.timeouts?.headers,
      bodyTimeout: cfg.timeouts?.body,
      maxBodySize: cfg.max_body_size,
    };
  });
  return { routes, limiters };
}

export type RedisClient = Redis;

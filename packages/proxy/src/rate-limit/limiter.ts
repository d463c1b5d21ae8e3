import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterCluster,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { limitSchema, routeLimitSchema } from '../config/schema.js';
import type { IdentityResolver } from './identity.js';

type LimitConfig = z.output<typeof limitSchema>;
export type RouteLimitConfig = z.output<typeof routeLimitSchema>;

export interface LimitDecision {
  allowed: boolean;
  key: 'ip' | 'user';
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

/** Builds limiters on one shared store (memory, or Redis with an in-memory insurance). */
export class LimiterFactory {
  readonly redis: Redis | undefined;
  readonly prefix: string;

  /** In a cluster worker without Redis, counters live in the primary (RateLimiterClusterMaster). */
  readonly clusterWorker: boolean;

  constructor(redis: Redis | undefined, prefix: string, clusterWorker = false) {
    this.redis = redis;
    this.prefix = prefix;
    this.clusterWorker = clusterWorker;
  }

  #one(points: number, windowMs: number, keyPrefix: string): RateLimiterAbstract {
    const duration = Math.max(1, Math.round(windowMs / 1000));
    const memory = this.clusterWorker
      ? new RateLimiterCluster({ points, duration, keyPrefix, timeoutMs: 1000 })
      : new RateLimiterMemory({ points, duration, keyPrefix });
    if (!this.redis) return memory;
    return new RateLimiterRedis({
      storeClient: this.redis,
      points,
      duration,
      keyPrefix: this.prefix + keyPrefix,
      rejectIfRedisNotReady: true,
      // If Redis goes away each proxy limits on its own until it returns.
      insuranceLimiter: memory,
    });
  }

  create(cfg: LimitConfig, name: string): Consumer {
    const main = this.#one(cfg.limit, cfg.window, `${name}`);
    if (cfg.burst === 0) return main;
    return new BurstyRateLimiter(main, this.#one(cfg.burst, cfg.window, `${name}:burst`));
  }
}

/**
 * A route's limits: per client IP and per authenticated user. Each is a
 * sustained `limit` per `window` plus `burst` extra requests per window
 * (rate-limiter-flexible's BurstyRateLimiter).
 */
export class RateLimiter {
  readonly #ip: { cfg: LimitConfig; c: Consumer } | undefined;
  readonly #user: { cfg: LimitConfig; c: Consumer } | undefined;
  /** Looked up per request: a reload may change the JWT secret or cookie name. */
  readonly #identity: () => IdentityResolver;

  constructor(
    route: string,
    cfg: RouteLimitConfig,
    factory: LimiterFactory,
    identity: () => IdentityResolver,
  ) {
    this.#identity = identity;
    if (cfg.per_ip) this.#ip = { cfg: cfg.per_ip, c: factory.create(cfg.per_ip, `${route}:ip`) };
    if (cfg.per_user)
      this.#user = { cfg: cfg.per_user, c: factory.create(cfg.per_user, `${route}:user`) };
  }

  /** The tightest decision among the limits that apply (a refusal wins). */
  async check(
    clientIp: string,
    authorization: string | undefined,
    cookie: string | undefined,
  ): Promise<LimitDecision | undefined> {
    let decision: LimitDecision | undefined;
    if (this.#user) {
      const identity = this.#identity();
      const user = await identity.userOf(identity.tokenOf(authorization, cookie));
      if (user !== undefined) decision = await consume(this.#user, `u:${user}`, 'user');
    }
    if (this.#ip && (decision === undefined || decision.allowed)) {
      const d = await consume(this.#ip, `i:${clientIp}`, 'ip');
      if (decision === undefined || !d.allowed || d.remaining < decision.remaining) decision = d;
    }
    return decision;
  }
}

async function consume(
  l: { cfg: LimitConfig; c: Consumer },
  key: string,
  kind: 'ip' | 'user',
): Promise<LimitDecision> {
  const limit = l.cfg.limit + l.cfg.burst;
  try {
    const r = await l.c.consume(key);
    return {
      allowed: true,
      key: kind,
      limit,
      remaining: r.remainingPoints,
      reset: secs(r.msBeforeNext),
    };
  } catch (e) {
    if (e instanceof RateLimiterRes) {
      return { allowed: false, key: kind, limit, remaining: 0, reset: secs(e.msBeforeNext) };
    }
    // Store failure with no insurance left: fail open rather than take the site down.
    return { allowed: true, key: kind, limit, remaining: limit, reset: secs(l.cfg.window) };
  }
}

function secs(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** RateLimit-* response headers (IETF draft) for a limit decision. */
export function limitHeaders(d: LimitDecision): string[] {
  return [
    'ratelimit-limit',
    String(d.limit),
    'ratelimit-remaining',
    String(d.remaining),
    'ratelimit-reset',
    String(d.reset),
  ];
}

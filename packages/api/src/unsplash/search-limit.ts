import { sbError } from '@switchboard/core';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Unsplash searches per user per minute, counted in PostgreSQL so every
 * instance shares one budget: the key's hourly quota at Unsplash belongs to
 * the whole server, and one user typing fast should not spend it.
 */
export class UnsplashSearchLimit {
  private readonly limiter: RateLimiterPostgres;

  constructor(pool: pg.Pool, perMinute: number) {
    this.limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix: 'unsplash_search',
      points: perMinute,
      duration: 60,
    });
  }

  /** Counts one search by `key` (a user, or an address in open mode); 429 past the limit. */
  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw sbError('SB_ERR_RATE_LIMITED', `Too many searches; retry in ${retryAfter} s.`, {
        retry_after: retryAfter,
      });
    }
  }
}

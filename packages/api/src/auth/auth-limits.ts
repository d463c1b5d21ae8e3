import { sbError } from '@switchboard/core';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthLimits } from '../config.js';

/**
 * Login and registration limits, kept in PostgreSQL so every instance behind
 * the proxy counts against the same budget.
 */
export class AuthRateLimits {
  private readonly loginPerIp: RateLimiterPostgres;
  private readonly loginFailuresPerUser: RateLimiterPostgres;
  private readonly registerPerIp: RateLimiterPostgres;

  constructor(pool: pg.Pool, limits: AuthLimits) {
    const common = {
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
    };
    this.loginPerIp = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login_ip',
      points: limits.loginPerIpPerMinute,
      duration: 60,
    });
    this.loginFailuresPerUser = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login_user',
      points: limits.loginFailuresPerUserPer15Min,
      duration: 15 * 60,
    });
    this.registerPerIp = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'register_ip',
      points: limits.registerPerIpPerHour,
      duration: 60 * 60,
    });
  }

  /** Counts a login attempt from `ip` and refuses while `username` is locked by failures. */
  async beforeLogin(ip: string, username: string): Promise<void> {
    await consume(this.loginPerIp, ip, 'login attempts from your address');
    const failures = await this.loginFailuresPerUser.get(username.toLowerCase());
    if (failures && failures.consumedPoints >= this.loginFailuresPerUser.points) {
      throw limited(failures, 'failed logins for this username');
    }
  }

  async loginFailed(username: string): Promise<void> {
    await this.loginFailuresPerUser.penalty(username.toLowerCase(), 1);
  }

  async loginSucceeded(username: string): Promise<void> {
    await this.loginFailuresPerUser.delete(username.toLowerCase());
  }

  async beforeRegister(ip: string): Promise<void> {
    await consume(this.registerPerIp, ip, 'registrations from your address');
  }
}

function limited(res: RateLimiterRes, what: string) {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return sbError('SB_ERR_RATE_LIMITED', `Too many ${what}; retry in ${retryAfter} s.`, {
    retry_after: retryAfter,
  });
}

async function consume(limiter: RateLimiterPostgres, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw limited(err, what);
    throw err;
  }
}

import { sbError } from '@switchboard/core';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthLimits } from '../config.js';

/** The slow-down for a username failing from many addresses: 100 ms, doubling, at most 1 s. */
export const loginSlowdown = { firstDelayMs: 100, maxDelayMs: 1_000 } as const;

/**
 * How long a login for a username waits after `failures` failed logins for it
 * (from any address) in the window: nothing up to `after`, then a delay that
 * doubles with each further failure up to loginSlowdown.maxDelayMs. A delay,
 * not a lock: the owner can still sign in, only more slowly (OWASP's
 * "progressive delay" instead of an account lockout anyone could trigger).
 */
export function loginDelayMs(failures: number, after: number): number {
  if (failures < after) return 0;
  const doublings = Math.min(failures - after, 16);
  return Math.min(loginSlowdown.maxDelayMs, loginSlowdown.firstDelayMs * 2 ** doublings);
}

const windowSeconds = 15 * 60;

/**
 * Login and registration limits, kept in PostgreSQL so every instance behind
 * the proxy counts against the same budget. The client address is the one
 * the trusted proxy reports (Fastify's request.ip under TRUST_PROXY):
 *
 * - attempts per address per minute (any username);
 * - failures per (username, address) in 15 minutes: past the limit that
 *   address is refused for that username, others are not;
 * - failures per username from anywhere: a growing delay, never a refusal,
 *   so nobody can lock a user out by failing on their behalf.
 */
export class AuthRateLimits {
  private readonly loginPerIp: RateLimiterPostgres;
  private readonly failuresPerUserIp: RateLimiterPostgres;
  private readonly failuresPerUser: RateLimiterPostgres;
  private readonly registerPerIp: RateLimiterPostgres;

  constructor(
    pool: pg.Pool,
    private readonly limits: AuthLimits,
  ) {
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
    this.failuresPerUserIp = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login_user_ip',
      points: limits.loginFailuresPerUserIpPer15Min,
      duration: windowSeconds,
    });
    this.failuresPerUser = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'login_user_any',
      // Only counted (penalty/get), never consumed: no refusal comes of it.
      points: Number.MAX_SAFE_INTEGER,
      duration: windowSeconds,
    });
    this.registerPerIp = new RateLimiterPostgres({
      ...common,
      keyPrefix: 'register_ip',
      points: limits.registerPerIpPerHour,
      duration: 60 * 60,
    });
  }

  /**
   * Counts a login attempt from `ip`; refuses while this address has failed
   * too often for `username`; waits while the username fails from everywhere.
   */
  async beforeLogin(ip: string, username: string): Promise<void> {
    await consume(this.loginPerIp, ip, 'login attempts from your address');
    const user = username.toLowerCase();
    const [fromHere, fromAnywhere] = await Promise.all([
      this.failuresPerUserIp.get(pairKey(user, ip)),
      this.failuresPerUser.get(user),
    ]);
    if (fromHere && fromHere.consumedPoints >= this.failuresPerUserIp.points) {
      throw limited(fromHere, 'failed logins for this username from your address');
    }
    const delay = loginDelayMs(
      fromAnywhere?.consumedPoints ?? 0,
      this.limits.loginSlowdownAfterFailures,
    );
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  async loginFailed(ip: string, username: string): Promise<void> {
    const user = username.toLowerCase();
    await Promise.all([
      this.failuresPerUserIp.penalty(pairKey(user, ip), 1),
      this.failuresPerUser.penalty(user, 1),
    ]);
  }

  async loginSucceeded(ip: string, username: string): Promise<void> {
    const user = username.toLowerCase();
    await Promise.all([
      this.failuresPerUserIp.delete(pairKey(user, ip)),
      this.failuresPerUser.delete(user),
    ]);
  }

  async beforeRegister(ip: string): Promise<void> {
    await consume(this.registerPerIp, ip, 'registrations from your address');
  }
}

/** Usernames have no spaces (core's usernameSchema); addresses have none either. */
const pairKey = (user: string, ip: string) => `${user} ${ip}`;

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

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

/**
 * The Redis of TEST_REDIS_URL for one test file: probed once, required in CI,
 * skipped loudly elsewhere; every key under `prefix` is removed afterwards.
 */
export function redisForTests(name: string): {
  url: string | undefined;
  prefix: string;
  reachable(): boolean;
} {
  const url = process.env.TEST_REDIS_URL;
  const prefix = `sb:test:${name}:${randomBytes(4).toString('hex')}:`;
  let reachable = false;
  beforeAll(async () => {
    let why = 'TEST_REDIS_URL is not set';
    if (url) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        reachable = true;
      } catch (e) {
        why = `Redis at ${url} is unreachable: ${(e as Error).message}`;
      } finally {
        probe.disconnect();
      }
    }
    if (!reachable) {
      if (process.env.CI === 'true') throw new Error(`${name} tests need Redis in CI: ${why}`);
      console.warn(`\n⚠️  SKIPPING the Redis cases of ${name}: ${why}\n`);
    }
  });
  afterAll(async () => {
    if (!reachable || !url) return;
    const r = new Redis(url);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });
  return { url, prefix, reachable: () => reachable };
}

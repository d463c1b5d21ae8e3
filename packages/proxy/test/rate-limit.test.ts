import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy } from './helpers/proxy.js';
import { redisForTests } from './helpers/redis.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

const SECRET = 'rate-limit-test-secret';

async function token(sub: string, secret = SECRET): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .sign(new TextEncoder().encode(secret));
}

async function hit(p: ProxyServer, path: string, headers: Record<string, string> = {}) {
  const res = await request(p.url + path, { headers });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

forEachEngine('rate limiting (memory)', (engine) => {
  let backend: TestBackend;
  let proxy: ProxyServer;
  beforeAll(async () => {
    backend = await startBackend('a');
    proxy = await startTestProxy(engine, {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      rate_limit: { jwt_secret: SECRET },
      routes: [
        { name: 'open', match: { path_prefix: '/open' }, pool: 'default', rate_limit: false },
        {
          name: 'users',
          match: { path_prefix: '/users' },
          pool: 'default',
          rate_limit: {
            per_user: { limit: 3, window: '1m' },
            per_ip: { limit: 100, window: '1m' },
          },
        },
        // Seed 004's example: 20 requests per minute per client.
        {
          name: 'api',
          match: { path_prefix: '/' },
          pool: 'default',
          rate_limit: { per_ip: { limit: 20, window: '1m', burst: 2 } },
        },
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('allows 20 per minute plus the burst, then answers 429 with Retry-After and RateLimit-* headers', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 23; i++) {
      last = await hit(proxy, '/api/x');
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers['ratelimit-limit']).toBe('22');
        expect(last.headers['ratelimit-remaining']).toBe('19');
        expect(Number(last.headers['ratelimit-reset'])).toBeGreaterThan(0);
        expect(last.headers['x-served-by']).toBe('a');
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(22);
    expect(statuses.at(-1)).toBe(429);
    expect(last!.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(last!.headers['ratelimit-remaining']).toBe('0');
    expect(JSON.parse(last!.body)).toMatchObject({
      error: { code: 'SB_ERR_RATE_LIMITED', details: { limit: 'ip' } },
    });
    // Routes without limits are unaffected.
    expect((await hit(proxy, '/open/x')).status).toBe(200);
  });

  it('limits per authenticated user (JWT in Authorization or the sb_session cookie), verified with the secret', async () => {
    const alice = await token('alice');
    const bob = await token('bob');
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await hit(proxy, '/users/me', { authorization: `Bearer ${alice}` })).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await hit(proxy, '/users/me', { cookie: `sb_session=${alice}` });
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.details.limit).toBe('user');
    expect(
      (await hit(proxy, '/users/me', { cookie: `theme=dark; sb_session=${bob}` })).status,
    ).toBe(200);
    // A token signed with another secret is anonymous: only the IP limit applies.
    const forged = await token('alice', 'wrong-secret');
    expect((await hit(proxy, '/users/me', { authorization: `Bearer ${forged}` })).status).toBe(200);
  });

  it('without a secret, decodes the token for keying only', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      rate_limit: { default: { per_user: { limit: 1, window: '1m' } } },
    });
    try {
      const t = await token('carol', 'any-secret');
      expect((await hit(p, '/', { authorization: `Bearer ${t}` })).status).toBe(200);
      expect((await hit(p, '/', { authorization: `Bearer ${t}` })).status).toBe(429);
      expect((await hit(p, '/', { authorization: 'Bearer not-a-jwt' })).status).toBe(200);
    } finally {
      await p.close();
    }
  });

  it('counts refusals in the metrics', async () => {
    const text = await proxy.metrics.text();
    expect(text).toMatch(/sb_proxy_rate_limited_total\{route="api",key="ip"\} [1-9]/);
    expect(text).toMatch(/sb_proxy_rate_limited_total\{route="users",key="user"\} [1-9]/);
  });
});

forEachEngine('rate limiting shared through Redis', (engine) => {
  const redis = redisForTests('rate-limit');
  const { url, prefix } = redis;
  const reachable = () => redis.reachable();

  it('two proxy instances share one budget', async (ctx) => {
    if (!reachable()) ctx.skip();
    const backend = await startBackend('a');
    const config = {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      rate_limit: {
        redis_url: url,
        key_prefix: prefix,
        default: { per_ip: { limit: 5, window: '1m' } },
      },
    };
    const p1 = await startTestProxy(engine, config);
    const p2 = await startTestProxy(engine, config);
    try {
      // Wait for both Redis clients to be ready so the insurance limiter is not used.
      await new Promise((r) => setTimeout(r, 300));
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) codes.push((await hit(i % 2 ? p2 : p1, '/x')).status);
      expect(codes.filter((c) => c === 200)).toHaveLength(5);
      expect(codes.slice(5)).toEqual([429, 429, 429]);
      const r = new Redis(url as string);
      expect((await r.keys(`${prefix}*`)).length).toBeGreaterThan(0);
      r.disconnect();
    } finally {
      await p1.close();
      await p2.close();
      await backend.close();
    }
  });

  it('falls back to the in-memory insurance limiter when Redis is unreachable', async () => {
    const backend = await startBackend('a');
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      rate_limit: {
        redis_url: 'redis://127.0.0.1:1',
        key_prefix: prefix,
        default: { per_ip: { limit: 2, window: '1m' } },
      },
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await hit(p, '/x')).status);
      expect(codes).toEqual([200, 200, 429]);
    } finally {
      await p.close();
      await backend.close();
    }
  });
});

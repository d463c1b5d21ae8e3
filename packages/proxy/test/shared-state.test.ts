import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/index.js';
import type { ProxyServer } from '../src/proxy-server.js';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import { redisForTests } from './helpers/redis.js';

/**
 * Several proxies, one truth: admin changes and analytics shared through
 * Redis, sticky sessions that hold whichever proxy a client lands on, and a
 * single proxy's admin changes kept across its restart. The admin plane is
 * the same for both engines, so these run on the default (raw) one.
 */
const redis = redisForTests('shared-state');
let a: TestBackend;
let b: TestBackend;
let c: TestBackend;
let n = 0;

beforeAll(async () => {
  [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
});
afterAll(async () => {
  await Promise.all([a, b, c].map((x) => x?.close()));
});

async function admin(p: RunningProxy, method: string, url: string, body?: unknown) {
  const res = await request(p.adminUrl + url, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** What an operator compares between proxies: ids, urls, weights and drain state. */
async function view(p: RunningProxy) {
  const list = (await admin(p, 'GET', '/admin/backends')).body.backends as {
    id: string;
    url: string;
    weight: number;
    state: string;
  }[];
  const strategy = (await admin(p, 'GET', '/admin/strategy')).body.name;
  return {
    strategy,
    backends: list
      .map((x) => ({ id: x.id, url: x.url, weight: x.weight, draining: x.state === 'draining' }))
      .sort((x, y) => x.id.localeCompare(y.id)),
  };
}

function sharedConfig(prefix: string, extra: Record<string, unknown> = {}) {
  return {
    backends: [
      { id: 'a', url: a.url },
      { id: 'b', url: b.url },
    ],
    health: { enabled: false },
    drain_timeout: '1h',
    shared: { redis_url: redis.url, key_prefix: prefix, publish_interval: 200 },
    ...extra,
  };
}

describe('several proxies share admin changes and analytics through Redis', () => {
  it('a change made on one proxy reaches the others, in one order, and survives a restart', async (ctx) => {
    if (!redis.reachable()) ctx.skip();
    const cfg = sharedConfig(`${redis.prefix}${++n}:`);
    const p1 = await startTestProxy('raw', { ...cfg, shared: { ...cfg.shared, node_id: 'p1' } });
    let p2: ProxyServer | undefined = await startTestProxy('raw', {
      ...cfg,
      shared: { ...cfg.shared, node_id: 'p2' },
    });
    let p3: RunningProxy | undefined;
    try {
      expect((await admin(p1, 'PATCH', '/admin/backends/a', { weight: 5 })).status).toBe(200);
      const added = await admin(p1, 'POST', '/admin/backends', { url: c.url });
      expect(added.status).toBe(201);
      // Named before it was logged, so every proxy calls it the same.
      expect(added.body.id).toMatch(/^default-[0-9a-f]{6}$/);
      expect((await admin(p1, 'POST', '/admin/backends/b/drain')).status).toBe(202);
      const strategy = await admin(p1, 'PUT', '/admin/strategy', { name: 'least-connections' });
      expect(strategy.status).toBe(200);

      const expected = {
        strategy: 'least-connections',
        backends: [
          { id: 'a', url: a.url, weight: 5, draining: false },
          { id: 'b', url: b.url, weight: 1, draining: true },
          { id: added.body.id, url: c.url, weight: 1, draining: false },
        ].sort((x, y) => (x.id as string).localeCompare(y.id as string)),
      };
      expect(await view(p1)).toEqual(expected);
      await waitFor(async () => JSON.stringify(await view(p2!)) === JSON.stringify(expected), 5000);
      // Traffic on the other proxy follows: nothing goes to the drained backend.
      const names = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await request(`${p2.url}/who`);
        names.add(((await res.body.json()) as { name: string }).name);
      }
      expect(names.has('b')).toBe(false);
      expect(names).toEqual(new Set(['a', 'c']));

      // Two operators set the same weight on two proxies at once: both proxies agree.
      const [x, y] = await Promise.all([
        admin(p1, 'PATCH', '/admin/backends/a', { weight: 7 }),
        admin(p2, 'PATCH', '/admin/backends/a', { weight: 9 }),
      ]);
      expect([x.status, y.status]).toEqual([200, 200]);
      await waitFor(async () => {
        const [v1, v2] = await Promise.all([view(p1), view(p2!)]);
        return JSON.stringify(v1) === JSON.stringify(v2);
      }, 5000);
      const weight = (await view(p1)).backends.find((q) => q.id === 'a')?.weight;
      expect([7, 9]).toContain(weight);
      expected.backends[0]!.weight = weight!;

      // A restarted proxy replays the log before it listens: right from its first answer.
      await p2.close();
      p2 = await startTestProxy('raw', { ...cfg, shared: { ...cfg.shared, node_id: 'p2' } });
      expect(await view(p2)).toEqual(expected);

      // A proxy in cluster mode (two workers) gets the same state in every worker.
      p3 = await startTestProxy('raw', {
        ...cfg,
        workers: 2,
        shared: { ...cfg.shared, node_id: 'p3' },
      });
      expect(await view(p3)).toEqual(expected);
      expect((await admin(p3, 'POST', '/admin/backends/b/undrain')).status).toBe(200);
      await waitFor(async () => !(await view(p1)).backends.find((q) => q.id === 'b')?.draining);
    } finally {
      await Promise.all([p1.close(), p2?.close(), p3?.close()]);
    }
  }, 60_000);

  it("answers analytics over every proxy's traffic (scope=local: this one's)", async (ctx) => {
    if (!redis.reachable()) ctx.skip();
    const cfg = sharedConfig(`${redis.prefix}${++n}:`);
    const p1 = await startTestProxy('raw', { ...cfg, shared: { ...cfg.shared, node_id: 'p1' } });
    const p2 = await startTestProxy('raw', { ...cfg, shared: { ...cfg.shared, node_id: 'p2' } });
    try {
      for (let i = 0; i < 30; i++) await (await request(`${p1.url}/x`)).body.text();
      for (let i = 0; i < 20; i++) await (await request(`${p2.url}/x`)).body.text();
      const total = async (p: RunningProxy, q = '') =>
        (await admin(p, 'GET', `/admin/analytics?window=1h${q}`)).body;
      await waitFor(
        async () => ((await total(p1)).totals as { requests: number }).requests === 50,
        5000,
        100,
      );
      const all = await total(p1);
      expect(all.proxies).toEqual({ self: 'p1', others: ['p2'], complete: true });
      expect(((await total(p1, '&scope=local')).totals as { requests: number }).requests).toBe(30);
      expect(((await total(p2)).totals as { requests: number }).requests).toBe(50);
      const report = await admin(p2, 'GET', '/admin/analytics/report?period=hourly');
      expect(report.status).toBe(200);
      expect(JSON.stringify(report.body)).toContain('"requests":50');
      const text = await request(`${p2.adminUrl}/admin/analytics/report?period=hourly&format=text`);
      expect(await text.body.text()).toMatch(/Proxies: p2, p1\n$/);
    } finally {
      await Promise.all([p1.close(), p2.close()]);
    }
  }, 30_000);

  it('keeps a sticky session on its backend whichever proxy the client reaches', async (ctx) => {
    if (!redis.reachable()) ctx.skip();
    const cfg = sharedConfig(`${redis.prefix}${++n}:`, {
      strategy: { name: 'sticky-cookie', fallback: 'round-robin' },
    });
    const p1 = await startTestProxy('raw', cfg);
    const p2 = await startTestProxy('raw', cfg);
    try {
      for (const first of ['a', 'b']) {
        // Round robin on p1 until the client lands on `first`, then keep its cookie.
        let cookie = '';
        for (let i = 0; i < 4 && !cookie; i++) {
          const res = await request(`${p1.url}/login`);
          const name = ((await res.body.json()) as { name: string }).name;
          const set = String(res.headers['set-cookie'] ?? '');
          if (name === first) cookie = set.split(';')[0]!;
        }
        expect(cookie).toBe(`sb_backend=${first}`);
        for (let i = 0; i < 6; i++) {
          const res = await request(`${(i % 2 ? p1 : p2).url}/board`, { headers: { cookie } });
          expect(((await res.body.json()) as { name: string }).name).toBe(first);
        }
      }
    } finally {
      await Promise.all([p1.close(), p2.close()]);
    }
  }, 30_000);

  it('with Redis down: the proxy serves, a change gets a coded 503 and changes nothing', async () => {
    const p = await startTestProxy('raw', {
      backends: [{ id: 'a', url: a.url }],
      health: { enabled: false },
      shared: { redis_url: 'redis://127.0.0.1:1', node_id: 'lonely' },
    });
    try {
      expect((await request(`${p.url}/x`)).statusCode).toBe(200);
      const refused = await admin(p, 'PATCH', '/admin/backends/a', { weight: 4 });
      expect(refused.status).toBe(503);
      expect((refused.body.error as { code: string }).code).toBe('SB_ERR_UNAVAILABLE');
      expect((await view(p)).backends[0]?.weight).toBe(1);
      // Malformed JSON is still a 400: it never reaches the log.
      const res = await request(`${p.adminUrl}/admin/backends/a`, {
        method: 'PATCH',
        body: '{"wei',
      });
      expect(res.statusCode).toBe(400);
      await res.body.text();
      const analytics = await admin(p, 'GET', '/admin/analytics?window=1h');
      expect(analytics.status).toBe(200);
      expect((analytics.body.proxies as { complete: boolean }).complete).toBe(false);
    } finally {
      await p.close();
    }
  }, 30_000);
});

describe('one proxy with admin.persist', () => {
  it('keeps its admin changes across a restart; without it, the config rules', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-admin-persist-'));
    const cfg = (persist: boolean) => ({
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      health: { enabled: false },
      drain_timeout: '1h',
      data_dir: dir,
      admin: { persist },
    });
    try {
      let p = await startTestProxy('raw', cfg(true));
      expect((await admin(p, 'PATCH', '/admin/backends/a', { weight: 3 })).status).toBe(200);
      expect((await admin(p, 'POST', '/admin/backends/b/drain')).status).toBe(202);
      expect((await admin(p, 'PATCH', '/admin/backends/zz', { weight: 3 })).status).toBe(404);
      await p.close();
      p = await startTestProxy('raw', cfg(true));
      const kept = await view(p);
      expect(kept.backends.map((x) => [x.id, x.weight, x.draining])).toEqual([
        ['a', 3, false],
        ['b', 1, true],
      ]);
      await p.close();
      p = await startTestProxy('raw', cfg(false));
      expect((await view(p)).backends.map((x) => [x.id, x.weight, x.draining])).toEqual([
        ['a', 1, false],
        ['b', 1, false],
      ]);
      await p.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

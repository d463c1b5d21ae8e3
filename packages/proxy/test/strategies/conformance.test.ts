import { describe, expect, it } from 'vitest';
import { createStrategy, STRATEGY_NAMES, type StrategyName } from '../../src/strategies/index.js';
import type { PickContext, Target } from '../../src/strategies/types.js';
import { forEachEngine } from '../helpers/engines.js';

/**
 * One suite, every strategy (hono's router/common.case.test.ts style):
 * generic properties for all, then each strategy's own promise.
 */
interface T extends Target {
  id: string;
  effectiveWeight: number;
  load: number;
  state: 'up' | 'down' | 'draining';
}

function targets(...weights: number[]): T[] {
  return weights.map((w, i) => ({ id: `b${i + 1}`, effectiveWeight: w, load: 0, state: 'up' }));
}

/** What the pool hands a strategy: usable backends only (never down or draining). */
function usable(list: T[]): T[] {
  return list.filter((t) => t.state === 'up');
}

function ctx(
  ip = '10.0.0.1',
  headers: Record<string, string> = {},
  cookies: Record<string, string> = {},
): PickContext {
  return {
    clientIp: ip,
    header: (n) => headers[n],
    cookie: (n) => cookies[n],
    setCookie: undefined,
  };
}

const OPTIONS: Record<StrategyName, Record<string, unknown>> = {
  random: { seed: 42 },
  'round-robin': {},
  'weighted-round-robin': {},
  'least-connections': {},
  p2c: { seed: 7 },
  'ip-hash': {},
  'consistent-hash': { header: 'x-user' },
  'sticky-cookie': { cookie: 'sb_backend' },
};

function make(name: StrategyName) {
  return createStrategy({ name, ...OPTIONS[name] });
}

function countPicks(
  name: StrategyName,
  list: T[],
  n: number,
  c: (i: number) => PickContext = (i) => ctx(`10.0.${i >> 8}.${i & 255}`),
) {
  const s = make(name);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const t = s.pick(usable(list), c(i));
    if (t) counts[t.id] = (counts[t.id] ?? 0) + 1;
  }
  return counts;
}

describe.each(STRATEGY_NAMES.map((n) => [n]))('strategy %s (conformance)', (name) => {
  it('returns undefined for no targets and the only target for one', () => {
    const s = make(name);
    expect(s.pick([], ctx())).toBeUndefined();
    const [one] = targets(1);
    expect(s.pick([one as T], ctx())).toBe(one);
  });

  it('only ever picks from the usable list: never a down or draining backend', () => {
    const list = targets(3, 1, 1, 2);
    (list[1] as T).state = 'down';
    (list[3] as T).state = 'draining';
    const counts = countPicks(name, list, 500);
    expect(counts.b2 ?? 0).toBe(0);
    expect(counts.b4 ?? 0).toBe(0);
    expect((counts.b1 ?? 0) + (counts.b3 ?? 0)).toBe(500);
  });

  it('keeps working when a backend leaves and comes back', () => {
    const s = make(name);
    const list = targets(1, 1, 1);
    for (let i = 0; i < 50; i++) s.pick(usable(list), ctx(`10.1.0.${i}`));
    (list[0] as T).state = 'down';
    for (let i = 0; i < 100; i++)
      expect(s.pick(usable(list), ctx(`10.1.0.${i}`))?.id).not.toBe('b1');
    (list[0] as T).state = 'up';
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(s.pick(usable(list), ctx(`10.2.${i}.9`))?.id ?? '');
    // Stateless-key strategies spread keys; sticky ones spread their fallbacks.
    expect(seen.has('b1')).toBe(true);
  });
});

describe('strategy distributions', () => {
  it('round-robin is exactly even', () => {
    expect(countPicks('round-robin', targets(5, 1, 1), 300)).toEqual({ b1: 100, b2: 100, b3: 100 });
  });

  it('smooth weighted round-robin: 5:1:1 over 700 requests is exactly 500/100/100, interleaved', () => {
    expect(countPicks('weighted-round-robin', targets(5, 1, 1), 700)).toEqual({
      b1: 500,
      b2: 100,
      b3: 100,
    });
    const s = make('weighted-round-robin');
    const list = targets(5, 1, 1);
    const seq = Array.from({ length: 7 }, () => s.pick(list, ctx())?.id).join(',');
    // nginx's documented sequence for {a:5, b:1, c:1}.
    expect(seq).toBe('b1,b1,b2,b1,b3,b1,b1');
  });

  it('random follows the weights within statistical bounds', () => {
    const counts = countPicks('random', targets(2, 1, 1), 20_000);
    expect((counts.b1 ?? 0) / 20_000).toBeGreaterThan(0.47);
    expect((counts.b1 ?? 0) / 20_000).toBeLessThan(0.53);
    expect((counts.b2 ?? 0) / 20_000).toBeGreaterThan(0.22);
    expect((counts.b3 ?? 0) / 20_000).toBeGreaterThan(0.22);
  });

  it('p2c spreads evenly when idle and avoids the loaded backend', () => {
    const counts = countPicks('p2c', targets(1, 1, 1, 1), 20_000);
    for (const id of ['b1', 'b2', 'b3', 'b4']) {
      expect((counts[id] ?? 0) / 20_000).toBeGreaterThan(0.22);
      expect((counts[id] ?? 0) / 20_000).toBeLessThan(0.28);
    }
    const list = targets(1, 1, 1, 1);
    (list[0] as T).load = 50;
    const loaded = countPicks('p2c', list, 10_000);
    // b1 only wins when both samples are b1, which cannot happen: never picked.
    expect(loaded.b1 ?? 0).toBe(0);
  });

  it('least-connections picks the least loaded (per weight) and rotates ties', () => {
    const s = make('least-connections');
    const list = targets(1, 1, 1);
    (list[0] as T).load = 3;
    (list[1] as T).load = 1;
    (list[2] as T).load = 2;
    expect(s.pick(list, ctx())?.id).toBe('b2');
    const weighted = targets(4, 1);
    (weighted[0] as T).load = 3; // 3/4 < 1/1
    (weighted[1] as T).load = 1;
    expect(s.pick(weighted, ctx())?.id).toBe('b1');
    expect(countPicks('least-connections', targets(1, 1, 1), 300)).toEqual({
      b1: 100,
      b2: 100,
      b3: 100,
    });
  });

  it('ip-hash is sticky per client IP and spreads clients', () => {
    const s = make('ip-hash');
    const list = targets(1, 1, 1);
    const first = new Map<string, string>();
    for (let i = 0; i < 300; i++)
      first.set(`10.9.${i}.1`, s.pick(list, ctx(`10.9.${i}.1`))?.id as string);
    for (const [ip, id] of first) expect(s.pick(list, ctx(ip))?.id).toBe(id);
    const spread = countPicks('ip-hash', list, 3000);
    for (const id of ['b1', 'b2', 'b3']) expect((spread[id] ?? 0) / 3000).toBeGreaterThan(0.25);
  });

  it('ip-hash and consistent-hash remap minimally when a backend leaves, and restore when it returns', () => {
    for (const name of ['ip-hash', 'consistent-hash'] as const) {
      const s = make(name);
      const list = targets(1, 1, 1, 1);
      const keyCtx = (i: number) => ctx(`172.16.${i >> 8}.${i & 255}`, { 'x-user': `user-${i}` });
      const before = Array.from({ length: 2000 }, (_, i) => s.pick(usable(list), keyCtx(i))?.id);
      (list[2] as T).state = 'down';
      const during = Array.from({ length: 2000 }, (_, i) => s.pick(usable(list), keyCtx(i))?.id);
      let moved = 0;
      before.forEach((id, i) => {
        if (id !== 'b3') expect(during[i], `${name} key ${i}`).toBe(id);
        else moved++;
      });
      expect(moved).toBeGreaterThan(300);
      (list[2] as T).state = 'up';
      const after = Array.from({ length: 2000 }, (_, i) => s.pick(usable(list), keyCtx(i))?.id);
      expect(after).toEqual(before);
    }
  });

  it('consistent-hash keys on the header, falls back to cookie then IP, and bounds load', () => {
    const s = createStrategy({
      name: 'consistent-hash',
      header: 'x-user',
      cookie: 'sid',
      load_factor: 1.25,
    });
    const list = targets(1, 1, 1);
    const a = s.pick(list, ctx('1.1.1.1', { 'x-user': 'alice' }))?.id;
    for (let i = 0; i < 20; i++)
      expect(s.pick(list, ctx(`2.2.2.${i}`, { 'x-user': 'alice' }))?.id).toBe(a);
    const c = s.pick(list, ctx('3.3.3.3', {}, { sid: 'abc' }))?.id;
    for (let i = 0; i < 20; i++)
      expect(s.pick(list, ctx(`4.4.4.${i}`, {}, { sid: 'abc' }))?.id).toBe(c);
    // Overload alice's backend: with bounded load she spills to another one.
    const home = list.find((t) => t.id === a) as T;
    home.load = 10;
    const spilled = s.pick(list, ctx('1.1.1.1', { 'x-user': 'alice' }))?.id;
    expect(spilled).not.toBe(a);
    home.load = 0;
    expect(s.pick(list, ctx('1.1.1.1', { 'x-user': 'alice' }))?.id).toBe(a);
  });

  it('sticky-cookie sets a cookie naming the backend, honours it, and falls back when it is down', () => {
    const s = make('sticky-cookie');
    const list = targets(1, 1, 1);
    const c1 = ctx();
    const first = s.pick(list, c1);
    expect(c1.setCookie).toMatch(
      new RegExp(`^sb_backend=${first?.id}; Path=/; HttpOnly; SameSite=Lax`),
    );
    for (let i = 0; i < 30; i++) {
      const c = ctx(`9.9.9.${i}`, {}, { sb_backend: 'b2' });
      expect(s.pick(list, c)?.id).toBe('b2');
      expect(c.setCookie).toBeUndefined();
    }
    (list[1] as T).state = 'down';
    const c = ctx('9.9.9.9', {}, { sb_backend: 'b2' });
    const fallback = s.pick(usable(list), c);
    expect(fallback?.id).not.toBe('b2');
    expect(c.setCookie).toContain(`sb_backend=${fallback?.id}`);
  });
});

forEachEngine('strategies through the proxy', (engine) => {
  it('sticky-cookie pins a client and re-pins it when its backend is drained', async () => {
    const { startBackend } = await import('../helpers/backends.js');
    const { startTestProxy } = await import('../helpers/proxy.js');
    const { request } = await import('undici');
    const [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    const p = await startTestProxy(engine, {
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: { name: 'sticky-cookie', cookie: 'sb_backend' },
      health: { enabled: false },
    });
    try {
      const first = await request(p.url + '/');
      await first.body.dump();
      const pinned = first.headers['x-served-by'] as string;
      const cookie = (first.headers['set-cookie'] as string).split(';')[0] as string;
      expect(cookie).toBe(`sb_backend=${pinned}`);
      for (let i = 0; i < 5; i++) {
        const r = await request(p.url + '/', { headers: { cookie } });
        expect(r.headers['x-served-by']).toBe(pinned);
        expect(r.headers['set-cookie']).toBeUndefined();
        await r.body.dump();
      }
      p.pools().get('default')!.get(pinned)!.drain(0);
      const moved = await request(p.url + '/', { headers: { cookie } });
      await moved.body.dump();
      expect(moved.headers['x-served-by']).not.toBe(pinned);
      expect(moved.headers['set-cookie']).toContain(`sb_backend=${moved.headers['x-served-by']}`);
    } finally {
      await p.close();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('consistent-hash keeps a header key on one backend through the proxy', async () => {
    const { startBackend } = await import('../helpers/backends.js');
    const { startTestProxy } = await import('../helpers/proxy.js');
    const { request } = await import('undici');
    const backends = await Promise.all(['a', 'b', 'c'].map((n) => startBackend(n)));
    const p = await startTestProxy(engine, {
      backends: backends.map((x) => ({ id: x.name, url: x.url })),
      strategy: { name: 'consistent-hash', header: 'x-user-id' },
      health: { enabled: false },
    });
    try {
      const owners = new Map<string, string>();
      for (let round = 0; round < 3; round++) {
        for (let u = 0; u < 12; u++) {
          const r = await request(p.url + '/', { headers: { 'x-user-id': `user-${u}` } });
          await r.body.dump();
          const by = r.headers['x-served-by'] as string;
          if (round === 0) owners.set(`user-${u}`, by);
          else expect(by).toBe(owners.get(`user-${u}`));
        }
      }
      expect(new Set(owners.values()).size).toBeGreaterThan(1);
    } finally {
      await p.close();
      await Promise.all(backends.map((x) => x.close()));
    }
  });
});

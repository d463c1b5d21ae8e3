import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadPort, startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

/**
 * Mixed failure under concurrency: slow, failing, resetting and dead backends,
 * clients that abort at random. Afterwards every counter is back to zero and
 * the proxy still serves — the accounting invariant behind drain and
 * least-connections.
 */
forEachEngine('chaos', (engine) => {
  let flaky: TestBackend;
  let good: TestBackend;
  let proxy: ProxyServer;

  beforeAll(async () => {
    let n = 0;
    flaky = await startBackend('flaky', {
      handler: (req, res) => {
        const k = n++ % 5;
        if (k === 0) req.socket.destroy();
        else if (k === 1) setTimeout(() => res.end('slow'), 30);
        else if (k === 2) {
          res.statusCode = 500;
          res.end('boom');
        } else if (k === 3) {
          res.writeHead(200, { 'content-length': 100 });
          res.write('partial');
          setTimeout(() => res.destroy(), 5);
        } else res.end('ok');
      },
    });
    good = await startBackend('good');
    proxy = await startTestProxy(engine, {
      strategy: 'least-connections',
      backends: [
        { id: 'flaky', url: flaky.url },
        { id: 'good', url: good.url },
        { id: 'dead', url: `http://127.0.0.1:${await deadPort()}` },
      ],
      health: { enabled: false },
      passive: { consecutive_failures: 1000 },
      timeouts: { headers: '2s' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([flaky.close(), good.close()]);
  });

  it('keeps its books straight through 400 concurrent requests of every kind', async () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const outcomes: string[] = [];
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const ac = new AbortController();
        if (rand() < 0.2) setTimeout(() => ac.abort(), Math.floor(rand() * 40));
        const method = rand() < 0.3 ? 'POST' : 'GET';
        try {
          const res = await request(proxy.url + `/c/${i}`, {
            method,
            body: method === 'POST' ? `{"i":${i}}` : undefined,
            signal: ac.signal,
          });
          await res.body.text();
          outcomes.push(String(res.statusCode));
        } catch (e) {
          outcomes.push((e as Error).name);
        }
      }),
    );
    // Answers are real statuses or client-side aborts/resets — never a hang.
    expect(outcomes).toHaveLength(400);
    expect(outcomes.filter((o) => o === '200').length).toBeGreaterThan(100);
    await waitFor(() => proxy.backends().every((b) => b.stats.active_requests === 0), 5000);
    for (const b of proxy.backends()) expect(b.stats.active_requests, b.id).toBe(0);
    // Still serving: the chaos spent the retry budget (a request that lands on
    // the dead backend may get a 502 until it refills at min_per_second), so
    // ask until a backend's own answer comes back.
    const statuses: number[] = [];
    await waitFor(
      async () => {
        const after = await request(proxy.url + '/after');
        await after.body.dump();
        statuses.push(after.statusCode);
        return after.statusCode === 200 || after.statusCode === 500;
      },
      5000,
      100,
    );
    expect(
      statuses.every((s) => [200, 500, 502].includes(s)),
      String(statuses),
    ).toBe(true);
    const health = await request(proxy.url + '/health');
    expect(await health.body.text()).toBe('OK');
  }, 30_000);
});

import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { deadPort, startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import { forEachEngine, type Engine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function backend(
  name: string,
  opts?: Parameters<typeof startBackend>[1],
): Promise<TestBackend> {
  const b = await startBackend(name, opts);
  cleanup.push(() => b.close());
  return b;
}

async function proxy(engine: Engine, input: Record<string, unknown>): Promise<ProxyServer> {
  const p = await startTestProxy(engine, input);
  cleanup.push(() => p.close());
  return p;
}

forEachEngine('retries and failover', (engine) => {
  it('retries an idempotent GET on another backend when the first refuses the connection', async () => {
    const good = await backend('good');
    const p = await proxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'dead', url: `http://127.0.0.1:${await deadPort()}` },
        { id: 'good', url: good.url },
      ],
      health: { enabled: false },
      passive: { enabled: false },
    });
    for (let i = 0; i < 6; i++) {
      const res = await request(p.url + `/r${i}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-served-by']).toBe('good');
      await res.body.dump();
    }
    expect(p.pools().get('default')!.get('dead')!.failures).toBeGreaterThanOrEqual(3);
  });

  it('retries a POST only when nothing was sent (connection refused) — documented choice', async () => {
    const good = await backend('good');
    const p = await proxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'dead', url: `http://127.0.0.1:${await deadPort()}` },
        { id: 'good', url: good.url },
      ],
      health: { enabled: false },
      passive: { enabled: false },
    });
    for (let i = 0; i < 2; i++) {
      const res = await request(p.url + '/create', {
        method: 'POST',
        body: `{"n":${i}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as { body: string };
      expect(body.body).toBe(`{"n":${i}}`);
    }
    expect(good.seen.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('never retries a POST or PATCH that reached a backend', async () => {
    let hits = 0;
    const crashing = await backend('crashing', {
      handler: (req) => {
        hits++;
        req.socket.destroy(); // read the request, then die without answering
      },
    });
    const good = await backend('good');
    const p = await proxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'crashing', url: crashing.url },
        { id: 'good', url: good.url },
      ],
      health: { enabled: false },
      passive: { enabled: false },
    });
    for (const method of ['POST', 'PATCH'] as const) {
      // Round-robin: first of each pair goes to the crashing backend.
      const res = await request(p.url + '/tasks/1', { method, body: '{"title":"x"}' });
      expect(res.statusCode).toBe(502);
      expect(res.headers['x-served-by']).toBe('crashing');
      await res.body.dump();
      const ok = await request(p.url + '/tasks/1', { method, body: '{}' });
      expect(ok.headers['x-served-by']).toBe('good');
      await ok.body.dump();
    }
    expect(hits).toBe(2);
    expect(good.seen.filter((r) => r.url === '/tasks/1')).toHaveLength(2); // only the second of each pair
  });

  it('retries a GET whose connection was reset after sending', async () => {
    const crashing = await backend('crashing', { handler: (req) => req.socket.destroy() });
    const good = await backend('good');
    const p = await proxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'crashing', url: crashing.url },
        { id: 'good', url: good.url },
      ],
      health: { enabled: false },
      passive: { enabled: false },
    });
    for (let i = 0; i < 4; i++) {
      const res = await request(p.url + '/x');
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-served-by']).toBe('good');
      await res.body.dump();
    }
  });

  it('respects max_retries and the retry budget', async () => {
    const ports = [await deadPort(), await deadPort(), await deadPort()];
    const p = await proxy(engine, {
      backends: ports.map((port, i) => ({ id: `d${i}`, url: `http://127.0.0.1:${port}` })),
      health: { enabled: false },
      passive: { enabled: false },
      retries: { max_retries: 1, budget_ratio: 0, min_per_second: 0 },
    });
    const res = await request(p.url + '/x');
    expect(res.statusCode).toBe(502);
    await res.body.dump();
    const tried = ports.map((_, i) => p.pools().get('default')!.get(`d${i}`)!.totalRequests);
    expect(tried.reduce((x, y) => x + y)).toBe(2); // one try + one retry
  });

  it('runs out of backends before retries, and keeps its counters straight', async () => {
    const ports = [await deadPort(), await deadPort()];
    const p = await proxy(engine, {
      backends: ports.map((port, i) => ({ id: `d${i}`, url: `http://127.0.0.1:${port}` })),
      health: { enabled: false },
      passive: { enabled: false },
      retries: { max_retries: 5 },
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(p.url + '/x');
      expect(res.statusCode).toBe(502);
      await res.body.dump();
    }
    for (const b of p.pools().get('default')!.backends) {
      expect(b.activeRequests).toBe(0);
      expect(b.totalRequests).toBe(3); // each request tried both, once
    }
  });

  it('kills a backend under load: zero failed GETs, and the admin API shows it down within two check intervals', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const c = await backend('c');
    const p = await proxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
        { id: 'c', url: c.url },
      ],
      health: { interval: '200ms', timeout: '100ms', fall: 1, rise: 1 },
    });
    let failed = 0;
    let done = 0;
    let killedAt = 0;
    const worker = async () => {
      while (done < 200) {
        const n = done++;
        if (n === 60) {
          killedAt = Date.now();
          void b.kill();
        }
        const res = await request(p.url + `/load/${n}`);
        if (res.statusCode !== 200) failed++;
        await res.body.dump();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failed).toBe(0);
    await waitFor(async () => {
      const res = await request(p.adminUrl + '/admin/backends');
      const { backends } = (await res.body.json()) as { backends: { id: string; state: string }[] };
      return backends.find((x) => x.id === 'b')?.state === 'down';
    }, 400);
    expect(Date.now() - killedAt).toBeLessThan(2 * 200 + 400);
  });
});

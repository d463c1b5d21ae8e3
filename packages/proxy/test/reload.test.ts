import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseProxyConfig } from '../src/index.js';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';

forEachEngine('reload without dropping connections', (engine) => {
  let a: TestBackend;
  let b: TestBackend;
  let slow: TestBackend;
  beforeAll(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    slow = await startBackend('slow', {
      handler: (_req, res) => setTimeout(() => res.end('slow done'), 300),
    });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), slow.close()]);
  });

  it('keeps in-flight requests and live WebSockets, keeps stats for matching ids, applies the rest', async () => {
    const two = (
      main: { id: string; url: string; weight?: number }[],
      withSlow: boolean,
      strategy = 'round-robin',
    ) =>
      parseProxyConfig({
        listen: '127.0.0.1:0',
        log: { level: 'silent', access: false },
        analytics: { persist: false },
        pools: {
          main: { backends: main, strategy, health: { enabled: false } },
          ...(withSlow
            ? { slowp: { backends: [{ id: 'slow', url: slow.url }], health: { enabled: false } } }
            : {}),
        },
        routes: [
          ...(withSlow ? [{ match: { path_prefix: '/slow' }, pool: 'slowp' }] : []),
          { match: { path_prefix: '/' }, pool: 'main' },
        ],
      });
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      health: { enabled: false },
    });
    try {
      await p.reload(two([{ id: 'a', url: a.url }], true));
      for (let i = 0; i < 3; i++) await (await request(p.url + '/')).body.dump();
      const ws = new WebSocket(p.url.replace('http', 'ws') + '/ws');
      await new Promise((r) => ws.once('message', r));
      const inflight = request(p.url + '/slow');
      await waitFor(() => p.pools().get('slowp')!.get('slow')!.activeRequests === 1);

      // Reload: weights and strategy change, a backend joins, the slow pool goes away.
      await p.reload(
        two(
          [
            { id: 'a', url: a.url, weight: 2 },
            { id: 'b', url: b.url },
          ],
          false,
          'weighted-round-robin',
        ),
      );
      const res = await inflight;
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('slow done');

      ws.send('after reload');
      expect(await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())))).toBe(
        'a:after reload',
      );

      const sa = p.backends().find((x) => x.id === 'a')!;
      expect(sa.weight).toBe(2);
      expect(sa.stats.total_requests).toBe(3); // kept across the reload
      expect(sa.stats.active_websockets).toBe(1);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 6; i++) {
        const r = await request(p.url + '/');
        counts[r.headers['x-served-by'] as string] =
          (counts[r.headers['x-served-by'] as string] ?? 0) + 1;
        await r.body.dump();
      }
      expect(counts).toEqual({ a: 4, b: 2 });

      // Removing "a" from the config drains it: no new traffic, its WebSocket lives on.
      await p.reload(two([{ id: 'b', url: b.url }], false));
      expect(p.backends().map((x) => x.id)).toEqual(['b']);
      ws.send('still');
      expect(await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())))).toBe(
        'a:still',
      );
      ws.close();
    } finally {
      await p.close();
    }
  });

  it('adds and removes pools and routes on reload', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      health: { enabled: false },
    });
    try {
      await p.reload(
        parseProxyConfig({
          listen: '127.0.0.1:0',
          log: { level: 'silent' },
          analytics: { persist: false },
          pools: {
            api: { backends: [{ id: 'a', url: a.url }], health: { enabled: false } },
            other: { backends: [{ id: 'b', url: b.url }], health: { enabled: false } },
          },
          routes: [
            { match: { path_prefix: '/api' }, pool: 'api' },
            { match: { path_prefix: '/' }, pool: 'other' },
          ],
        }),
      );
      const r1 = await request(p.url + '/api/x');
      expect(r1.headers['x-served-by']).toBe('a');
      await r1.body.dump();
      const r2 = await request(p.url + '/else');
      expect(r2.headers['x-served-by']).toBe('b');
      await r2.body.dump();
      expect([...p.pools().keys()]).toEqual(['api', 'other']);
    } finally {
      await p.close();
    }
  });
});

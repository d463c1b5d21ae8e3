import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

forEachEngine('passive ejection and drain over real traffic', (engine) => {
  let sick: TestBackend;
  let well: TestBackend;
  let proxy: ProxyServer;
  let failing = true;

  beforeAll(async () => {
    sick = await startBackend('sick', {
      handler: (_req, res) => {
        res.statusCode = failing ? 503 : 200;
        res.end(failing ? 'down' : 'fine');
      },
    });
    well = await startBackend('well');
    proxy = await startTestProxy(engine, {
      strategy: 'round-robin',
      backends: [
        { id: 'sick', url: sick.url },
        { id: 'well', url: well.url },
      ],
      health: { enabled: false },
      passive: { consecutive_failures: 3, base_ejection: '300ms', max_ejection: '5s' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([sick.close(), well.close()]);
  });

  async function hit(): Promise<{ by: string; status: number }> {
    const r = await request(proxy.url + '/x');
    await r.body.dump();
    return { by: r.headers['x-served-by'] as string, status: r.statusCode };
  }

  it('ejects after consecutive 5xx, sends nothing there while ejected, and takes it back after the back-off', async () => {
    const seen: { by: string; status: number }[] = [];
    for (let i = 0; i < 6; i++) seen.push(await hit());
    // Round-robin: sick answered 503 three times (relayed as-is), then was ejected.
    expect(seen.filter((s) => s.by === 'sick')).toHaveLength(3);
    expect(seen.filter((s) => s.status === 503)).toHaveLength(3);
    const snap = (await (await request(proxy.adminUrl + '/admin/backends/sick')).body.json()) as {
      state: string;
      ejected_until: string | null;
      stats: { failures: number };
    };
    expect(snap.state).toBe('down');
    expect(snap.ejected_until).not.toBeNull();
    expect(snap.stats.failures).toBe(3);
    for (let i = 0; i < 5; i++) expect((await hit()).by).toBe('well');
    expect(await proxy.metrics.text()).toMatch(
      /sb_proxy_ejections_total\{pool="default",backend="sick"\} 1/,
    );

    failing = false;
    await waitFor(() => proxy.backends().find((b) => b.id === 'sick')?.state !== 'down', 2000);
    const back = new Set<string>();
    for (let i = 0; i < 4; i++) back.add((await hit()).by);
    expect(back).toEqual(new Set(['sick', 'well']));
  });

  it('drain and undrain through the admin API', async () => {
    const drain = await request(proxy.adminUrl + '/admin/backends/well/drain', { method: 'POST' });
    expect(drain.statusCode).toBe(202);
    await drain.body.dump();
    for (let i = 0; i < 4; i++) expect((await hit()).by).toBe('sick');
    const undrain = await request(proxy.adminUrl + '/admin/backends/well/undrain', {
      method: 'POST',
    });
    expect(((await undrain.body.json()) as { state: string }).state).toBe('up');
    const by = new Set<string>();
    for (let i = 0; i < 4; i++) by.add((await hit()).by);
    expect(by).toEqual(new Set(['sick', 'well']));
  });
});

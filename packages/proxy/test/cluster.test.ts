import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Analytics, parseProxyConfig, startProxy, type RunningProxy } from '../src/index.js';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { promtoolAvailable, promtoolCheck } from '../../../test-support/promtool.js';
import { silentLogger, waitFor } from './helpers/proxy.js';

/** workers: 2 — the primary hosts the admin API over both workers. */
describe('cluster mode', () => {
  let dir: string;
  let a: TestBackend;
  let b: TestBackend;
  let proxy: RunningProxy;

  beforeAll(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-cluster-'));
    proxy = await startProxy(
      parseProxyConfig({
        workers: 2,
        data_dir: dir,
        listen: '127.0.0.1:0',
        admin: { listen: '127.0.0.1:0' },
        log: { level: 'silent', access: false },
        analytics: { persist: true },
        backends: [{ id: 'a', url: a.url }],
        health: { interval: '1h' },
        rate_limit: { default: { per_ip: { limit: 30, window: '1m' } } },
      }),
      { logger: silentLogger, shutdownGraceMs: 500 },
    );
  }, 30_000);
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  async function admin(method: string, path: string, body?: unknown) {
    const res = await request(proxy.adminUrl + path, {
      method: method as 'GET',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }

  it('serves traffic from both workers and sums their stats in the admin API', async () => {
    expect(proxy.workers).toBe(2);
    // Separate connections so the primary hands them to both workers.
    for (let i = 0; i < 10; i++) {
      const res = await request(proxy.url + '/x', { reset: true });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    const list = (await admin('GET', '/admin/backends')).json().backends as {
      id: string;
      stats: { total_requests: number };
    }[];
    expect(list[0]?.stats.total_requests).toBe(10);
    await waitFor(() => proxy.backends()[0]?.stats.total_requests === 10, 3000);
  });

  it('applies admin changes to every worker', async () => {
    const add = await admin('POST', '/admin/backends', { id: 'b', url: b.url });
    expect(add.status).toBe(201);
    await admin('PUT', '/admin/strategy', { name: 'round-robin' });
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await request(proxy.url + '/y', { reset: true });
      seen.add(res.headers['x-served-by'] as string);
      await res.body.dump();
    }
    expect(seen).toEqual(new Set(['a', 'b']));
    const bad = await admin('PATCH', '/admin/backends/zzz', { weight: 1 });
    expect(bad.status).toBe(404);
  });

  it('aggregates metrics and merges analytics across workers, and shares rate limits', async () => {
    const metrics = await admin('GET', '/metrics');
    expect(metrics.text).toMatch(
      /sb_proxy_requests_total\{route="default",backend="a",method="GET",status_class="2xx"\} \d+/,
    );
    // The merged exposition parses and lints clean too.
    if (promtoolAvailable()) {
      const checked = await promtoolCheck(metrics.text);
      expect(checked.output).toBe('');
      expect(checked.code).toBe(0);
    }
    const analytics = (await admin('GET', '/admin/analytics?window=1h')).json() as {
      totals: { requests: number };
    };
    expect(analytics.totals.requests).toBe(22);
    // 30 per minute per IP across both workers: 22 used, 8 left.
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request(proxy.url + '/z', { reset: true });
      codes.push(res.statusCode);
      await res.body.dump();
    }
    expect(codes.filter((c) => c === 200)).toHaveLength(8);
  });

  it('saves the merged analytics on close', async () => {
    await proxy.close();
    const saved = await Analytics.fromFile(path.join(dir, 'proxy-analytics.json'));
    expect(saved.query({ window: 3_600_000 }).totals.requests).toBe(32);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { Analytics, buildReport, formatReport } from '../src/index.js';
import { startBackend } from './helpers/backends.js';
import { startTestProxy } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');

function seeded() {
  let now = T0;
  const a = new Analytics(() => now);
  // Hour 0: 10 requests; hour 1: 50 (peak); hour 2: 3 (lowest); hour 3: 20.
  const plan: [number, number][] = [
    [0, 10],
    [1, 50],
    [2, 3],
    [3, 20],
  ];
  for (const [hour, n] of plan) {
    for (let i = 0; i < n; i++) {
      now = T0 + hour * H + i * 1000;
      const status = i % 10 === 0 ? 503 : i % 5 === 0 ? 404 : 200;
      a.record(i % 2 ? 'api' : 'web', i % 2 ? 'api-1' : undefined, status, 2 + (i % 7), 100);
    }
  }
  now = T0 + 3 * H + 30 * 60_000;
  return { a, now: () => now };
}

describe('analytics engine', () => {
  it('rolls requests up per minute, hour and day with status and latency distribution', () => {
    const { a, now } = seeded();
    const day = a.query({ window: 24 * H, now: now() });
    expect(day.resolution).toBe('hour');
    expect(day.totals.requests).toBe(83);
    expect(day.totals.status_codes).toEqual({ '200': 66, '404': 8, '503': 9 });
    expect(day.totals.status_classes['5xx']).toBe(9);
    expect(day.totals.latency_ms.p50).toBeGreaterThan(2);
    expect(day.totals.latency_ms.p99).toBeLessThanOrEqual(8);
    expect(day.peak).toEqual({ at: new Date(T0 + H).toISOString(), requests: 50 });
    expect(day.lowest).toEqual({ at: new Date(T0 + 2 * H).toISOString(), requests: 3 });

    const hour = a.query({ window: H, now: now() });
    expect(hour.resolution).toBe('minute');
    expect(hour.series).toHaveLength(60);
    expect(hour.totals.requests).toBe(20);

    const byBackend = a.query({ window: 24 * H, now: now(), group: 'backend' });
    expect(Object.keys(byBackend.groups)).toEqual(['api-1']);
    const byRoute = a.query({ window: 24 * H, now: now(), group: 'route' });
    expect(byRoute.groups.api!.requests + byRoute.groups.web!.requests).toBe(83);
    const byStatus = a.query({ window: 24 * H, now: now(), group: 'status' });
    expect(byStatus.groups['404']!.requests).toBe(8);
  });

  it('keeps memory bounded: old buckets are overwritten in their rings', () => {
    let now = T0;
    const a = new Analytics(() => now);
    for (let m = 0; m < 3000; m++) {
      now = T0 + m * 60_000;
      a.record('r', 'b', 200, 1, 1);
    }
    const filled = a.rings.minute.slots.filter(Boolean).length;
    expect(filled).toBe(1440);
    expect(a.query({ window: H, now }).totals.requests).toBe(60);
  });

  it('builds hourly and daily reports, as JSON and text', () => {
    const { a, now } = seeded();
    const r = buildReport(a, 'hourly', now());
    expect(r.rows).toHaveLength(4);
    expect(r.peak).toEqual({ start: new Date(T0 + H).toISOString(), requests: 50 });
    expect(r.totals.requests).toBe(83);
    const text = formatReport(r);
    expect(text).toContain('hourly report');
    expect(text).toContain('peak     2026-03-02 01:00  50 requests');
    expect(text).toContain('lowest   2026-03-02 02:00  3 requests');
    expect(text).toMatch(/api-1\s+41/);
    const daily = buildReport(a, 'daily', now());
    expect(daily.rows).toHaveLength(1);
    expect(formatReport(daily)).toContain('2026-03-02');
  });

  it('persists to a JSON file and reloads', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-analytics-'));
    try {
      const { a, now } = seeded();
      const file = path.join(dir, 'a.json');
      await a.save(file);
      const b = await Analytics.fromFile(file, now);
      expect(b.query({ window: 24 * H }).totals).toEqual(a.query({ window: 24 * H }).totals);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

forEachEngine('analytics of live traffic', (engine) => {
  it('is served by the admin API from live traffic, and saved on shutdown', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-analytics-'));
    const backend = await startBackend('a', {
      handler: (req, res) => {
        res.statusCode = req.url === '/missing' ? 404 : 200;
        res.end('x');
      },
    });
    const p = await startTestProxy(engine, {
      data_dir: dir,
      analytics: { persist: true },
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
    });
    try {
      for (const u of ['/', '/', '/missing']) await (await request(p.url + u)).body.dump();
      const res = await request(p.adminUrl + '/admin/analytics?window=1h&group=backend');
      const body = (await res.body.json()) as {
        totals: { requests: number; status_codes: Record<string, number> };
        groups: Record<string, { requests: number }>;
      };
      expect(body.totals.requests).toBe(3);
      expect(body.totals.status_codes).toEqual({ '200': 2, '404': 1 });
      expect(body.groups.a!.requests).toBe(3);
      const text = await request(p.adminUrl + '/admin/analytics/report?period=hourly&format=text');
      expect(text.headers['content-type']).toMatch(/text\/plain/);
      expect(await text.body.text()).toContain('requests 3');
    } finally {
      await p.close();
      await backend.close();
    }
    const saved = await Analytics.fromFile(path.join(dir, 'proxy-analytics.json'));
    expect(saved.query({ window: H }).totals.requests).toBe(3);
    await rm(dir, { recursive: true, force: true });
  });
});

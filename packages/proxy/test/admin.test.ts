import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import { parseProxyConfig, STRATEGY_NAMES, startProxy } from '../src/index.js';
import type { ProxyServer } from '../src/proxy-server.js';
import { silentLogger } from './helpers/proxy.js';

const TOKEN = 'test-token-0123456789abcdef';

async function call(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await request(base + path, {
    method: method as 'GET',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (metrics).
  }
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: json as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

forEachEngine('admin API', (engine) => {
  let a: TestBackend;
  let b: TestBackend;
  let c: TestBackend;
  let proxy: ProxyServer;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('c')]);
    proxy = await startTestProxy(engine, {
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: 'round-robin',
      health: { interval: '1h' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('lists backends with id, url, state, weight and stats (loopback, no token needed)', async () => {
    const r = await call(proxy.adminUrl, 'GET', '/admin/backends');
    expect(r.status).toBe(200);
    const list = r.json.backends as Record<string, unknown>[];
    expect(list.map((x) => x.id)).toEqual(['a', 'b']);
    expect(list[0]).toMatchObject({
      id: 'a',
      url: a.url,
      state: 'up',
      weight: 1,
      pool: 'default',
      stats: { active_requests: 0, active_websockets: 0, total_requests: 0, failures: 0 },
    });
  });

  it('adds, patches, checks and deletes a backend, applying each change at once', async () => {
    const add = await call(proxy.adminUrl, 'POST', '/admin/backends', {
      id: 'c',
      url: c.url,
      weight: 2,
    });
    expect(add.status).toBe(201);
    expect(add.json).toMatchObject({ id: 'c', url: c.url, weight: 2 });
    const served = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const r = await request(proxy.url + '/');
      served.add(r.headers['x-served-by'] as string);
      await r.body.dump();
    }
    expect(served).toEqual(new Set(['a', 'b', 'c']));

    const dup = await call(proxy.adminUrl, 'POST', '/admin/backends', { id: 'c', url: c.url });
    expect(dup.status).toBe(409);
    expect(dup.json.error?.code).toBe('SB_ERR_CONFLICT');

    const patch = await call(proxy.adminUrl, 'PATCH', '/admin/backends/c', { weight: 5 });
    expect(patch.status).toBe(200);
    expect(patch.json.weight).toBe(5);

    const check = await call(proxy.adminUrl, 'POST', '/admin/backends/c/check');
    expect(check.status).toBe(200);
    expect(check.json.result).toMatchObject({ ok: true, status: 200 });
    expect(
      (check.json.backend as { stats: { last_check: { ok: boolean } } }).stats.last_check.ok,
    ).toBe(true);

    const del = await call(proxy.adminUrl, 'DELETE', '/admin/backends/c');
    expect(del.status).toBe(200);
    const after = await call(proxy.adminUrl, 'GET', '/admin/backends');
    expect((after.json.backends as { id: string }[]).map((x) => x.id)).toEqual(['a', 'b']);
    const gone = await call(proxy.adminUrl, 'DELETE', '/admin/backends/c');
    expect(gone.status).toBe(404);
    expect(gone.json.error?.code).toBe('SB_ERR_NOT_FOUND');
  });

  it('generates an id when none is given', async () => {
    const add = await call(proxy.adminUrl, 'POST', '/admin/backends', { url: c.url });
    expect(add.status).toBe(201);
    expect(add.json.id).toBe('default-3');
    await call(proxy.adminUrl, 'DELETE', '/admin/backends/default-3');
  });

  it('switches strategy at runtime', async () => {
    const get = await call(proxy.adminUrl, 'GET', '/admin/strategy');
    expect(get.json).toMatchObject({ pool: 'default', name: 'round-robin' });
    // Every strategy the proxy has, for a client to offer (the web admin's picker).
    expect(get.json.available).toEqual([...STRATEGY_NAMES]);
    expect(get.json.available).toContain('sticky-cookie');
    await call(proxy.adminUrl, 'PATCH', '/admin/backends/a', { weight: 3 });
    const put = await call(proxy.adminUrl, 'PUT', '/admin/strategy', {
      name: 'weighted-round-robin',
    });
    expect(put.status).toBe(200);
    expect(put.json.name).toBe('weighted-round-robin');
    const counts: Record<string, number> = {};
    for (let i = 0; i < 8; i++) {
      const r = await request(proxy.url + '/');
      const id = r.headers['x-served-by'] as string;
      counts[id] = (counts[id] ?? 0) + 1;
      await r.body.dump();
    }
    expect(counts).toEqual({ a: 6, b: 2 });
    const sticky = await call(proxy.adminUrl, 'PUT', '/admin/strategy', {
      name: 'sticky-cookie',
      cookie: 'sb_be',
    });
    expect(sticky.status).toBe(200);
    const r = await request(proxy.url + '/');
    expect(r.headers['set-cookie']).toMatch(/^sb_be=(a|b); Path=\/; HttpOnly; SameSite=Lax$/);
    await r.body.dump();
    await call(proxy.adminUrl, 'PATCH', '/admin/backends/a', { weight: 1 });
    await call(proxy.adminUrl, 'PUT', '/admin/strategy', { name: 'round-robin' });
  });

  it.each([
    ['POST', '/admin/backends', '{not json', 400, 'SB_ERR_MALFORMED_JSON'],
    ['POST', '/admin/backends', { url: 'ftp://x' }, 400, 'SB_ERR_VALIDATION'],
    [
      'POST',
      '/admin/backends',
      { url: 'http://127.0.0.1:1', weight: -1 },
      400,
      'SB_ERR_VALIDATION',
    ],
    [
      'POST',
      '/admin/backends',
      { url: 'http://127.0.0.1:1', extra: true },
      400,
      'SB_ERR_VALIDATION',
    ],
    [
      'POST',
      '/admin/backends',
      { url: 'http://127.0.0.1:1', pool: 'nope' },
      404,
      'SB_ERR_NOT_FOUND',
    ],
    ['PATCH', '/admin/backends/a', { weight: 'heavy' }, 400, 'SB_ERR_VALIDATION'],
    ['PATCH', '/admin/backends/zzz', { weight: 1 }, 404, 'SB_ERR_NOT_FOUND'],
    ['PUT', '/admin/strategy', { name: 'fastest' }, 400, 'SB_ERR_VALIDATION'],
    ['PUT', '/admin/strategy', [1, 2], 400, 'SB_ERR_VALIDATION'],
    ['POST', '/admin/backends/a/drain', { timeout_ms: 'soon' }, 400, 'SB_ERR_VALIDATION'],
    ['GET', '/admin/analytics?window=forever', undefined, 400, 'SB_ERR_VALIDATION'],
    ['GET', '/admin/analytics?group=planet', undefined, 400, 'SB_ERR_VALIDATION'],
    ['DELETE', '/admin/strategy', undefined, 405, 'SB_ERR_METHOD_NOT_ALLOWED'],
    ['GET', '/admin/nothing', undefined, 404, 'SB_ERR_ROUTE_NOT_FOUND'],
    ['GET', '/admin/backends/%E0%A4%A', undefined, 400, 'SB_ERR_BAD_REQUEST'],
    ['POST', '/admin/backends', 'x'.repeat(70_000), 413, 'SB_ERR_PAYLOAD_TOO_LARGE'],
  ] as const)('%s %s with bad input → coded %i', async (method, path, body, status, code) => {
    const r = await call(proxy.adminUrl, method, path, body);
    expect(r.status).toBe(status);
    expect(r.json.error?.code).toBe(code);
  });

  it('names the field and the choices when a strategy is unknown', async () => {
    const r = await call(proxy.adminUrl, 'PUT', '/admin/strategy', { name: 'fastest' });
    expect(r.status).toBe(400);
    expect(r.json.error?.message).toMatch(/^name: .*"least-connections"/);
  });

  it('serves Prometheus metrics on the admin listener', async () => {
    const r = await call(proxy.adminUrl, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    for (const series of [
      'sb_proxy_requests_total{route="default",backend="a",method="GET",status_class="2xx"}',
      'sb_proxy_request_duration_seconds_bucket{le="0.001",route="default",backend="a"}',
      'sb_proxy_backend_up{pool="default",backend="a"} 1',
      'sb_proxy_backend_state{pool="default",backend="b",state="up"} 1',
      'sb_proxy_active_connections',
      'sb_proxy_active_websockets',
      'sb_proxy_backend_active_websockets{pool="default",backend="a"}',
      'sb_proxy_retries_total',
      'sb_proxy_ejections_total',
      'sb_proxy_rate_limited_total',
      'sb_proxy_health_checks_total{pool="default",backend="c",result="ok"}',
    ]) {
      expect(r.text).toContain(series);
    }
  });
});

forEachEngine('admin authentication', (engine) => {
  let a: TestBackend;
  beforeAll(async () => {
    a = await startBackend('a');
  });
  afterAll(async () => {
    await a.close();
  });

  it('with a token configured, requires it on every admin request', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      admin: { token: TOKEN },
    });
    try {
      const none = await call(p.adminUrl, 'GET', '/admin/backends');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.json.error?.code).toBe('SB_ERR_UNAUTHENTICATED');
      expect(
        (await call(p.adminUrl, 'GET', '/metrics', undefined, 'wrong-token-0123456789')).status,
      ).toBe(401);
      expect((await call(p.adminUrl, 'GET', '/admin/backends', undefined, TOKEN)).status).toBe(200);
    } finally {
      await p.close();
    }
  });

  it('exposes the admin API on the main listener only with a token, and only to its bearer', async () => {
    const open = await startTestProxy(engine, { backends: [{ id: 'a', url: a.url }] });
    const locked = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      admin: { token: TOKEN },
    });
    try {
      // Without a token configured, /admin/... on the main listener is just proxied.
      const r = await call(open.url, 'GET', '/admin/backends');
      expect(r.headers['x-served-by']).toBe('a');
      expect((await call(locked.url, 'GET', '/admin/backends')).status).toBe(401);
      const ok = await call(locked.url, 'GET', '/admin/backends', undefined, TOKEN);
      expect(ok.status).toBe(200);
      expect(ok.headers['x-served-by']).toBeUndefined();
    } finally {
      await open.close();
      await locked.close();
    }
  });

  it('sends a browser that opens /admin on the main listener to browser_page; API calls are untouched', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      admin: { token: TOKEN, browser_page: '/backends' },
    });
    try {
      const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      for (const path of ['/admin', '/admin/']) {
        const r = await request(p.url + path, { headers: html });
        await r.body.dump();
        expect(r.statusCode, path).toBe(302);
        expect(r.headers.location).toBe('/backends');
      }
      // Not a page load: the API answers as before.
      const api = await request(p.url + '/admin/backends', { headers: html });
      await api.body.dump();
      expect(api.statusCode).toBe(401);
      const json = await request(p.url + '/admin');
      await json.body.dump();
      expect(json.statusCode).toBe(401);
      const bearer = await request(p.url + '/admin', {
        headers: { ...html, authorization: `Bearer ${TOKEN}` },
      });
      await bearer.body.dump();
      expect(bearer.statusCode).not.toBe(302);
    } finally {
      await p.close();
    }
  });

  it('refuses to start an admin listener beyond loopback without a token', async () => {
    expect(() =>
      parseProxyConfig({ backends: [{ url: a.url }], admin: { listen: '0.0.0.0:0' } }),
    ).toThrow(/admin\.token: required when admin\.listen is not a loopback address/);
    // With a token it starts.
    const config = parseProxyConfig({
      listen: '127.0.0.1:0',
      backends: [{ url: a.url }],
      admin: { listen: '0.0.0.0:0', token: TOKEN },
      log: { level: 'silent' },
      analytics: { persist: false },
    });
    const p = await startProxy(config, { logger: silentLogger });
    await p.close();
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCliConfig, ConfigError, loadProxyConfig, parseProxyConfig } from '../src/index.js';

function issues(input: unknown): string[] {
  try {
    parseProxyConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe('config', () => {
  it('fills defaults and turns the top-level shorthand into the "default" pool with a catch-all route', () => {
    const c = parseProxyConfig({
      backends: [{ url: 'http://127.0.0.1:3001' }, { url: 'http://127.0.0.1:3002', weight: 3 }],
    });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.admin.listen).toEqual({ host: '127.0.0.1', port: 8081 });
    const pool = c.pools.default!;
    expect(pool.backends).toEqual([
      { id: 'backend-1', url: 'http://127.0.0.1:3001', weight: 1 },
      { id: 'backend-2', url: 'http://127.0.0.1:3002', weight: 3 },
    ]);
    expect(pool.health).toMatchObject({
      interval: 5000,
      timeout: 2000,
      rise: 2,
      fall: 3,
      // What any web server answers (GET / with a 2xx or 3xx), not an endpoint of ours.
      path: '/',
      expect_status: [[200, 399]],
    });
    expect(pool.strategy).toEqual({ name: 'round-robin' });
    expect(c.routes).toEqual([
      { name: 'default', match: {}, pool: 'default', strip_prefix: false },
    ]);
  });

  it('parses durations: "5m" is five minutes', () => {
    const c = parseProxyConfig({
      backends: [],
      health: { interval: '5m', timeout: '1.5s' },
      slow_start: 30000,
    });
    expect(c.pools.default!.health.interval).toBe(300_000);
    expect(c.pools.default!.health.timeout).toBe(1500);
    expect(c.pools.default!.slow_start).toBe(30_000);
  });

  it('names the bad key in every error', () => {
    expect(issues({ backends: [{ url: 'http://a:1' }, { url: 'not a url' }] })).toEqual([
      'backends[1].url: Invalid URL (expected http:// or https://)',
    ]);
    expect(
      issues({ pools: { api: { backends: [{ url: 'http://a:1', weight: 'x' }] } } })[0],
    ).toMatch(/^pools\.api\.backends\[0\]\.weight: /);
    expect(issues({ health: { interval: 'soon' } })[0]).toMatch(/^health\.interval: /);
    expect(issues({ listen: 'localhost:99999' })[0]).toMatch(/^listen: port out of range/);
    expect(issues({ server: { trusted_proxies: ['10.0.0.0/33'] } })[0]).toMatch(
      /^server\.trusted_proxies\[0\]: /,
    );
    expect(issues({ strategy: 'fastest' })[0]).toMatch(/^strategy\.name: .*"round-robin"/);
    expect(issues({ strategy: { name: 'p2c', colour: 'red' } })[0]).toMatch(/^strategy: .*colour/);
    expect(issues({ routes: [{ match: { path_prefix: '/x' } }] })[0]).toMatch(
      /^routes\[0\]: A route needs exactly one of pool or static/,
    );
    expect(issues({ routes: [{ pool: 'ghost' }] })).toEqual([
      'routes[0].pool: unknown pool "ghost"',
    ]);
    // …also when the file has other problems: every one is listed at once.
    expect(
      issues({
        pools: { api: { backends: [{ url: 'not a url' }] } },
        routes: [{ pool: 'api' }, { pool: 'ghost', match: { path: '/g' } }],
      }),
    ).toEqual([
      'pools.api.backends[0].url: Invalid URL (expected http:// or https://)',
      'routes[1].pool: unknown pool "ghost"',
    ]);
    expect(issues({ backends: [{ url: 'http://a:1/path' }] })[0]).toMatch(
      /^backends\[0\]\.url: Backend URL must be an origin/,
    );
  });

  it('rejects unknown keys, at any depth', () => {
    expect(issues({ bakends: [] })[0]).toMatch(/^\(root\): Unrecognized key: "bakends"/);
    expect(issues({ health: { intervall: '5s' } })[0]).toMatch(
      /^health: Unrecognized key: "intervall"/,
    );
    expect(issues({ backends: [{ url: 'http://a:1', wieght: 2 }] })[0]).toMatch(
      /^backends\[0\]: Unrecognized key/,
    );
  });

  it('rejects duplicate backend ids across pools', () => {
    expect(
      issues({
        pools: {
          a: { backends: [{ id: 'x', url: 'http://a:1' }] },
          b: { backends: [{ id: 'x', url: 'http://b:1' }] },
        },
      }),
    ).toEqual(['pools.b.backends[0].id: duplicate backend id "x" (also pools.a.backends[0])']);
  });

  it('requires an admin token beyond loopback and TLS material unless self-signed', () => {
    expect(issues({ admin: { listen: '0.0.0.0:8081' } })[0]).toMatch(/^admin\.token: required/);
    expect(issues({ admin: { listen: '127.0.0.1:8081' } })).toEqual([]);
    expect(issues({ tls: { cert: 'a.pem' } })[0]).toMatch(
      /^tls: tls needs cert and key, or self_signed: true/,
    );
  });

  it('loads and validates the committed example configs', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const main = await loadProxyConfig(path.join(here, '../examples/proxy.yaml'));
    expect(Object.keys(main.pools)).toEqual(['api']);
    const front = await loadProxyConfig(path.join(here, '../examples/front-door.yaml'));
    expect(Object.keys(front.pools)).toEqual(['todo', 'chat', 'news']);
  });

  it('says a config file is missing in words, naming it', async () => {
    const missing = path.join(tmpdir(), 'sb-no-such-dir', 'proxy.yaml');
    for (const load of [
      () => loadProxyConfig(missing),
      () => buildCliConfig({ config: missing, backend: [], tls: false }, {}),
    ]) {
      const err = await load().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([`${missing}: config file not found`]);
    }
  });

  it("--health-path sets the default pool's check; without --backend it says what it needs", async () => {
    const c = await buildCliConfig(
      { backend: ['http://127.0.0.1:3001'], healthPath: '/healthz', tls: false },
      {},
    );
    expect(c.pools.default!.health.path).toBe('/healthz');
    const plain = await buildCliConfig({ backend: ['http://127.0.0.1:3001'], tls: false }, {});
    expect(plain.pools.default!.health.path).toBe('/');
    await expect(
      buildCliConfig({ backend: [], healthPath: '/healthz', tls: false }, {}),
    ).rejects.toThrow(/--health-path \(HEALTH_PATH\): .*--backend URL \(BACKENDS\)/);
  });

  it('reports YAML syntax errors with the file name', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-config-'));
    try {
      const file = path.join(dir, 'bad.yaml');
      await writeFile(file, 'backends: [\n  - url: x\n');
      await expect(loadProxyConfig(file)).rejects.toThrow(/bad\.yaml: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cli flags and environment override the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-config-'));
    try {
      const file = path.join(dir, 'p.yaml');
      await writeFile(file, 'listen: 127.0.0.1:9000\nbackends:\n  - url: http://127.0.0.1:3001\n');
      const c = await buildCliConfig(
        {
          config: file,
          backend: ['http://127.0.0.1:3002'],
          tls: true,
          port: 9443,
          admin: '127.0.0.1:9001',
        },
        { ADMIN_ADDR: '127.0.0.1:7777', REDIS_URL: 'redis://127.0.0.1:6379', LOG_LEVEL: 'warn' },
      );
      expect(c.listen).toEqual({ host: '127.0.0.1', port: 9443 });
      expect(c.admin.listen).toEqual({ host: '127.0.0.1', port: 9001 });
      expect(c.pools.default!.backends.map((b) => b.url)).toEqual([
        'http://127.0.0.1:3001',
        'http://127.0.0.1:3002',
      ]);
      expect(c.tls).toMatchObject({ enabled: true, self_signed: true });
      expect(c.rate_limit.redis_url).toBe('redis://127.0.0.1:6379');
      expect(c.log.level).toBe('warn');
      const env = await buildCliConfig(
        { backend: ['http://127.0.0.1:1'], tls: false },
        { ADMIN_ADDR: '127.0.0.1:7777' },
      );
      expect(env.admin.listen.port).toBe(7777);
      await expect(
        buildCliConfig({ backend: ['http://x:1'], tls: false }, { ADMIN_ADDR: '0.0.0.0:1' }),
      ).rejects.toThrow(/admin\.token/);
      const withToken = await buildCliConfig(
        { backend: ['http://x:1'], tls: false },
        { ADMIN_ADDR: '0.0.0.0:1', ADMIN_TOKEN: 'a-long-enough-admin-token' },
      );
      expect(withToken.admin.token).toBe('a-long-enough-admin-token');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

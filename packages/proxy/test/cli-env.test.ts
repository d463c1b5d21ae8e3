import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliConfig, ConfigError, withEnvironment } from '../src/index.js';
import { startBackend, type TestBackend } from './helpers/backends.js';

/**
 * The proxy as a container runs it (12-factor): `switchboard proxy` with no
 * flags, configured by PROXY_CONFIG, BACKENDS, HEALTH_PATH, PORT and DATA_DIR.
 */
const runner = fileURLToPath(new URL('./helpers/run-cli.ts', import.meta.url));
const noFlags = { backend: [], tls: false };

describe('withEnvironment: the proxy configured from the environment', () => {
  it('takes backends (http and dns://), health path, port and data directory from the environment', async () => {
    const env = {
      BACKENDS: 'http://127.0.0.1:3001, dns://api-headless.switchboard.svc:3000,',
      HEALTH_PATH: '/ready',
      PORT: '9090',
      DATA_DIR: '/data',
    };
    const config = await buildCliConfig(withEnvironment(noFlags, env), env);
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(config.data_dir).toBe('/data');
    const pool = config.pools.default!;
    expect(pool.backends.map((b) => b.url)).toEqual([
      'http://127.0.0.1:3001',
      'dns://api-headless.switchboard.svc:3000',
    ]);
    expect(pool.health.path).toBe('/ready');
  });

  it('a flag wins over its variable', () => {
    const env = { BACKENDS: 'http://a:1', HEALTH_PATH: '/e', PORT: '1', PROXY_CONFIG: '/e.yaml' };
    const flags = withEnvironment(
      { backend: ['http://b:2'], healthPath: '/f', port: 2, config: '/f.yaml', tls: false },
      env,
    );
    expect(flags).toMatchObject({
      backend: ['http://b:2'],
      healthPath: '/f',
      port: 2,
      config: '/f.yaml',
    });
    expect(withEnvironment(noFlags, env).config).toBe('/e.yaml');
  });

  it('names the variable when a value is wrong', async () => {
    expect(() => withEnvironment(noFlags, { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => withEnvironment(noFlags, { PORT: '70000' })).toThrow(/PORT: not a port/);
    const env = { HEALTH_PATH: '/ready' };
    await expect(buildCliConfig(withEnvironment(noFlags, env), env)).rejects.toThrow(/HEALTH_PATH/);
    const bad = { BACKENDS: 'http://127.0.0.1:1,not a url' };
    await expect(buildCliConfig(withEnvironment(noFlags, bad), bad)).rejects.toThrow(
      /backends\[1\]\.url/,
    );
  });

  it('empty variables count as unset', () => {
    const flags = withEnvironment(noFlags, {
      BACKENDS: '',
      HEALTH_PATH: '',
      PORT: '',
      DATA_DIR: '',
      PROXY_CONFIG: '',
    });
    expect(flags).toEqual(noFlags);
  });
});

describe('switchboard proxy with no flags', () => {
  let dir: string;
  let a: TestBackend;
  let b: TestBackend;
  const checked: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-env-'));
    const handler = (name: string) => (req: { url?: string }, res: ServerResponse) => {
      if (req.url === '/healthz') checked.push(name);
      res.end(name);
    };
    [a, b] = await Promise.all([
      startBackend('a', { handler: handler('a') }),
      startBackend('b', { handler: handler('b') }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  function run(env: Record<string, string>) {
    // Only what the test gives: nothing inherited may configure the proxy.
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', runner], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { child, exited, output: () => out };
  }

  it('serves the BACKENDS on PORT, checks HEALTH_PATH and keeps its data in DATA_DIR', async () => {
    const dataDir = path.join(dir, 'data');
    const proxy = run({
      BACKENDS: `${a.url},${b.url}`,
      HEALTH_PATH: '/healthz',
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_ADDR: '127.0.0.1:0',
    });
    try {
      const deadline = Date.now() + 15_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline && proxy.child.exitCode === null) {
        url = /switchboard proxy on (\S+),/.exec(proxy.output())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, proxy.output()).toBeDefined();
      const served = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const res = await request(`${url}/`);
        served.add(await res.body.text());
      }
      expect([...served].sort()).toEqual(['a', 'b']);
      expect(checked).toEqual(expect.arrayContaining(['a', 'b']));
      proxy.child.kill('SIGTERM');
      expect(await proxy.exited).toBe(0);
      // Analytics are kept across restarts in the data directory.
      expect(existsSync(path.join(dataDir, 'proxy-analytics.json'))).toBe(true);
    } finally {
      proxy.child.kill('SIGKILL');
    }
  }, 30_000);

  it('with neither flags nor variables, says which variables it takes', async () => {
    const proxy = run({});
    expect(await proxy.exited).toBe(2);
    expect(proxy.output()).toContain('PROXY_CONFIG or BACKENDS');
  }, 20_000);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { waitFor } from './helpers/proxy.js';

const runner = fileURLToPath(new URL('./helpers/run-cli.ts', import.meta.url));

function yaml(backends: { id: string; url: string }[], dataDir: string): string {
  return [
    'listen: 127.0.0.1:0',
    `data_dir: ${JSON.stringify(dataDir)}`,
    'admin: { listen: "127.0.0.1:0" }',
    'log: { level: warn, access: false }',
    'health: { enabled: false }',
    'backends:',
    ...backends.map((b) => `  - { id: ${b.id}, url: "${b.url}" }`),
    '',
  ].join('\n');
}

describe('switchboard proxy (runProxyCli)', () => {
  let dir: string;
  let a: TestBackend;
  let b: TestBackend;
  let slow: TestBackend;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-cli-'));
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    slow = await startBackend('slow', {
      handler: (_req, res) => setTimeout(() => res.end('finished'), 500),
    });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), slow.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  function start(args: string[]): {
    child: ChildProcess;
    urls: Promise<{ url: string; admin: string }>;
    output: () => string;
  } {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', runner, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const urls = new Promise<{ url: string; admin: string }>((resolve, reject) => {
      const check = () => {
        const m = /switchboard proxy on (\S+), admin on (\S+)/.exec(out);
        if (m) resolve({ url: m[1]!, admin: m[2]! });
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    urls.catch(() => {}); // awaited only by the tests that expect a start
    return { child, urls, output: () => out };
  }

  it('reloads on SIGHUP without dropping a WebSocket, and shuts down gracefully on SIGTERM', async () => {
    const file = path.join(dir, 'proxy.yaml');
    await writeFile(file, yaml([{ id: 'a', url: a.url }], dir));
    const { child, urls, output } = start(['--config', file]);
    const { url, admin } = await urls;
    const r1 = await request(url + '/');
    expect(r1.headers['x-served-by']).toBe('a');
    await r1.body.dump();
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
    await new Promise((r) => ws.once('message', r));

    await writeFile(
      file,
      yaml(
        [
          { id: 'a', url: a.url },
          { id: 'b', url: b.url },
          { id: 'slow', url: slow.url },
        ],
        dir,
      ),
    );
    child.kill('SIGHUP');
    await waitFor(() => output().includes('configuration reloaded'));
    const list = (await (await request(admin + '/admin/backends')).body.json()) as {
      backends: { id: string }[];
    };
    expect(list.backends.map((x) => x.id)).toEqual(['a', 'b', 'slow']);
    ws.send('alive');
    expect(await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())))).toBe(
      'a:alive',
    );

    // A bad file on SIGHUP keeps the running config.
    await writeFile(file, 'backends: [{ url: nope }]\n');
    child.kill('SIGHUP');
    await waitFor(() => output().includes('reload failed'));
    expect(output()).toContain('backends[0].url');

    // In-flight requests finish during a graceful shutdown.
    const inflight = Promise.all([0, 1, 2].map(() => request(url + '/slow')));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const done = await inflight;
    expect(done.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    await Promise.all(done.map((r) => r.body.dump()));
    expect(await exit).toBe(0);
    ws.terminate();
  }, 20_000);

  it('prints usage and fails on bad flags or config', async () => {
    const bad = start(['--port', 'x', '--backend', a.url]);
    const code = await new Promise((r) => bad.child.once('exit', r));
    expect(code).toBe(2);
    expect(bad.output()).toContain('usage: switchboard proxy');
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'backends:\n  - url: http://127.0.0.1:1\n  - url: 42\n');
    const invalid = start(['--config', file]);
    expect(await new Promise((r) => invalid.child.once('exit', r))).toBe(1);
    expect(invalid.output()).toContain('backends[1].url');
  }, 20_000);

  it('in front of an ordinary web server: GET / keeps it up; --health-path checks that path, and the log says why it went down', async () => {
    // Like `python3 -m http.server`: pages at /, 404 for anything else.
    const web = await startBackend('web', {
      handler: (req, res) => {
        res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html' });
        res.end(req.url === '/' ? '<h1>Directory listing</h1>' : 'File not found');
      },
    });
    // Quick checks so the test need not wait for the 5 s default; the log level stays the default.
    const file = path.join(dir, 'web.yaml');
    await writeFile(
      file,
      [
        'listen: 127.0.0.1:0',
        `data_dir: ${JSON.stringify(dir)}`,
        'admin: { listen: "127.0.0.1:0" }',
        'log: { access: false }',
        'health: { interval: 100ms, timeout: 1s, fall: 2, rise: 1 }',
        '',
      ].join('\n'),
    );
    const states = async (admin: string): Promise<{ state: string; checks: number }> => {
      const res = await request(admin + '/admin/backends');
      const body = (await res.body.json()) as {
        backends: { state: string; stats: { last_check: { ok: boolean } | null } }[];
      };
      const b = body.backends[0]!;
      return { state: b.state, checks: b.stats.last_check ? 1 : 0 };
    };
    try {
      const plain = start(['--config', file, '--backend', web.url]);
      const up = await plain.urls;
      await waitFor(async () => (await states(up.admin)).checks > 0, 10_000);
      // Several intervals later it is still up, and serves.
      await new Promise((r) => setTimeout(r, 400));
      expect((await states(up.admin)).state).toBe('up');
      const page = await request(up.url + '/');
      expect(page.statusCode).toBe(200);
      await page.body.dump();
      plain.child.kill('SIGTERM');
      await new Promise((r) => plain.child.once('exit', r));

      const checked = start(['--config', file, '--backend', web.url, '--health-path', '/health']);
      const down = await checked.urls;
      await waitFor(async () => (await states(down.admin)).state === 'down', 10_000);
      await waitFor(() => checked.output().includes('out of rotation'), 5_000);
      const line = checked
        .output()
        .split('\n')
        .find((l) => l.includes('out of rotation'));
      expect(JSON.parse(line!)).toMatchObject({
        level: 40,
        event: 'check-down',
        backend: 'backend-1',
        reason: 'GET /health: unexpected status 404',
      });
      checked.child.kill('SIGTERM');
      await new Promise((r) => checked.child.once('exit', r));
    } finally {
      await web.close();
    }
  }, 40_000);
});

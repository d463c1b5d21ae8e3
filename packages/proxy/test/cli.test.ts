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
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync, brotliDecompressSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { rawRequest, startTestProxy, statusOf } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

forEachEngine('static route (the web build)', (engine) => {
  let dir: string;
  let api: TestBackend;
  let proxy: ProxyServer;
  const bigJs = `console.log(${JSON.stringify('x'.repeat(5000))});\n`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-static-'));
    const root = path.join(dir, 'dist');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Switchboard</title>');
    await writeFile(path.join(root, 'assets', 'app-3f9a1c2b.js'), bigJs);
    await writeFile(path.join(root, 'assets', 'style-AbCdEf12.css'), 'body{margin:0}');
    await writeFile(path.join(root, 'assets', 'style-AbCdEf12.css.gz'), gzipSync('body{margin:0}'));
    await writeFile(path.join(root, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(path.join(root, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await writeFile(path.join(root, '.env'), 'SECRET=1');
    await writeFile(path.join(dir, 'outside.txt'), 'secret outside');
    api = await startBackend('api');
    // The default Switchboard layout: /api, /ws → api pool; everything else → the web build.
    proxy = await startTestProxy(engine, {
      pools: { api: { backends: [{ id: 'api-1', url: api.url }], health: { enabled: false } } },
      routes: [
        { name: 'api', match: { path_prefix: '/api' }, pool: 'api' },
        { name: 'ws', match: { path: '/ws' }, pool: 'api' },
        { name: 'web', match: { path_prefix: '/' }, static: { root } },
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function get(
    p: string,
    headers: Record<string, string> = {},
    method: 'GET' | 'HEAD' | 'POST' = 'GET',
  ) {
    const res = await request(proxy.url + p, { headers, method });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  }

  it('serves files with the right content type and validators', async () => {
    const html = await get('/');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['cache-control']).toBe('no-cache');
    expect(html.headers.etag).toMatch(/^W\/"/);
    expect(html.headers['last-modified']).toBeTruthy();
    expect(html.body.toString()).toContain('Switchboard');
    expect(html.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect((await get('/logo.svg')).headers['content-type']).toBe('image/svg+xml');
    const png = await get('/image.png');
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers.vary).toBeUndefined();
    const api = await get('/api/tasks');
    expect(api.headers['x-served-by']).toBe('api-1');
  });

  it('answers conditional requests with 304', async () => {
    const first = await get('/assets/app-3f9a1c2b.js');
    const etag = first.headers.etag as string;
    const byTag = await get('/assets/app-3f9a1c2b.js', { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    const byDate = await get('/assets/app-3f9a1c2b.js', {
      'if-modified-since': first.headers['last-modified'] as string,
    });
    expect(byDate.status).toBe(304);
    const stale = await get('/assets/app-3f9a1c2b.js', { 'if-none-match': 'W/"other"' });
    expect(stale.status).toBe(200);
  });

  it('caches hashed assets for a year', async () => {
    const r = await get('/assets/app-3f9a1c2b.js');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('serves precompressed siblings and compresses text on the fly', async () => {
    const pre = await get('/assets/style-AbCdEf12.css', { 'accept-encoding': 'gzip' });
    expect(pre.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(pre.body).toString()).toBe('body{margin:0}');
    expect(pre.headers.vary).toBe('Accept-Encoding');
    const br = await get('/assets/app-3f9a1c2b.js', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(bigJs);
    const gz = await get('/assets/app-3f9a1c2b.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(bigJs);
    const plain = await get('/assets/app-3f9a1c2b.js', { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(bigJs);
    expect(Number(plain.headers['content-length'])).toBe(bigJs.length);
  });

  it('falls back to index.html for unknown extension-less paths (SPA), 404 for missing files', async () => {
    const spa = await get('/boards/42', { accept: 'text/html' });
    expect(spa.status).toBe(200);
    expect(spa.body.toString()).toContain('Switchboard');
    expect(spa.headers['cache-control']).toBe('no-cache');
    const missing = await get('/assets/missing-12345678.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).error.code).toBe('SB_ERR_NOT_FOUND');
  });

  it('supports HEAD and refuses other methods', async () => {
    const head = await get('/logo.svg', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const post = await get('/logo.svg', {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    '/../outside.txt',
    '/%2e%2e/outside.txt',
    '/assets/%2e%2e/%2e%2e/outside.txt',
    '/..%2foutside.txt',
    '/.env',
    '/assets/..%5c..%5coutside.txt',
  ])('never serves anything outside the root or hidden: %s', async (p) => {
    const raw = await rawRequest(
      proxy.port,
      `GET ${p} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404]).toContain(statusOf(raw));
    expect(raw).not.toContain('secret');
    expect(raw).not.toContain('SECRET');
  });

  it('rejects malformed percent-encoding', async () => {
    const r = await get('/%E0%A4%A');
    expect(r.status).toBe(400);
  });
});

import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadPort, startBackend, type TestBackend } from './helpers/backends.js';
import { rawRequest, startTestProxy, statusOf, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

forEachEngine('forwarding', (engine) => {
  let a: TestBackend;
  let b: TestBackend;
  let proxy: ProxyServer;
  let trustedProxy: ProxyServer;

  beforeAll(async () => {
    a = await startBackend('a', {
      handler: (req, res, body) => {
        if (req.url === '/hop') {
          res.setHeader('connection', 'close, x-hop-secret');
          res.setHeader('x-hop-secret', 'leak');
          res.setHeader('keep-alive', 'timeout=1');
          res.setHeader('proxy-authenticate', 'Basic');
          res.setHeader('x-served-by', 'spoofed');
          res.end('hop');
          return;
        }
        if (req.url === '/stream') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          let n = 0;
          const t = setInterval(() => {
            res.write(`chunk${n}\n`);
            if (++n === 5) {
              clearInterval(t);
              res.end();
            }
          }, 5);
          return;
        }
        if (req.url === '/echo') {
          res.end(`${req.headers['content-length'] ?? 'chunked'}:${body.length}`);
          return;
        }
        if (req.url === '/status/503') {
          res.statusCode = 503;
          res.end('busy');
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            name: 'a',
            url: req.url,
            headers: req.headers,
            rawHeaders: req.rawHeaders,
          }),
        );
      },
    });
    b = await startBackend('b');
    proxy = await startTestProxy(engine, {
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url, weight: 0 },
      ],
      health: { enabled: false },
    });
    trustedProxy = await startTestProxy(engine, {
      backends: [{ id: 'a', url: a.url }],
      health: { enabled: false },
      server: { trusted_proxies: ['127.0.0.0/8'] },
    });
  });

  afterAll(async () => {
    await Promise.all([proxy.close(), trustedProxy.close()]);
    await Promise.all([a.close(), b.close()]);
  });

  async function get(p: ProxyServer, path: string, headers: Record<string, string> = {}) {
    const res = await request(p.url + path, { headers });
    const text = await res.body.text();
    return {
      res,
      text,
      json: () =>
        JSON.parse(text) as { headers: Record<string, string>; url: string; rawHeaders: string[] },
    };
  }

  it('answers /health itself and /ready by backend availability', async () => {
    const h = await request(proxy.url + '/health');
    expect(h.statusCode).toBe(200);
    expect(await h.body.text()).toBe('OK');
    const r = await request(proxy.url + '/ready');
    expect(r.statusCode).toBe(200);
    await r.body.dump();
  });

  it('preserves path, query and end-to-end headers, adds X-Served-By and X-Request-Id', async () => {
    const { res, json } = await get(proxy, '/api/x?q=1&r=%20', {
      'x-custom': 'v',
      accept: 'application/json',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-served-by']).toBe('a');
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const seen = json();
    expect(seen.url).toBe('/api/x?q=1&r=%20');
    expect(seen.headers['x-custom']).toBe('v');
    expect(seen.headers['x-request-id']).toBe(id);
    expect(seen.headers.host).toBe(new URL(proxy.url).host);
  });

  it('passes an incoming X-Request-Id through unchanged', async () => {
    const { res, json } = await get(proxy, '/', { 'x-request-id': 'abc-123' });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(json().headers['x-request-id']).toBe('abc-123');
  });

  it('strips hop-by-hop headers both ways, including those named in Connection', async () => {
    const raw = await rawRequest(
      proxy.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-drop-me\r\nX-Drop-Me: secret\r\nKeep-Alive: 5\r\n' +
        'Proxy-Authorization: Basic Zm9v\r\nTE: trailers\r\nX-Keep: yes\r\nConnection: close\r\n\r\n',
    );
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as {
      headers: Record<string, string>;
    };
    expect(body.headers['x-keep']).toBe('yes');
    expect(body.headers['x-drop-me']).toBeUndefined();
    expect(body.headers['proxy-authorization']).toBeUndefined();
    expect(body.headers.te).toBeUndefined();
    expect(body.headers['keep-alive']).toBeUndefined();

    const { res, text } = await get(proxy, '/hop');
    expect(text).toBe('hop');
    expect(res.headers['x-hop-secret']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.headers['x-served-by']).toBe('a'); // the backend cannot spoof it
  });

  it('does not trust X-Forwarded-* or Forwarded from an untrusted client', async () => {
    const { json } = await get(proxy, '/', {
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6',
    });
    const h = json().headers;
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe(new URL(proxy.url).host);
    expect(h.forwarded).toBe(`for=127.0.0.1;proto=http;host="${new URL(proxy.url).host}"`);
  });

  it('appends to X-Forwarded-* and Forwarded from a trusted proxy', async () => {
    const { json } = await get(trustedProxy, '/', {
      'x-forwarded-for': '203.0.113.7, 10.0.0.2',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'board.example',
      forwarded: 'for=203.0.113.7;proto=https',
    });
    const h = json().headers;
    expect(h['x-forwarded-for']).toBe('203.0.113.7, 10.0.0.2, 127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-forwarded-host']).toBe('board.example');
    expect(h.forwarded).toBe(
      `for=203.0.113.7;proto=https, for=127.0.0.1;proto=http;host="${new URL(trustedProxy.url).host}"`,
    );
  });

  it('streams response bodies as they come', async () => {
    const res = await request(proxy.url + '/stream');
    const chunks: string[] = [];
    for await (const c of res.body) chunks.push(c.toString());
    expect(chunks.join('')).toBe('chunk0\nchunk1\nchunk2\nchunk3\nchunk4\n');
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('streams request bodies, sized and chunked', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const sized = await request(proxy.url + '/echo', { method: 'POST', body: big });
    expect(await sized.body.text()).toBe(`${big.length}:${big.length}`);
    async function* gen() {
      // Slow enough that nobody can know the length up front: chunked end to end.
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 5));
        yield Buffer.from('y'.repeat(1000));
      }
    }
    const chunked = await request(proxy.url + '/echo', {
      method: 'POST',
      body: Readable.from(gen()),
    });
    expect(await chunked.body.text()).toBe('chunked:10000');
  });

  it('relays upstream 5xx as-is (it is an answer, not a proxy error)', async () => {
    const { res, text } = await get(proxy, '/status/503');
    expect(res.statusCode).toBe(503);
    expect(text).toBe('busy');
    expect(res.headers['x-served-by']).toBe('a');
  });

  it('answers 502 with a coded body when the backend is unreachable', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'gone', url: `http://127.0.0.1:${await deadPort()}` }],
      health: { enabled: false },
      passive: { enabled: false },
    });
    try {
      const res = await request(p.url + '/x');
      expect(res.statusCode).toBe(502);
      expect(res.headers['x-served-by']).toBe('gone');
      const body = (await res.body.json()) as {
        error: { code: string; details: { reason: string } };
      };
      expect(body.error.code).toBe('SB_ERR_BAD_GATEWAY');
      expect(body.error.details.reason).toBe('ECONNREFUSED');
    } finally {
      await p.close();
    }
  });

  it('answers 503 SB_ERR_NO_BACKEND when every backend is down, and /ready says so', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'x', url: a.url }],
      health: { enabled: true, initial: 'down', interval: '1h' },
    });
    try {
      const res = await request(p.url + '/x');
      expect(res.statusCode).toBe(503);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
        'SB_ERR_NO_BACKEND',
      );
      const ready = await request(p.url + '/ready');
      expect(ready.statusCode).toBe(503);
      await ready.body.dump();
    } finally {
      await p.close();
    }
  });

  it('says when to retry (Retry-After) when every backend is out of rotation', async () => {
    // Down by active checks (which fail): back after `rise` passes at the earliest.
    const checked = await startTestProxy(engine, {
      backends: [{ id: 'x', url: `http://127.0.0.1:${await deadPort()}` }],
      health: { enabled: true, initial: 'down', interval: '3s', rise: 2 },
    });
    // Ejected by passive outlier detection: back when the ejection ends.
    const failing = await startBackend('failing', {
      handler: (_req, res) => {
        res.statusCode = 500;
        res.end('boom');
      },
    });
    const ejected = await startTestProxy(engine, {
      backends: [{ id: 'f', url: failing.url }],
      health: { enabled: false },
      passive: { consecutive_failures: 1, base_ejection: '20s' },
    });
    try {
      for (const path of ['/x', '/ready']) {
        const res = await request(checked.url + path);
        expect(res.statusCode, path).toBe(503);
        expect(res.headers['retry-after'], path).toBe('6');
        expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
          'SB_ERR_NO_BACKEND',
        );
      }
      const first = await request(ejected.url + '/x');
      expect(first.statusCode).toBe(500);
      await first.body.dump();
      const res = await request(ejected.url + '/x');
      expect(res.statusCode).toBe(503);
      const after = Number(res.headers['retry-after']);
      expect(after).toBeGreaterThanOrEqual(1);
      expect(after).toBeLessThanOrEqual(20);
      await res.body.dump();
    } finally {
      await checked.close();
      await ejected.close();
      await failing.close();
    }
  });

  it('answers 504 when the upstream is too slow, and frees the upstream request when the client aborts', async () => {
    let closedUpstream = 0;
    const slow = await startBackend('slow', {
      handler: (req, res) => {
        res.on('close', () => closedUpstream++);
        if (req.url === '/never') return; // never answers
        setTimeout(() => res.end('late'), 2000);
      },
    });
    const p = await startTestProxy(engine, {
      backends: [{ id: 'slow', url: slow.url }],
      health: { enabled: false },
      timeouts: { headers: '300ms' },
      passive: { enabled: false },
    });
    try {
      const res = await request(p.url + '/slow');
      expect(res.statusCode).toBe(504);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe(
        'SB_ERR_GATEWAY_TIMEOUT',
      );

      const ac = new AbortController();
      const pending = request(p.url + '/never', { signal: ac.signal }).catch((e: Error) => e);
      const backend = p.pools().get('default')!.get('slow')!;
      await waitFor(() => backend.activeRequests === 1);
      const before = closedUpstream;
      ac.abort();
      await pending;
      await waitFor(() => backend.activeRequests === 0 && closedUpstream > before);
    } finally {
      await p.close();
      await slow.close();
    }
  });

  it('writes one JSON access-log line per request (pino), and none when access logging is off', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n'))
          if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const on = await startTestProxy(
      engine,
      {
        backends: [{ id: 'a', url: a.url }],
        health: { enabled: false },
        log: { level: 'info', access: true },
      },
      { logger },
    );
    const off = await startTestProxy(
      engine,
      {
        backends: [{ id: 'a', url: a.url }],
        health: { enabled: false },
        log: { level: 'info', access: false },
      },
      { logger },
    );
    try {
      await (
        await request(on.url + '/logged?x=1', { headers: { 'x-request-id': 'log-1' } })
      ).body.dump();
      await (await request(off.url + '/not-logged')).body.dump();
      await waitFor(() => lines.some((l) => l.msg === 'request'));
      const access = lines.filter((l) => l.msg === 'request');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        req_id: 'log-1',
        method: 'GET',
        path: '/logged?x=1',
        route: 'default',
        backend: 'a',
        status: 200,
        ip: '127.0.0.1',
      });
      expect(access[0]!.ms).toBeTypeOf('number');
      expect(access[0]!.bytes).toBeGreaterThan(0);
    } finally {
      await on.close();
      await off.close();
    }
  });

  it('rejects absolute-form targets with a coded 400', async () => {
    const raw = await rawRequest(
      proxy.port,
      'GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('SB_ERR_BAD_REQUEST');
  });
});

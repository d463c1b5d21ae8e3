import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { bodyOf, rawRequest, startTestProxy, statusOf, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

/** Framing and smuggling cases as scripted bytes, in the manner of nginx-tests. */
forEachEngine('hardening', (engine) => {
  let backend: TestBackend;
  let proxy: ProxyServer;

  beforeAll(async () => {
    backend = await startBackend('a');
    proxy = await startTestProxy(engine, {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      server: { max_header_size: 4096, headers_timeout: '300ms', request_timeout: '2s' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  const cases: [string, string][] = [
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'duplicate Content-Length',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    ],
    ['invalid Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd'],
    ['obs-fold header', 'GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n'],
    [
      'invalid Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc',
    ],
    [
      'chunked not last',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n',
    ],
    ['bare LF line endings', 'GET / HTTP/1.1\nHost: x\n\n'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n'],
    [
      'bad chunk size',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    ],
    ['control character in header', 'GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n'],
    ['missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n'],
    ['duplicate Host', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['garbage request line', 'HELLO\r\n\r\n'],
  ];

  it.each(cases)(
    'rejects %s with a coded 400 and closes; the backend never gets it',
    async (_name, bytes) => {
      const before = backend.seen.length;
      const raw = await rawRequest(proxy.port, bytes);
      expect(statusOf(raw)).toBe(400);
      expect(raw).toMatch(/connection: close/i);
      expect(JSON.parse(bodyOf(raw))).toMatchObject({ error: { code: 'SB_ERR_BAD_REQUEST' } });
      expect(backend.seen.length).toBe(before);
    },
  );

  it('answers oversized headers with 431 SB_ERR_HEADERS_TOO_LARGE', async () => {
    const raw = await rawRequest(
      proxy.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(431);
    expect(bodyOf(raw)).toContain('SB_ERR_HEADERS_TOO_LARGE');
  });

  it('answers a slow header read (slowloris) with 408 and closes', async () => {
    const raw = await new Promise<string>((resolve) => {
      const s = connect(proxy.port, '127.0.0.1');
      let out = '';
      s.on('data', (c) => (out += c.toString()));
      s.on('close', () => resolve(out));
      s.write('GET / HTTP/1.1\r\nHost: x\r\n');
      const t = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
      s.on('close', () => clearInterval(t));
    });
    expect(statusOf(raw)).toBe(408);
    expect(bodyOf(raw)).toContain('SB_ERR_REQUEST_TIMEOUT');
  });

  it('still serves a well-formed keep-alive sequence after all that', async () => {
    const raw = await rawRequest(
      proxy.port,
      'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(raw.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
  });

  it('caps client connections: past max_connections a client gets a coded 503', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
      server: { max_connections: 2 },
    });
    const held = [connect(p.port, '127.0.0.1'), connect(p.port, '127.0.0.1')];
    try {
      await waitFor(() => p.metrics.activeConnections === 2);
      const raw = await rawRequest(p.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(statusOf(raw)).toBe(503);
      expect(bodyOf(raw)).toContain('SB_ERR_UNAVAILABLE');
      for (const s of held) s.destroy();
      await waitFor(() => p.metrics.activeConnections === 0);
      const ok = await request(p.url + '/');
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    } finally {
      for (const s of held) s.destroy();
      await p.close();
    }
  });
});

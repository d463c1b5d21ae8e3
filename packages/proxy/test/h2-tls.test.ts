import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProxyServer } from '../src/proxy-server.js';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { forEachEngine } from './helpers/engines.js';
import { startGrpcBackend, type GrpcBackend } from './helpers/grpc.js';
import { startTestProxy } from './helpers/proxy.js';

interface H2Answer {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
}

function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const s = session.request(headers, { endStream: body === undefined });
    let head: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    s.on('response', (h) => (head = h));
    s.on('trailers', (t) => (trailers = t));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve({ headers: head, trailers, body: Buffer.concat(chunks) }));
    s.on('error', reject);
    if (body !== undefined) s.end(body);
  });
}

forEachEngine('HTTP/2 on the TLS listener (ALPN h2, HTTP/1.1 fallback)', (engine) => {
  let web: TestBackend;
  let g: GrpcBackend;
  let dir: string;
  let proxy: ProxyServer;
  beforeAll(async () => {
    web = await startBackend('web');
    g = await startGrpcBackend('g1');
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-h2tls-'));
    proxy = await startTestProxy(engine, {
      data_dir: dir,
      tls: { self_signed: true },
      pools: {
        web: { backends: [{ id: 'web', url: web.url }], health: { enabled: false } },
        grpc: {
          protocol: 'h2c',
          backends: [{ id: 'g1', url: g.url }],
          health: { enabled: false },
        },
      },
      routes: [
        { match: { path_prefix: '/test.Echo/' }, pool: 'grpc' },
        { match: { path_prefix: '/' }, pool: 'web' },
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await web.close();
    await g.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('negotiates h2 and proxies requests (with bodies) to an HTTP/1.1 pool', async () => {
    const session = connect(proxy.url, { rejectUnauthorized: false });
    try {
      await new Promise<void>((r) => session.once('connect', () => r()));
      expect(session.alpnProtocol).toBe('h2');
      const get = await h2Request(session, { ':method': 'GET', ':path': '/hello?x=1' });
      expect(get.headers[':status']).toBe(200);
      expect(get.headers['x-served-by']).toBe('web');
      const seen = JSON.parse(get.body.toString()) as { url: string; headers: IncomingHttpHeaders };
      expect(seen.url).toBe('/hello?x=1');
      expect(seen.headers.host).toBe(new URL(proxy.url).host);
      expect(seen.headers['x-forwarded-proto']).toBe('https');
      const post = await h2Request(
        session,
        { ':method': 'POST', ':path': '/echo', 'content-type': 'text/plain' },
        'a body over h2',
      );
      expect(post.headers[':status']).toBe(200);
      expect((JSON.parse(post.body.toString()) as { body: string }).body).toBe('a body over h2');
      // The proxy's own pages answer over h2 too.
      const health = await h2Request(session, { ':method': 'GET', ':path': '/health' });
      expect(health.headers[':status']).toBe(200);
    } finally {
      session.close();
    }
  });

  it('carries gRPC over TLS to an h2c pool, trailers included', async () => {
    const session = connect(proxy.url, { rejectUnauthorized: false });
    try {
      const msg = Buffer.from('tls');
      const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
      const r = await h2Request(
        session,
        {
          ':method': 'POST',
          ':path': '/test.Echo/Unary',
          'content-type': 'application/grpc',
          te: 'trailers',
        },
        frame,
      );
      expect(r.headers[':status']).toBe(200);
      expect(r.trailers['grpc-status']).toBe('0');
      expect(r.body.subarray(5).toString()).toBe('g1:tls');
    } finally {
      session.close();
    }
  });

  it('still serves HTTP/1.1 clients on the same port', async () => {
    const agent = new Agent({
      connect: { rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
    });
    try {
      const res = await request(`${proxy.url}/plain`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-served-by']).toBe('web');
      const body = (await res.body.json()) as { url: string };
      expect(body.url).toBe('/plain');
    } finally {
      await agent.close();
    }
  });
});

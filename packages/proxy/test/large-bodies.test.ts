import { connect } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachEngine } from './helpers/engines.js';
import { startTestProxy } from './helpers/proxy.js';
import type { ProxyServer } from '../src/proxy-server.js';

const LIMIT = 256 * 1024;
const SIZES = [300 * 1024, 1024 * 1024, 10 * 1024 * 1024];
const ROUNDS = 3;

interface Answer {
  status: number;
  code: string | undefined;
}

async function answer(res: Awaited<ReturnType<typeof request>>): Promise<Answer> {
  const body = (await res.body.json()) as { error?: { code?: string }; code?: string };
  return { status: res.statusCode, code: body.error?.code ?? body.code };
}

/** A JSON body of `size` bytes. */
function json(size: number): Buffer {
  return Buffer.from(`{"pad":"${'a'.repeat(size - 10)}"}`);
}

/** A body of `size` bytes sent with Content-Length. */
function sized(url: string, size: number) {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json(size),
  });
}

/** The same, of unknown length: sent chunked. */
function chunked(url: string, size: number) {
  const body = json(size);
  let at = 0;
  const stream = new Readable({
    read() {
      if (at >= body.length) return void this.push(null);
      const end = Math.min(body.length, at + 64 * 1024);
      this.push(body.subarray(at, end));
      at = end;
    },
  });
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
  });
}

/**
 * `Expect: 100-continue` with a declared length: the raw exchange on one
 * connection — everything the proxy said until it closed.
 */
function expectContinue(port: number, path: string, size: number, close = false): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    let sending = false;
    const body = json(size);
    let at = 0;
    const pump = (): void => {
      while (at < body.length && !s.destroyed) {
        const end = Math.min(body.length, at + 64 * 1024);
        const ok = s.write(body.subarray(at, end));
        at = end;
        if (!ok) return void s.once('drain', pump);
      }
    };
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      // Send the body only when asked to, as a careful client does.
      if (!sending && got.startsWith('HTTP/1.1 100')) {
        sending = true;
        pump();
      }
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${size}\r\nExpect: 100-continue\r\n` +
        (close ? 'Connection: close\r\n\r\n' : '\r\n'),
    );
    setTimeout(() => s.destroy(), 5000).unref();
  });
}

/**
 * Issue 10, item 3: bodies over the limit get the coded 413 every time — never
 * a 502, never a reset before the answer — whether sized, chunked or behind
 * `Expect: 100-continue`; and none of it counts against a backend.
 */
forEachEngine('large request bodies', (engine) => {
  let api: FastifyInstance;
  let proxy: ProxyServer;

  beforeAll(async () => {
    // The API's own stack: Fastify with its body limit.
    api = Fastify({ bodyLimit: LIMIT });
    api.post('/api/tasks', async (_req, reply) => reply.code(201).send({ created: true }));
    await api.listen({ port: 0, host: '127.0.0.1' });
    const port = (api.server.address() as { port: number }).port;
    proxy = await startTestProxy(engine, {
      pools: {
        api: {
          backends: [{ id: 'api-1', url: `http://127.0.0.1:${port}` }],
          health: { enabled: false },
          passive: { consecutive_failures: 1 },
        },
      },
      routes: [
        { name: 'api', match: { path_prefix: '/api' }, pool: 'api', max_body_size: '256kib' },
        // No limit of the proxy's: the backend answers 413 itself, before reading it all.
        { name: 'direct', match: { path_prefix: '/direct' }, pool: 'api', prefix_rewrite: '/api' },
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await api.close();
  });

  it('answers a body over the route limit with the coded 413 before forwarding it: sized or chunked', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of SIZES) {
        for (const send of [sized, chunked]) {
          const res = await send(proxy.url + '/api/tasks', size);
          expect(await answer(res), `${send.name} ${size}`).toEqual({
            status: 413,
            code: 'SB_ERR_PAYLOAD_TOO_LARGE',
          });
          expect(res.headers['x-request-id']).toBeTypeOf('string');
        }
      }
    }
    // Bodies within the limit still go through, on the same connections.
    for (const send of [sized, chunked])
      expect(await answer(await send(proxy.url + '/api/tasks', 1000))).toEqual({
        status: 201,
        code: undefined,
      });
  });

  it('answers Expect: 100-continue with the 413 instead of 100 Continue, then closes', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const said = await expectContinue(proxy.port, '/api/tasks', 1024 * 1024);
      expect(said).toMatch(/^HTTP\/1\.1 413 /);
      expect(said).not.toContain('100 Continue');
      expect(said).toMatch(/\r\nconnection: close\r\n/i);
      expect(said).toContain('SB_ERR_PAYLOAD_TOO_LARGE');
    }
    // Within the limit: 100 Continue, then the backend's answer.
    const ok = await expectContinue(proxy.port, '/api/tasks', 1000, true);
    expect(ok).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  });

  it('without a limit of its own, relays the backend’s early 413 when it can read it, else a coded 502', async () => {
    // The backend answers before reading the body, then closes. Whether its
    // answer can be read depends on whether a write into the closed connection
    // comes first (node then drops the socket unread); either way the client
    // gets an answer, and the backend is not blamed (next test).
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of SIZES) {
        for (const send of [sized, chunked]) {
          const got = await answer(await send(proxy.url + '/direct/tasks', size));
          expect([
            { status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' },
            { status: 502, code: 'SB_ERR_BAD_GATEWAY' },
          ]).toContainEqual(got);
        }
      }
    }
  });

  it('holds none of it against the backend: it stays up with no failures', async () => {
    const res = await request(proxy.adminUrl + '/admin/backends');
    const { backends } = (await res.body.json()) as {
      backends: { id: string; state: string; stats: { failures: number } }[];
    };
    expect(backends).toEqual([
      expect.objectContaining({
        id: 'api-1',
        state: 'up',
        stats: expect.objectContaining({ failures: 0 }),
      }),
    ]);
  });
});

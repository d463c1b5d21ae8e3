import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/engines.js';
import { startTestProxy } from './helpers/proxy.js';
import type { ProxyServer } from '../src/proxy-server.js';

/**
 * The raw engine's strict parser must never be looser than node:http's: for
 * any request bytes, both engines give the client the same status and hand the
 * backend the same request (method, target, headers, body) — or both refuse
 * it. Generated requests mix well-formed heads with the framing, header and
 * request-line oddities that request smuggling is made of.
 */

interface Seen {
  method: string;
  url: string;
  headers: string[];
  body: string;
}

async function echoBackend(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let self = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pairs: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = (req.rawHeaders[i] as string).toLowerCase();
        // Generated per request: differs between any two proxies by design.
        if (name === 'x-request-id') continue;
        // Framing may differ (a chunked body re-framed, or sent with a length
        // once read whole); the body itself is compared below.
        if (name === 'content-length' || name === 'transfer-encoding') continue;
        const value = req.rawHeaders[i + 1] as string;
        // The proxy names its upstream in Host; each engine has a backend of its own.
        pairs.push(`${name}: ${name === 'host' && value === self ? '<upstream>' : value}`);
      }
      const body = Buffer.concat(chunks);
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: pairs.sort(),
        body: createHash('sha1').update(body).digest('hex') + `/${body.length}`,
      });
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: `http://${self}`, seen };
}

/**
 * The statuses of every answer on one connection, in order, then 'closed' if
 * the proxy closed it. Collection stops after `quietMs` without bytes, once
 * something came back (or a second passed) and the proxy has no request in
 * flight upstream: on a busy machine an answer may take longer than the quiet
 * time, and a request left behind would be counted in the next run.
 */
function answers(proxy: ProxyServer, bytes: Buffer, quietMs: number): Promise<string[]> {
  const busy = (): boolean => proxy.backends().some((b) => b.stats.active_requests > 0);
  return new Promise((resolve) => {
    const socket = connect(proxy.port, '127.0.0.1');
    const began = Date.now();
    let heard = false;
    const out: string[] = [];
    let buf = Buffer.alloc(0);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (buf.length > 0) out.push(`partial ${buf.toString('latin1').slice(9, 12)}`);
      if (closed) out.push('closed');
      resolve(out);
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (busy() || (!heard && Date.now() - began < 1000)) quiet();
        else finish(false);
      }, quietMs);
    };
    quiet();
    socket.on('data', (d: Buffer) => {
      heard = true;
      quiet();
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        out.push(head.slice(9, 12));
        buf = buf.subarray(end + 4 + len);
      }
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(bytes);
  });
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';
/** The shape of issue 10's find: a write pipelined behind a message the proxy refuses. */
const SMUGGLED_POST =
  'POST /smuggled HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n' +
  'Content-Length: 2\r\n\r\n{}';

/**
 * Counterexamples found by CI runs, replayed on every run. Seed -351352126: an
 * empty Host (`HOST:\t`) gave `forwarded: …;host=""` on one engine and
 * `host=` on the other (the last-host cache took '' for "nothing seen yet").
 */
const FOUND = [
  'OPTIONS /%20x HTTP/1.1\r\nConnection: upgrade\r\nTransfer-Encoding: chunked\r\n' +
    'Proxy-Connection:X-A\r\nHOST:\t\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
    SMUGGLED,
].map((s) => Buffer.from(s, 'latin1'));

const eol = fc.oneof(
  { weight: 12, arbitrary: fc.constant('\r\n') },
  { weight: 1, arbitrary: fc.constant('\n') },
);

const headerLine = fc.oneof(
  fc.record({
    name: fc.constantFrom('Content-Length', 'content-length', 'Content-Length '),
    value: fc.constantFrom('0', '3', '5', '03', '3,3', '-1', 'abc', '+3', '99999999999999999999'),
  }),
  fc.record({
    name: fc.constantFrom('Transfer-Encoding', 'transfer-encoding'),
    value: fc.constantFrom(
      'chunked',
      'Chunked',
      'chunked, gzip',
      'gzip, chunked',
      'gzip',
      ' chunked',
      'identity',
    ),
  }),
  fc.record({
    name: fc.constantFrom('Connection', 'Proxy-Connection'),
    value: fc.constantFrom(
      'close',
      'keep-alive',
      'X-A',
      'close, X-A',
      'upgrade',
      'Host',
      'TE',
      'x@y',
    ),
  }),
  fc.record({
    name: fc.constantFrom('Host', 'host', 'HOST'),
    value: fc.constantFrom('example.com', 'a:81', '', 'a b', '[::1]:8'),
  }),
  fc.record({
    name: fc.constantFrom(
      'X-A',
      'x-a',
      'X-Forwarded-For',
      'Forwarded',
      'X-Forwarded-Proto',
      'X-Request-Id',
      'Cookie',
      'TE',
      'Keep-Alive',
      'Trailer',
      'Upgrade',
      'Expect',
      'Bad Name',
      'X\u0001A',
      'Ünï',
    ),
    value: fc.constantFrom(
      'v',
      '',
      'a\tb',
      'a\u007fb',
      'a\u0000b',
      'ü',
      '  spaced  ',
      '1.2.3.4',
      'websocket',
      '100-continue',
      'a=1; b=2',
    ),
  }),
);

const request = fc
  .record({
    method: fc.constantFrom(
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'DELETE',
      'OPTIONS',
      'PATCH',
      'get',
      'PROPFIND',
      'CONNECT',
    ),
    target: fc.constantFrom(
      '/',
      '/a/b?x=1&y',
      '/%20x',
      '/a b',
      '*',
      'http://h/x',
      '/ü',
      '//x',
      '/a#f',
      '',
      // A rate-limited route (the limit is asynchronous), bad paths on a static route.
      '/api/x',
      '/static/a.txt',
      '/static/%zz',
      '/static/%E0%A4%A',
    ),
    version: fc.constantFrom(
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.0',
      'http/1.1',
      'HTTP/2.0',
      'HTTP/1.1 ',
    ),
    host: fc.boolean(),
    headers: fc.array(fc.tuple(headerLine, fc.constantFrom(' ', '', '\t', '  '), eol), {
      maxLength: 5,
    }),
    lineEnd: eol,
    end: eol,
    chunks: fc.constantFrom(
      '3\r\nabc\r\n0\r\n\r\n',
      '0\r\n\r\n',
      '3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n',
    ),
    smuggled: fc.boolean(),
    smuggledPost: fc.boolean(),
  })
  .map((r) => {
    let s = `${r.method} ${r.target} ${r.version}${r.lineEnd}`;
    if (r.host) s += `Host: localhost${r.lineEnd}`;
    for (const [h, sep, e] of r.headers) s += `${h.name}:${sep}${h.value}${e}`;
    s += r.end;
    // A body that fits the framing as a lenient reader would see it, so that
    // what follows is always a whole next request (stray bytes after a good
    // request make node:http's own outcome racy: it answers 400 and closes
    // while the good request may or may not have been sent on).
    const te = r.headers.some(([h]) => /^transfer-encoding/i.test(h.name));
    const cl = r.headers.find(([h]) => /^content-length/i.test(h.name))?.[0].value;
    if (te) s += r.chunks;
    else if (cl !== undefined && /^\d{1,2}$/.test(cl))
      s += 'abcdefghijklmnopqrstuvwxyz'.slice(0, Number(cl));
    // Bytes after a message that ends the connection (HTTP/1.0, `close`) are
    // an error to node:http and ignored by the raw engine: not comparable, and
    // covered on their own below.
    const lastMessage =
      r.version !== 'HTTP/1.1' ||
      r.headers.some(([h]) => /connection$/i.test(h.name) && /close/i.test(h.value));
    if (r.smuggled && !lastMessage) s += r.smuggledPost ? SMUGGLED_POST : SMUGGLED;
    return Buffer.from(s, 'latin1');
  });

describe('raw engine against the node engine', () => {
  const engines = ENGINES;
  const proxies: ProxyServer[] = [];
  const backends: Awaited<ReturnType<typeof echoBackend>>[] = [];
  let root = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sb-proxy-differential-'));
    await writeFile(path.join(root, 'a.txt'), 'a file');
    for (const engine of engines) {
      const b = await echoBackend();
      backends.push(b);
      proxies.push(
        await startTestProxy(engine, {
          pools: {
            echo: {
              backends: [{ id: 'echo', url: b.url }],
              health: { enabled: false },
              retries: { max_retries: 0 },
            },
          },
          routes: [
            {
              name: 'api',
              match: { path_prefix: '/api' },
              pool: 'echo',
              rate_limit: { per_ip: { limit: 1_000_000, window: '1m' } },
            },
            { name: 'static', match: { path_prefix: '/static' }, static: { root } },
            { name: 'rest', match: { path_prefix: '/' }, pool: 'echo' },
          ],
          server: { headers_timeout: '2s', request_timeout: '3s', max_header_size: 2048 },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const b of backends) await new Promise((r) => b.server.close(r));
    await rm(root, { recursive: true, force: true });
  });

  it('answers every generated request alike and forwards the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        const before = backends.map((b) => b.seen.length);
        const statuses = await Promise.all(proxies.map((p) => answers(p, bytes, 150)));
        // node:http hands pipelined requests on at once, so their order at the backend varies.
        const seen = backends.map((b, i) =>
          b.seen
            .slice(before[i])
            .map((r) => JSON.stringify(r, null, 1))
            .sort(),
        );
        const label = bytes.toString('latin1');
        // Never looser: exactly the same requests reach the backend...
        expect(seen[0], label).toEqual(seen[1]);
        // ...and after a refused message (400, the connection closes) nothing is forwarded.
        for (const [i, answered] of statuses.entries())
          if (answered[0] === '400')
            expect(seen[i]?.join(), `${engines[i]}: ${label}`).not.toContain('/smuggled');
        // ...and the client gets the same answers, except where node:http, on
        // bytes after `Connection: close` or stray bytes after a good request,
        // answers 400 and closes in place of the forwarded request's answer:
        // the raw engine answers that request, then closes (RFC 9112 §9.6).
        const nodeDroppedAnswer =
          statuses[1]?.join() === '400,closed' &&
          (seen[1]?.length ?? 0) > 0 &&
          statuses[0]?.at(-1) === 'closed';
        if (!nodeDroppedAnswer) expect(statuses[0], label).toEqual(statuses[1]);
      }),
      { numRuns: 300, examples: FOUND.map((b) => [b] as [Buffer]) },
    );
  }, 120_000);

  it.each(engines)(
    '%s: forwards nothing after a message that closes the connection, and no body cut short',
    async (engine) => {
      const i = engines.indexOf(engine);
      const proxy = proxies[i] as ProxyServer;
      const backend = backends[i] as Awaited<ReturnType<typeof echoBackend>>;
      for (const [first, smuggled] of [
        // Refused (400) on the rate-limited route, whose limit answers asynchronously.
        ['GET /api/x HTTP/1.1\r\n\r\n', SMUGGLED_POST],
        ['GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', SMUGGLED_POST],
        ['GET http://a/api/x HTTP/1.1\r\nHost: a\r\n\r\n', SMUGGLED_POST],
        ['GET /static/%zz HTTP/1.1\r\nHost: a\r\n\r\n', SMUGGLED_POST],
        ['GET /static/%E0%A4%A HTTP/1.1\r\nHost: a\r\n\r\n', SMUGGLED],
        ['GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n', SMUGGLED],
      ] as const) {
        const before = backend.seen.length;
        const got = await answers(proxy, Buffer.from(first + smuggled, 'latin1'), 200);
        expect(got, first).toEqual(['400', 'closed']);
        expect(
          backend.seen.slice(before).map((r) => r.url),
          first,
        ).not.toContain('/smuggled');
      }
      for (const first of [
        'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        'POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc',
        'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
        'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
        'GET / HTTP/1.1\r\n\r\n',
        'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      ]) {
        const before = backend.seen.length;
        await answers(proxy, Buffer.from(first + SMUGGLED, 'latin1'), 200);
        const seen = backend.seen.slice(before);
        expect(
          seen.map((r) => r.url),
          first,
        ).not.toContain('/smuggled');
        // Sent whole or not at all: never a POST with its body cut short.
        for (const r of seen) if (r.method === 'POST') expect(r.body, first).toMatch(/\/3$/);
      }
    },
  );
});

import { connect, createServer as createH2cServer } from 'node:http2';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcMessage } from '../src/engines/h2/grpc-status.js';
import type { ProxyServer } from '../src/proxy-server.js';
import { deadPort } from './helpers/backends.js';
import {
  echoClient,
  grpc,
  startGrpcBackend,
  unary,
  type EchoClientT,
  type GrpcBackend,
} from './helpers/grpc.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function backends(n: number, opts?: { servedBy?: boolean }): Promise<GrpcBackend[]> {
  const out: GrpcBackend[] = [];
  for (let i = 1; i <= n; i++) {
    const b = await startGrpcBackend(`g${i}`, opts);
    cleanup.push(() => b.close());
    out.push(b);
  }
  return out;
}

async function grpcProxy(
  list: { id: string; url: string }[],
  pool: Record<string, unknown> = {},
): Promise<ProxyServer> {
  const p = await startTestProxy('raw', {
    grpc: { listen: '127.0.0.1:0', pool: 'grpc' },
    pools: {
      grpc: {
        protocol: 'h2c',
        strategy: 'round-robin',
        backends: list,
        health: { enabled: false },
        passive: { enabled: false },
        ...pool,
      },
    },
  });
  cleanup.push(() => p.close());
  return p;
}

function client(p: ProxyServer): EchoClientT {
  const c = echoClient(p.grpcPort);
  cleanup.push(() => c.close());
  return c;
}

const ids = (bs: GrpcBackend[]) => bs.map((b) => ({ id: b.name, url: b.url }));

describe('gRPC through the proxy (h2c listener, h2c upstream)', () => {
  it('balances per call: one client connection, calls spread over every backend', async () => {
    const bs = await backends(3);
    const p = await grpcProxy(ids(bs));
    const c = client(p);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await unary(c, 'Unary', `hello${i}`);
      expect(r.body).toMatch(new RegExp(`^g[123]:hello${i}$`));
      // The proxy names the backend when the backend does not name itself.
      expect(r.headers.get('x-served-by')[0]).toBe(r.body.split(':')[0]);
      seen.push(r.body.split(':')[0] as string);
    }
    expect(new Set(seen)).toEqual(new Set(['g1', 'g2', 'g3']));
    for (const b of bs) expect(b.calls).toHaveLength(3);
    const metrics = await p.metrics.text();
    expect(metrics).toMatch(/sb_proxy_grpc_calls_total\{pool="grpc",code="0"\} 9/);
  });

  it("keeps the backend's own x-served-by (an API instance naming itself)", async () => {
    const bs = await backends(2, { servedBy: true });
    const p = await grpcProxy(ids(bs).map((b) => ({ ...b, id: `proxy-${b.id}` })));
    const c = client(p);
    const r = await unary(c, 'Unary', 'x');
    expect(r.headers.get('x-served-by')).toEqual([r.body.split(':')[0]]);
  });

  it('relays server streaming, trailers and a backend error status with its message', async () => {
    const [b] = await backends(1);
    const p = await grpcProxy(ids([b!]));
    const c = client(p);
    const got: string[] = [];
    const trailers = await new Promise<grpc.StatusObject>((resolve, reject) => {
      const call = c.Watch!(Buffer.from('5')) as grpc.ClientReadableStream<Buffer>;
      call.on('data', (m: Buffer) => got.push(m.toString()));
      call.on('status', resolve);
      call.on('error', reject);
    });
    expect(got).toEqual(['g1:0', 'g1:1', 'g1:2', 'g1:3', 'g1:4']);
    expect(trailers.code).toBe(grpc.status.OK);
    expect(trailers.metadata.get('x-last')).toEqual(['4']);

    const err = await unary(c, 'Unary', 'fail').catch((e: grpc.ServiceError) => e);
    expect((err as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    expect((err as grpc.ServiceError).details).toBe('no such thing at g1');
  });

  it('sends calls elsewhere when a backend dies, and answers UNAVAILABLE when none is left', async () => {
    const bs = await backends(3);
    const p = await grpcProxy(ids(bs));
    const c = client(p);
    for (let i = 0; i < 3; i++) await unary(c, 'Unary', 'warm');
    bs[0]!.kill();
    for (let i = 0; i < 6; i++) {
      const r = await unary(c, 'Unary', `after${i}`);
      expect(r.body).toMatch(/^g[23]:/);
    }
    bs[1]!.kill();
    bs[2]!.kill();
    const err = (await unary(c, 'Unary', 'none').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toMatch(/^SB_ERR_/);
    expect(err.metadata.get('x-sb-error')[0]).toMatch(/^SB_ERR_/);
  });

  it('ends a stream whose backend dies mid-response (no trailers) with UNAVAILABLE, not a bare reset', async () => {
    // A backend that answers a stream's headers and one message, then its process is
    // gone: the connection drops with no trailers, as a SIGKILLed API instance's does.
    const dying = createH2cServer();
    const sockets: Socket[] = [];
    dying.on('connection', (socket: Socket) => sockets.push(socket));
    dying.on('stream', (stream) => {
      stream.respond({
        ':status': 200,
        'content-type': 'application/grpc',
        'x-served-by': 'dying',
      });
      const message = Buffer.from('dying:0');
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      stream.write(frame, () => setTimeout(() => sockets.forEach((sk) => sk.destroy()), 50));
    });
    await new Promise<void>((r) => dying.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => dying.close(r)));
    const port = (dying.address() as { port: number }).port;
    const p = await grpcProxy([{ id: 'dying', url: `http://127.0.0.1:${port}` }]);
    const c = client(p);
    const got: string[] = [];
    const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
      const call = c.Watch!(Buffer.from('5')) as grpc.ClientReadableStream<Buffer>;
      call.on('data', (m: Buffer) => got.push(m.toString()));
      call.on('error', resolve);
      call.on('status', (s: grpc.StatusObject) => {
        if (s.code === grpc.status.OK) reject(new Error('the stream ended OK'));
      });
    });
    expect(got).toEqual(['dying:0']);
    // A seed client re-lists and re-watches on UNAVAILABLE; INTERNAL would look like a bug.
    expect(grpc.status[err.code]).toBe('UNAVAILABLE');
    // grpc-message arrives as written: only non-printable bytes and % are escaped.
    expect(err.details).toBe('SB_ERR_BAD_GATEWAY: The upstream stream broke off.');
    expect(err.metadata.get('x-sb-error')[0]).toBe('SB_ERR_BAD_GATEWAY');
    expect(grpcMessage('100% sûr\n')).toBe('100%25 s%C3%BBr%0A');
  });

  it('answers UNAVAILABLE with SB_ERR_NO_BACKEND when every backend is out of rotation', async () => {
    const p = await grpcProxy([{ id: 'dead', url: `http://127.0.0.1:${await deadPort()}` }], {
      health: { enabled: true, initial: 'down', type: 'grpc', interval: 60_000 },
    });
    const c = client(p);
    const err = (await unary(c, 'Unary', 'x').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toContain('SB_ERR_NO_BACKEND');
    expect(err.metadata.get('x-sb-error')).toEqual(['SB_ERR_NO_BACKEND']);
  });

  it('honours grpc-timeout: DEADLINE_EXCEEDED from the proxy, the upstream call cancelled', async () => {
    const [b] = await backends(1);
    const p = await grpcProxy(ids([b!]));
    // A raw HTTP/2 client with no deadline of its own: only the proxy can end the call.
    const session = connect(p.grpcUrl);
    cleanup.push(() => session.destroy());
    const started = performance.now();
    const stream = session.request({
      ':method': 'POST',
      ':path': '/test.Echo/Slow',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '200m',
    });
    stream.end(Buffer.from([0, 0, 0, 0, 1, 0x61]));
    const headers = await new Promise<Record<string, unknown>>((resolve) =>
      stream.on('response', (h) => resolve(h)),
    );
    const elapsed = performance.now() - started;
    expect(headers['grpc-status']).toBe('4');
    expect(headers['x-sb-error']).toBe('SB_ERR_DEADLINE_EXCEEDED');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    await waitFor(() => b!.cancelled === 1);

    // A grpc-js client's deadline ends the call the same way.
    const c = client(p);
    const err = (await unary(c, 'Slow', 'x', { deadline: Date.now() + 200 }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  it("passes a client's cancel (RST_STREAM) on to the backend", async () => {
    const [b] = await backends(1);
    const p = await grpcProxy(ids([b!]));
    const c = client(p);
    const fn = c.Slow as unknown as (
      req: Buffer,
      cb: (err: grpc.ServiceError | null) => void,
    ) => grpc.ClientUnaryCall;
    const done = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = fn.call(c, Buffer.from('x'), resolve);
      setTimeout(() => call.cancel(), 100);
    });
    expect((await done)?.code).toBe(grpc.status.CANCELLED);
    await waitFor(() => b!.cancelled === 1);
    await waitFor(() => p.backends()[0]?.stats.active_requests === 0);
  });

  it('retries calls of idempotent methods after a connection failure, never the others', async () => {
    const [good] = await backends(1);
    // A backend that takes the call and drops its connection.
    const { createServer } = await import('node:http2');
    const flaky = createServer();
    flaky.on('stream', (s) => s.session?.destroy());
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => flaky.close(() => r())));
    const flakyUrl = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
    const p = await grpcProxy(
      [
        { id: 'flaky', url: flakyUrl },
        { id: 'good', url: good!.url },
      ],
      { retries: { idempotent_methods: ['/test.Echo/Fetch'], min_per_second: 100 } },
    );
    const c = client(p);
    for (let i = 0; i < 4; i++) {
      const r = await unary(c, 'Fetch', `f${i}`);
      expect(r.body).toBe(`g1:f${i}`);
    }
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await unary(c, 'Unary', `u${i}`).then(
        () => 0,
        (e: grpc.ServiceError) => e.code,
      );
      codes.push(r);
    }
    // Round robin: half the non-idempotent calls met the flaky backend and were not retried.
    expect(codes.filter((x) => x === grpc.status.UNAVAILABLE)).toHaveLength(2);
    expect(codes.filter((x) => x === 0)).toHaveLength(2);
  });

  it('takes a backend out of rotation when the gRPC health service says NOT_SERVING', async () => {
    const bs = await backends(2);
    const p = await grpcProxy(ids(bs), {
      health: { enabled: true, type: 'grpc', interval: 50, rise: 1, fall: 1 },
    });
    const c = client(p);
    bs[0]!.serving = false;
    await waitFor(() => p.backends().find((b) => b.id === 'g1')?.state === 'down');
    for (let i = 0; i < 4; i++) expect((await unary(c, 'Unary', 'h')).body).toMatch(/^g2:/);
    bs[0]!.serving = true;
    await waitFor(() => p.backends().find((b) => b.id === 'g1')?.state === 'up');
  });
});

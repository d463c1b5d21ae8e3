import { connect, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyServer } from '../src/proxy-server.js';
import { echoClient, startGrpcBackend, unary, type GrpcBackend } from './helpers/grpc.js';
import { startTestProxy } from './helpers/proxy.js';

// HTTP/2 frames written by hand (RFC 9113 §4.1), as an attacker would.
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const DATA = 0,
  HEADERS = 1,
  RST_STREAM = 3,
  SETTINGS = 4,
  PING = 6,
  GOAWAY = 7,
  CONTINUATION = 9;
const END_STREAM = 1,
  END_HEADERS = 4;
const ENHANCE_YOUR_CALM = 0xb;

function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK: POST /test.Echo/Unary over http, authority "a", every field literal (no dynamic table). */
function requestBlock(): Buffer {
  const lit = (index: number, value: string) =>
    Buffer.concat([Buffer.from([index, value.length]), Buffer.from(value)]);
  return Buffer.concat([
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http (static table)
    lit(0x04, '/test.Echo/Unary'), // :path, literal without indexing
    lit(0x01, 'a'), // :authority
  ]);
}

/** A literal header `x-pad: <n × "a">` (name and value literal, not indexed). */
function padField(n: number): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, 5]),
    Buffer.from('x-pad'),
    Buffer.from([n]),
    Buffer.alloc(n, 'a'),
  ]);
}

interface RawPeer {
  socket: Socket;
  /** Resolves with the GOAWAY error code the proxy sent (undefined: none) once the socket closes. */
  closed: Promise<number | undefined>;
  isClosed(): boolean;
  write(b: Buffer): Promise<boolean>;
}

function rawPeer(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let goaway: number | undefined;
    let isClosed = false;
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3];
        const payload = buf.subarray(9, 9 + len);
        if (type === GOAWAY) goaway = payload.readUInt32BE(4);
        // The proxy's SETTINGS get their ACK before anything else is sent (never inside a header block).
        if (type === SETTINGS && (buf[4]! & 1) === 0 && !socket.destroyed) {
          socket.write(frame(SETTINGS, 1, 0));
          ready();
        }
        buf = buf.subarray(9 + len);
      }
    });
    const closed = new Promise<number | undefined>((res) => {
      socket.on('close', () => {
        isClosed = true;
        res(goaway);
      });
    });
    socket.on('error', () => {});
    const ready = (): void =>
      resolve({
        socket,
        closed,
        isClosed: () => isClosed,
        write: (b) =>
          new Promise((res) => {
            if (socket.destroyed) return res(false);
            socket.write(b, (err) => res(!err));
          }),
      });
    socket.on('connect', () => socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)])));
    socket.on('error', reject);
  });
}

let backend: GrpcBackend;
let proxy: ProxyServer;
const cleanup: (() => unknown)[] = [];

beforeAll(async () => {
  backend = await startGrpcBackend('g1');
  proxy = await startTestProxy('raw', {
    grpc: { listen: '127.0.0.1:0', pool: 'grpc' },
    pools: {
      grpc: {
        protocol: 'h2c',
        backends: [{ id: 'g1', url: backend.url }],
        health: { enabled: false },
      },
    },
    server: { http2: { max_resets: 50, max_settings: 20, max_pings: 20, flood_window: 10_000 } },
  });
  return async () => {
    await proxy.close();
    await backend.close();
  };
});

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  // The proxy is up and serves a well-behaved client after every attack.
  const c = echoClient(proxy.grpcPort);
  try {
    expect((await unary(c, 'Unary', 'after')).body).toBe('g1:after');
  } finally {
    c.close();
  }
});

async function floods(kind: string): Promise<number> {
  const text = await proxy.metrics.text();
  const m = new RegExp(`sb_proxy_http2_floods_total\\{kind="${kind}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

describe('HTTP/2 flood protection (scripted frames)', () => {
  it('rapid reset (CVE-2023-44487): HEADERS + RST_STREAM in a loop gets GOAWAY ENHANCE_YOUR_CALM', async () => {
    const before = await floods('rapid_reset');
    const peer = await rawPeer(proxy.grpcPort);
    cleanup.push(() => peer.socket.destroy());
    const block = requestBlock();
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(8); // CANCEL
    const frames: Buffer[] = [];
    for (let id = 1; id < 2 * 1000; id += 2) {
      frames.push(frame(HEADERS, END_HEADERS, id, block), frame(RST_STREAM, 0, id, rst));
    }
    await peer.write(Buffer.concat(frames));
    expect(await peer.closed).toBe(ENHANCE_YOUR_CALM);
    expect(await floods('rapid_reset')).toBe(before + 1);
  });

  it('CONTINUATION flood (CVE-2024-27316): an endless header block closes the connection', async () => {
    const before = await floods('headers');
    const peer = await rawPeer(proxy.grpcPort);
    cleanup.push(() => peer.socket.destroy());
    await peer.write(frame(HEADERS, 0, 1, requestBlock()));
    let sent = 0;
    // 10 000 frames of 1 KiB (10 MiB of headers) if nothing stopped it.
    const chunk = Buffer.concat(Array.from({ length: 8 }, () => padField(120)));
    for (; sent < 10_000 && !peer.isClosed(); sent++) {
      peer.socket.write(frame(CONTINUATION, 0, 1, chunk));
      await new Promise((r) => setImmediate(r));
    }
    expect(await peer.closed).toBeDefined();
    // Cut off long before the block's end: what the proxy holds stays bounded.
    expect(sent).toBeLessThan(1000);
    expect(await floods('headers')).toBe(before + 1);
  });

  it('SETTINGS flood gets GOAWAY ENHANCE_YOUR_CALM', async () => {
    const before = await floods('settings');
    const peer = await rawPeer(proxy.grpcPort);
    cleanup.push(() => peer.socket.destroy());
    await peer.write(Buffer.concat(Array.from({ length: 200 }, () => frame(SETTINGS, 0, 0))));
    expect(await peer.closed).toBe(ENHANCE_YOUR_CALM);
    expect(await floods('settings')).toBe(before + 1);
  });

  it('PING flood gets GOAWAY ENHANCE_YOUR_CALM', async () => {
    const before = await floods('ping');
    const peer = await rawPeer(proxy.grpcPort);
    cleanup.push(() => peer.socket.destroy());
    await peer.write(
      Buffer.concat(Array.from({ length: 200 }, () => frame(PING, 0, 0, Buffer.alloc(8)))),
    );
    expect(await peer.closed).toBe(ENHANCE_YOUR_CALM);
    expect(await floods('ping')).toBe(before + 1);
  });

  it('keeps within limits an ordinary client that resets a few calls', async () => {
    const peer = await rawPeer(proxy.grpcPort);
    cleanup.push(() => peer.socket.destroy());
    const rst = Buffer.alloc(4);
    rst.writeUInt32BE(8);
    for (let id = 1; id < 20; id += 2)
      await peer.write(
        Buffer.concat([
          frame(HEADERS, END_HEADERS, id, requestBlock()),
          frame(DATA, END_STREAM, id, Buffer.from([0, 0, 0, 0, 0])),
          frame(RST_STREAM, 0, id, rst),
        ]),
      );
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.isClosed()).toBe(false);
  });
});

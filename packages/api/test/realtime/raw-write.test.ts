import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { wsTextFrame } from '../../src/realtime/frames.js';
import { rawWriteSupported, writeRaw } from '../../src/realtime/ws/raw-write.js';
import { waitUntil } from '../support/ws-client.js';

/**
 * The fan-out fast path reads ws's private Sender state (raw-write.ts). These
 * tests pin the facts it relies on: the exact ws version, and how that
 * version's internals behave. Upgrading ws means re-reading ws's sender.js
 * and updating raw-write.ts together with the pinned version.
 */

const apiPackage = new URL('../../package.json', import.meta.url);
const lockFile = new URL('../../../../package-lock.json', import.meta.url);
const requireFromApi = createRequire(apiPackage);

describe('the ws version the fast path was written against', () => {
  it('is pinned exactly in package.json and the lock file, and is the one installed', () => {
    const pinned = (
      JSON.parse(readFileSync(apiPackage, 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies.ws;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
      packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
    };
    expect(lock.packages['packages/api']?.dependencies?.ws).toBe(pinned);
    const installed = (requireFromApi('ws/package.json') as { version: string }).version;
    expect(installed).toBe(pinned);
  });
});

describe('ws internals read by the fast path', () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let client: WebSocket;
  const received: string[] = [];

  beforeAll(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const address = wss.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    client.on('message', (data) => received.push(data.toString()));
    server = await accepted;
    await new Promise<void>((resolve) => {
      if (client.readyState === WebSocket.OPEN) resolve();
      else client.once('open', () => resolve());
    });
  });
  afterAll(async () => {
    client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('are there on an idle server-side socket', () => {
    const internals = server as unknown as {
      _socket: unknown;
      _sender: { _state: unknown; _queue: unknown };
    };
    expect(internals._sender._state).toBe(0);
    expect(internals._sender._queue).toEqual([]);
    expect(rawWriteSupported(server)).toBe(true);
    expect(rawWriteSupported({} as WebSocket)).toBe(false);
  });

  it('a raw frame arrives as the text message it frames', async () => {
    received.length = 0;
    const text = JSON.stringify({ type: 'event', payload: 'é'.repeat(200) });
    expect(writeRaw(server, wsTextFrame(text).framed)).toBe(true);
    const big = 'x'.repeat(70_000);
    expect(writeRaw(server, wsTextFrame(big).framed)).toBe(true);
    await waitUntil(() => received.length === 2, 'two messages');
    expect(received).toEqual([text, big]);
  });

  it('stays out of the way while ws has sends of its own in progress, keeping the order', async () => {
    received.length = 0;
    // A Blob is read asynchronously: ws marks its Sender busy and queues what follows.
    server.send(new Blob(['first']));
    const internals = server as unknown as { _sender: { _state: number; _queue: unknown[] } };
    expect(internals._sender._state).not.toBe(0);
    server.send('second');
    expect(internals._sender._queue.length).toBeGreaterThan(0);
    const third = wsTextFrame('third');
    expect(writeRaw(server, third.framed)).toBe(false);
    server.send(third.payload, { binary: false });
    await waitUntil(() => received.length === 3, 'three messages');
    expect(received).toEqual(['first', 'second', 'third']);
    expect(internals._sender._state).toBe(0);
    expect(writeRaw(server, wsTextFrame('fourth').framed)).toBe(true);
    await waitUntil(() => received.length === 4, 'the fourth message');
    expect(received.at(-1)).toBe('fourth');
  });
});

import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { rawRequest, startTestProxy, statusOf, waitFor } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

function open(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; first: string; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let servedBy: string | undefined;
    ws.once('upgrade', (res) => (servedBy = res.headers['x-served-by'] as string | undefined));
    ws.once('message', (d) => resolve({ ws, first: d.toString(), servedBy }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`unexpected ${res.statusCode}`)),
    );
  });
}

function next(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(0);
    else ws.once('close', (code) => resolve(code));
  });
}

forEachEngine('WebSocket tunnel', (engine) => {
  let a: TestBackend;
  let b: TestBackend;
  let proxy: ProxyServer;
  let wsUrl: string;

  beforeAll(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    proxy = await startTestProxy(engine, {
      backends: [
        { id: 'a', url: a.url },
        { id: 'b', url: b.url },
      ],
      strategy: 'round-robin',
      health: { enabled: false },
    });
    wsUrl = proxy.url.replace('http', 'ws');
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([a.close(), b.close()]);
  });

  const backendOf = (id: string) => proxy.pools().get('default')!.get(id)!;

  it('proxies the handshake and data both ways, with X-Served-By on the 101', async () => {
    const { ws, first, servedBy } = await open(`${wsUrl}/ws?board=1`);
    expect(first).toBe(`hello from ${servedBy} /ws?board=1`);
    ws.send('ping');
    expect(await next(ws)).toBe(`${servedBy}:ping`);
    const big = 'z'.repeat(200_000);
    ws.send(big);
    expect(await next(ws)).toBe(`${servedBy}:${big}`);
    expect(backendOf(servedBy as string).activeWebSockets).toBe(1);
    ws.close();
    await closed(ws);
    await waitFor(() => backendOf(servedBy as string).activeWebSockets === 0);
  });

  it('forwards X-Forwarded-For, X-Request-Id and the Upgrade headers on the upgrade request', async () => {
    const { ws, servedBy } = await open(`${wsUrl}/ws-xff`, { 'x-forwarded-for': '6.6.6.6' });
    const backend = servedBy === 'a' ? a : b;
    const seen = backend.seen.filter((r) => r.url === '/ws-xff').at(-1);
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-request-id']).toBeTruthy();
    expect(seen?.headers.upgrade).toBe('websocket');
    expect(seen?.headers.connection).toMatch(/upgrade/i);
    ws.close();
    await closed(ws);
  });

  it('relays a refused upgrade (non-101) to the client as-is', async () => {
    const raw = await rawRequest(
      proxy.port,
      'GET /refuse HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusOf(raw)).toBe(403);
    expect(raw).toMatch(/X-Served-By: (a|b)/);
    expect(raw.endsWith('nope!\n')).toBe(true);
  });

  it('closes the client side when the backend goes away, and the backend side when the client does', async () => {
    const one = await open(`${wsUrl}/ws`);
    const backend = one.servedBy === 'a' ? a : b;
    for (const c of backend.wss.clients) c.terminate();
    await closed(one.ws);

    const two = await open(`${wsUrl}/ws`);
    const backend2 = two.servedBy === 'a' ? a : b;
    await waitFor(() => backend2.wss.clients.size === 1);
    two.ws.terminate();
    await waitFor(() => backend2.wss.clients.size === 0);
    await waitFor(() => backendOf('a').activeWebSockets + backendOf('b').activeWebSockets === 0);
  });

  it('answers an upgrade with no usable backend with a coded 503', async () => {
    const p = await startTestProxy(engine, {
      backends: [{ id: 'x', url: a.url }],
      health: { enabled: true, initial: 'down', interval: '1h' },
    });
    try {
      const raw = await rawRequest(
        p.port,
        'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      expect(statusOf(raw)).toBe(503);
      expect(raw).toContain('SB_ERR_NO_BACKEND');
      expect(raw).toMatch(/\r\nRetry-After: 60\r\n/);
    } finally {
      await p.close();
    }
  });

  it('leaks no sockets or descriptors over 1 000 connect/close cycles', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP')
        .length;
    // Warm up, then measure.
    const baseline = handles();
    const cycle = async (i: number) => {
      const { ws } = await open(`${wsUrl}/ws`);
      if (i % 2 === 0) ws.close();
      else ws.terminate();
      await closed(ws);
    };
    for (let i = 0; i < 1000; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, k) => cycle(i + k)));
    }
    await waitFor(() => backendOf('a').activeWebSockets + backendOf('b').activeWebSockets === 0);
    await waitFor(() => a.wss.clients.size + b.wss.clients.size === 0);
    await waitFor(() => handles() <= baseline + 4, 5000);
    expect(backendOf('a').websockets.size + backendOf('b').websockets.size).toBe(0);
    // Plain HTTP still fine afterwards.
    const res = await request(proxy.url + '/after');
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  }, 60_000);

  it('drain keeps a live WebSocket until the grace timeout, sends no new traffic, then allows removal', async () => {
    const c = await startBackend('c');
    const p = await startTestProxy(engine, {
      backends: [
        { id: 'c', url: c.url },
        { id: 'a', url: a.url },
      ],
      strategy: 'round-robin',
      health: { enabled: false },
    });
    try {
      const live = await open(p.url.replace('http', 'ws') + '/ws');
      expect(live.servedBy).toBe('c');
      const res = await request(p.adminUrl + '/admin/backends/c/drain', {
        method: 'POST',
        body: JSON.stringify({ timeout_ms: 400 }),
      });
      expect(res.statusCode).toBe(202);
      expect(((await res.body.json()) as { state: string }).state).toBe('draining');
      // The open socket still works while draining.
      live.ws.send('still here');
      expect(await next(live.ws)).toBe('c:still here');
      for (let i = 0; i < 5; i++) {
        const r = await request(p.url + '/x');
        expect(r.headers['x-served-by']).toBe('a');
        await r.body.dump();
      }
      const fresh = await open(p.url.replace('http', 'ws') + '/ws');
      expect(fresh.servedBy).toBe('a');
      fresh.ws.close();
      await closed(live.ws); // grace timeout closes it
      const del = await request(p.adminUrl + '/admin/backends/c', { method: 'DELETE' });
      expect(del.statusCode).toBe(200);
      await del.body.dump();
      expect(p.pools().get('default')!.get('c')).toBeUndefined();
    } finally {
      await p.close();
      await c.close();
    }
  });

  it('a raw socket that sends garbage after the upgrade request is cleaned up', async () => {
    const s = connect(proxy.port, '127.0.0.1');
    s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const out = await new Promise<string>((resolve) => {
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      setTimeout(() => s.destroy(), 500);
    });
    // ws refuses a handshake without a key (400); whatever it says is relayed.
    expect(statusOf(out)).toBe(400);
  });
});

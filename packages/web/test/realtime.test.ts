import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../src/realtime/backoff';
import { RealtimeClient, type SocketLike } from '../src/realtime/connection';
import { ManualScheduler } from './support/fixtures';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closed = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverClose(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup() {
  const scheduler = new ManualScheduler();
  const sockets: FakeSocket[] = [];
  let unauthenticated = 0;
  const client = new RealtimeClient({
    url: () => 'ws://test/ws',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    now: scheduler.now,
    setTimeout: scheduler.setTimeout,
    clearTimeout: scheduler.clearTimeout,
    online: () => true,
    onUnauthenticated: () => unauthenticated++,
  });
  return { client, scheduler, sockets, unauthenticated: () => unauthenticated };
}

describe('reconnectDelay', () => {
  it('grows exponentially with jitter in [ceiling/2, ceiling] and stops at the cap', () => {
    expect(reconnectDelay(0, () => 0)).toBe(250);
    expect(reconnectDelay(0, () => 1)).toBe(500);
    expect(reconnectDelay(3, () => 0.5)).toBe(3000);
    expect(reconnectDelay(30, () => 1)).toBe(15_000);
  });
});

describe('RealtimeClient', () => {
  it('knows which API instance holds the socket until it closes', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    expect(client.getState().instance).toBeNull();
    sockets[0]!.receive({ type: 'welcome', user_id: 1, username: 'ada', instance: 'api-2' });
    expect(client.getState().instance).toBe('api-2');
    sockets[0]!.serverClose(1001);
    expect(client.getState().instance).toBeNull();
  });

  it('subscribes each watched board with its last seq, and routes messages', () => {
    const { client, sockets } = setup();
    let seq = 7;
    const got: unknown[] = [];
    client.watch({ boardId: 3, lastSeq: () => seq, onMessage: (m) => got.push(m) });
    client.start();
    expect(client.getState().status).toBe('connecting');
    sockets[0]!.open();
    expect(client.getState().status).toBe('live');
    expect(sockets[0]!.sent).toEqual([{ type: 'subscribe', board_id: 3, after_seq: 7 }]);
    sockets[0]!.receive({ type: 'subscribed', board_id: 3, seq: 9 });
    sockets[0]!.receive({ type: 'subscribed', board_id: 4, seq: 1 });
    sockets[0]!.receive({ type: 'nonsense' });
    expect(got).toEqual([{ type: 'subscribed', board_id: 3, seq: 9 }]);
    seq = 12;
  });

  it('reconnects with back-off after a drop and resumes from the latest seq', () => {
    const { client, sockets, scheduler } = setup();
    let seq = 7;
    client.watch({ boardId: 3, lastSeq: () => seq, onMessage: () => {} });
    client.start();
    sockets[0]!.open();
    seq = 12;
    sockets[0]!.serverClose(1006);
    expect(client.getState().status).toBe('reconnecting');
    // attempt 0 → between 250 and 500 ms; random 0.5 → 375.
    scheduler.advance(374);
    expect(sockets).toHaveLength(1);
    scheduler.advance(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.serverClose(1006);
    scheduler.advance(749);
    expect(sockets).toHaveLength(2);
    scheduler.advance(1);
    sockets[2]!.open();
    expect(client.getState()).toMatchObject({ status: 'live', attempts: 0, connections: 2 });
    expect(sockets[2]!.sent).toEqual([{ type: 'subscribe', board_id: 3, after_seq: 12 }]);
  });

  it('reconnects at once when the instance is going away (1001), and resumes by seq', () => {
    const { client, sockets, scheduler } = setup();
    let seq = 7;
    client.watch({ boardId: 3, lastSeq: () => seq, onMessage: () => {} });
    client.start();
    sockets[0]!.open();
    seq = 15;
    sockets[0]!.serverClose(1001);
    // No timer: the next socket is already on its way (to another instance, via the proxy).
    expect(sockets).toHaveLength(2);
    expect(client.getState()).toMatchObject({ status: 'reconnecting', attempts: 0 });
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ type: 'subscribe', board_id: 3, after_seq: 15 }]);
    expect(client.getState()).toMatchObject({ status: 'live', connections: 2 });
    // The next instance of a rolling update goes away later: at once again.
    scheduler.advance(10_000);
    sockets[1]!.serverClose(1001);
    expect(sockets).toHaveLength(3);
  });

  it('backs off when "going away" repeats right after reconnecting (no reconnect loop)', () => {
    const { client, sockets, scheduler } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.serverClose(1001);
    sockets[1]!.open();
    sockets[1]!.serverClose(1001);
    expect(sockets).toHaveLength(2);
    scheduler.advance(300);
    expect(sockets).toHaveLength(3);
  });

  it('comes back quickly, not at once, after dropping a slow consumer (4008)', () => {
    const { client, sockets, scheduler } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.serverClose(4008);
    expect(sockets).toHaveLength(1);
    scheduler.advance(300);
    expect(sockets).toHaveLength(2);
  });

  it('stops and reports when the session is gone (4001)', () => {
    const { client, sockets, scheduler, unauthenticated } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.serverClose(4001);
    scheduler.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.getState().status).toBe('offline');
    expect(unauthenticated()).toBe(1);
  });

  it('pings when quiet and reconnects when no answer comes', () => {
    const { client, sockets, scheduler } = setup();
    client.start();
    sockets[0]!.open();
    scheduler.advance(20_000);
    expect(sockets[0]!.sent).toContainEqual({ type: 'ping' });
    sockets[0]!.receive({ type: 'pong' });
    scheduler.advance(20_000);
    scheduler.advance(10_000);
    expect(sockets[0]!.closed).toBe(4000);
    expect(client.getState().status).toBe('reconnecting');
  });

  it('unsubscribes when the last watcher of a board leaves', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    const stop = client.watch({ boardId: 5, lastSeq: () => 0, onMessage: () => {} });
    stop();
    expect(sockets[0]!.sent).toEqual([
      { type: 'subscribe', board_id: 5, after_seq: 0 },
      { type: 'unsubscribe', board_id: 5 },
    ]);
  });
});

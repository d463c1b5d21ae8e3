import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../support/cluster.js';
import { registerHttpUser, type TestUser } from '../support/http-client.js';
import { expectMatchesLog } from '../support/log-check.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

const sockets: TestSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.ws.terminate();
});

describe('slow consumers', () => {
  let c: Cluster;
  let alice: TestUser;
  beforeAll(async () => {
    c = await Cluster.start('slowconsumer', 1, {
      realtime: { sendBufferBytes: 64 * 1024, closeGraceMs: 10_000, pingIntervalMs: 60_000 },
    });
    alice = await registerHttpUser(c.at(0).url, 'alice');
  });
  afterAll(async () => c?.close());

  it('closes a client that stops reading with 4008, without slowing a normal client; it can resume', async () => {
    const board = await alice.http.ok('POST', '/api/boards', { title: 'Firehose' });
    const open = async () => {
      const s = await TestSocket.open(c.at(0).wsUrl, { token: alice.token }, alice.id);
      sockets.push(s);
      s.seed(board);
      await s.subscribeAndWait(board.id, board.seq);
      return s;
    };
    const slow = await open();
    const normal = await open();
    // Live frames take the fast path (ready-made bytes straight to the socket).
    expect(c.at(0).realtime.stats().rawWrites).toBe(true);
    slow.pause();

    // ~15 KB events, written 4 at a time, until the server gives up on the slow client.
    const description = 'x'.repeat(15_000);
    const writtenAt = new Map<number, number>();
    const receivedAt = new Map<number, number>();
    normal.ws.on('message', () => {
      const last = normal.messages.at(-1);
      if (last?.type === 'event') receivedAt.set(last.seq, Date.now());
    });
    const connections = () => c.at(0).realtime.stats().connections;
    let written = 0;
    while (connections() === 2 && written < 2_000) {
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          const sentAt = Date.now();
          const task = await alice.http.ok('POST', '/api/tasks', {
            board_id: board.id,
            title: `big ${written++}`,
            description,
          });
          writtenAt.set(task.id, sentAt);
        }),
      );
    }
    expect(connections()).toBe(1);
    const total = (await alice.http.ok('GET', `/api/boards/${board.id}`)).seq;
    // The normal client got everything, promptly.
    await waitUntil(() => normal.replicas.get(board.id)?.seq === total, 'normal client complete');
    await expectMatchesLog(normal, alice.http, board.id, board.seq);
    const lags = normal.events(board.id).flatMap((e) => {
      if (e.type !== 'task.created') return [];
      const sent = writtenAt.get(e.payload.task.id);
      const got = receivedAt.get(e.seq);
      return sent !== undefined && got !== undefined ? [got - sent] : [];
    });
    expect(lags.length).toBeGreaterThan(10);
    expect(Math.max(...lags)).toBeLessThan(1_000);

    // The slow one, once it reads again, finds the 4008 close after what was buffered.
    slow.resume();
    expect(await slow.closed).toBe(4008);
    expect(slow.anomalies).toEqual([]);
    const resumed = await TestSocket.open(c.at(0).wsUrl, { token: alice.token }, alice.id);
    sockets.push(resumed);
    resumed.replicas.set(board.id, slow.replicas.get(board.id)!);
    const from = slow.replicas.get(board.id)!.seq;
    await resumed.subscribeAndWait(board.id, from);
    expect(resumed.replicas.get(board.id)?.seq).toBe(total);
    await expectMatchesLog(resumed, alice.http, board.id, from);
  });
});

describe('dead peers', () => {
  let c: Cluster;
  let alice: TestUser;
  beforeAll(async () => {
    c = await Cluster.start('deadpeer', 1, {
      realtime: { pingIntervalMs: 150, closeGraceMs: 300 },
    });
    alice = await registerHttpUser(c.at(0).url, 'alice');
  });
  afterAll(async () => c?.close());

  it('drops a client that stops answering pings, and keeps one that answers', async () => {
    const live = await TestSocket.open(c.at(0).wsUrl, { token: alice.token });
    const dead = await TestSocket.open(c.at(0).wsUrl, { token: alice.token });
    sockets.push(live, dead);
    dead.pause();
    await waitUntil(() => c.at(0).realtime.stats().connections === 1, 'dead peer dropped', 5_000);
    dead.resume();
    expect([4000, 1006]).toContain(await dead.closed);
    live.send({ type: 'ping' });
    await live.waitFor((m) => m.type === 'pong', 'pong');
    expect(live.closeCode).toBeUndefined();
  });
});

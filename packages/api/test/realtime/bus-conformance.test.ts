import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { seedTaskEventSchema } from '@switchboard/core';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresenceAnnouncement } from '../../src/realtime/bus/presence-wire.js';
import { busTargets, cleanBus, randomPrefix } from '../support/bus-servers.js';
import { Cluster } from '../support/cluster.js';
import { HttpClient, registerHttpUser, type TestUser } from '../support/http-client.js';
import { expectMatchesLog, fullLog } from '../support/log-check.js';
import { PlainSocket } from '../support/plain-socket.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * One contract, three adapters (BUS=pg|nats|redis), each on its real server:
 * two API instances on one database and one bus namespace.
 */
const targets = await busTargets();

describe.each(targets)('bus $kind', (target) => {
  const prefix = randomPrefix(`conf${target.kind}`);
  let c: Cluster;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: TestSocket[] = [];

  const open = async (user: TestUser, at: number) => {
    const socket = await TestSocket.open(c.at(at).wsUrl, { token: user.token }, user.id);
    sockets.push(socket);
    return socket;
  };
  const http = (user: TestUser, at: number) => user.http.withBase(c.at(at).url);

  beforeAll(async () => {
    if (!target.available) return;
    c = await Cluster.start(`conf${target.kind}`, 2, {
      bus: target.kind,
      ...(target.url ? { busUrl: target.url } : {}),
      prefix,
      // No safety-net polling here: what arrives, the bus carried.
      realtime: { pollMs: 600_000, discoveryMs: 600_000 },
    });
    alice = await registerHttpUser(c.at(0).url, 'alice');
    bob = await registerHttpUser(c.at(0).url, 'bob');
  });
  afterAll(async () => {
    for (const s of sockets) s.ws.terminate();
    await c?.close();
    await cleanBus(target, prefix);
  });

  it.skipIf(!target.available)('is healthy on both instances', async () => {
    await waitUntil(() => c.instances.every((i) => i.realtime.health() === 'ok'), 'healthy');
    for (const i of c.instances) {
      const ready = await http(alice, c.instances.indexOf(i)).get('/ready');
      expect(ready.body.checks.bus).toBe('ok');
    }
  });

  it.skipIf(!target.available)('delivers a write on B to a watcher on A', async () => {
    const board = await http(alice, 1).ok('POST', '/api/boards', { title: 'Fan-out' });
    const watcher = await open(alice, 0);
    watcher.seed(board);
    await watcher.subscribeAndWait(board.id, board.seq);
    const before = c.at(0).realtime.stats();
    const task = await http(alice, 1).ok('POST', '/api/tasks', { board_id: board.id, title: 'hi' });
    const msg = await watcher.waitFor((m) => m.type === 'event', 'event from B');
    expect(msg).toMatchObject({ type: 'event', board_id: board.id, seq: board.seq + 1 });
    expect(msg.type === 'event' && msg.event.payload).toEqual({ task });
    const after = c.at(0).realtime.stats();
    if (target.kind === 'pg') {
      // A NOTIFY is a wake-up: A reads the event from the log.
      expect(after.logReads).toBeGreaterThan(before.logReads);
    } else {
      // NATS and Redis carry the event itself: no log read on A.
      expect(after.eventsCarried).toBeGreaterThan(before.eventsCarried);
      expect(after.logReads).toBe(before.logReads);
    }
  });

  it.skipIf(!target.available)(
    'delivers bursts from both instances to watchers on both, in order, exactly once',
    async () => {
      const board = await http(alice, 0).ok('POST', '/api/boards', { title: 'Burst' });
      await http(alice, 0).ok('POST', `/api/boards/${board.id}/members`, {
        username: bob.username,
      });
      const watchers = [
        await open(alice, 0),
        await open(alice, 1),
        await open(bob, 0),
        await open(bob, 1),
      ];
      const start = (await http(alice, 0).ok('GET', `/api/boards/${board.id}`)).seq;
      for (const w of watchers) {
        w.seed(await http(alice, 0).ok('GET', `/api/boards/${board.id}`));
        await w.subscribeAndWait(board.id, start);
      }
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        writes.push(
          http(i % 2 ? alice : bob, i % 2).ok('POST', '/api/tasks', {
            board_id: board.id,
            title: `t${i}`,
          }),
        );
      }
      await Promise.all(writes);
      const end = start + 40;
      await waitUntil(
        () => watchers.every((w) => (w.applied.get(board.id)?.at(-1) ?? 0) >= end),
        'all watchers at the end',
      );
      for (const w of watchers) await expectMatchesLog(w, http(alice, 0), board.id, start);
    },
  );

  it.skipIf(!target.available)(
    'resumes on the other instance with after_seq: exactly the missed events, then live',
    async () => {
      const board = await http(alice, 0).ok('POST', '/api/boards', { title: 'Resume' });
      const first = await open(alice, 0);
      first.seed(board);
      await first.subscribeAndWait(board.id, board.seq);
      for (let i = 0; i < 3; i++) {
        await http(alice, 1).ok('POST', '/api/tasks', { board_id: board.id, title: `a${i}` });
      }
      await waitUntil(() => first.applied.get(board.id)?.length === 3, 'three events');
      first.close();
      await first.closed;
      const lastSeen = first.replicas.get(board.id)!.seq;
      for (let i = 0; i < 5; i++) {
        await http(alice, i % 2).ok('POST', '/api/tasks', { board_id: board.id, title: `b${i}` });
      }
      const second = await open(alice, 1);
      second.replicas.set(board.id, first.replicas.get(board.id)!);
      const seq = await second.subscribeAndWait(board.id, lastSeen);
      expect(seq).toBe(lastSeen + 5);
      await http(alice, 0).ok('POST', '/api/tasks', { board_id: board.id, title: 'live' });
      await waitUntil(() => second.applied.get(board.id)?.length === 6, 'missed + live');
      await expectMatchesLog(second, http(alice, 0), board.id, lastSeen);
    },
  );

  it.skipIf(!target.available)(
    'shares presence across instances: one entry per user, gone when they leave',
    async () => {
      const board = await http(alice, 0).ok('POST', '/api/boards', { title: 'Presence' });
      await http(alice, 0).ok('POST', `/api/boards/${board.id}/members`, {
        username: bob.username,
      });
      const a1 = await open(alice, 0);
      const a2 = await open(alice, 1);
      const b1 = await open(bob, 1);
      for (const s of [a1, a2, b1]) await s.subscribeAndWait(board.id, board.seq + 1);
      const names = (s: TestSocket) => {
        const last = s.messages.filter((m) => m.type === 'presence').at(-1);
        return last?.type === 'presence' ? last.viewers.map((v) => v.username) : [];
      };
      const both = [alice.username, bob.username].sort();
      await waitUntil(
        () => [a1, a2, b1].every((s) => names(s).join() === both.join()),
        'both viewers',
      );
      b1.close();
      await waitUntil(() => names(a1).join() === alice.username, 'bob left (seen on A)');
      await waitUntil(() => names(a2).join() === alice.username, 'bob left (seen on B)');
    },
  );

  it.skipIf(!target.available)('carries presence announcements between the adapters', async () => {
    const heard: PresenceAnnouncement[] = [];
    const hub = c.at(1).realtime.hub;
    const original = hub.onPresence.bind(hub);
    hub.onPresence = (message) => {
      heard.push(message);
      original(message);
    };
    try {
      c.at(0).realtime.bus.publishPresence({
        node: 'conformance',
        boards: { '424242': [[1, 'x']] },
        ttl: 500,
      });
      await waitUntil(() => heard.find((m) => m.node === 'conformance'), 'announcement');
    } finally {
      hub.onPresence = original;
    }
  });

  it.skipIf(!target.available)(
    'the all-boards default on A follows memberships granted and revoked on B',
    async () => {
      const carol = await registerHttpUser(c.at(0).url, 'carol');
      const listener = await open(carol, 0);
      const board = await http(alice, 1).ok('POST', '/api/boards', { title: 'Later' });
      await http(alice, 1).ok('POST', '/api/tasks', { board_id: board.id, title: 'unseen' });
      await http(alice, 1).ok('POST', `/api/boards/${board.id}/members`, {
        username: carol.username,
      });
      await http(alice, 1).ok('POST', '/api/tasks', { board_id: board.id, title: 'seen' });
      await waitUntil(() => listener.events().length === 2, 'member.added and the task');
      await http(alice, 1).ok('DELETE', `/api/boards/${board.id}/members/${carol.id}`);
      await waitUntil(() => listener.events().length === 3, 'member.removed');
      await http(alice, 1).ok('POST', '/api/tasks', { board_id: board.id, title: 'unseen again' });
      const ownBoard = await http(carol, 1).ok('POST', '/api/boards', { title: 'Own' });
      await waitUntil(
        () => listener.events().some((e) => e.board_id === ownBoard.id),
        'own new board',
      );
      const onOld = listener.events().filter((e) => e.board_id === board.id);
      expect(onOld.map((e) => e.type)).toEqual(['member.added', 'task.created', 'member.removed']);
      expect(listener.anomalies).toEqual([]);
    },
  );

  it.skipIf(!target.available || target.kind === 'pg')(
    'relays each event onto the bus exactly once, from one leader, and hands over when it goes',
    async () => {
      const leaders = () => c.instances.filter((i) => i.realtime.relay?.isLeader);
      await waitUntil(() => leaders().length === 1, 'one leader');
      const board = await http(alice, 0).ok('POST', '/api/boards', { title: 'Relay' });
      for (let i = 0; i < 5; i++) {
        await http(alice, i % 2).ok('POST', '/api/tasks', { board_id: board.id, title: `r${i}` });
      }
      // Cut the leader's lock connection: the other instance must take over and publish what follows.
      const leader = leaders()[0]!;
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name LIKE 'switchboard-relay-%' AND datname = current_database()
                  AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`.execute(
        leader.deps.db,
      );
      for (let i = 0; i < 5; i++) {
        await http(alice, i % 2).ok('POST', '/api/tasks', { board_id: board.id, title: `s${i}` });
      }
      await waitUntil(() => leaders().length === 1, 'a leader again');
      const log = await fullLog(http(alice, 0), board.id);
      const onBus = await waitUntil(async () => {
        const ids = await busEventIds(board.id);
        return ids.length >= log.length ? ids : undefined;
      }, 'all events on the bus');
      expect(onBus).toEqual(log.map((e) => e.id));
    },
  );

  /** Event ids on the bus for a board, in bus order. */
  async function busEventIds(boardId: number): Promise<string[]> {
    if (target.kind === 'redis') {
      const redis = new Redis(target.url!);
      try {
        const entries = await redis.xrange(`${prefix}:sb:board:${boardId}`, '-', '+');
        return entries.map(([id, fields]) => {
          const event = JSON.parse(fields[1]!) as { id: string; seq: number };
          expect(id).toBe(`${event.seq}-0`);
          return event.id;
        });
      } finally {
        redis.disconnect();
      }
    }
    const nc = await connect({ servers: target.url! });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${prefix.toUpperCase()}_SB_BOARDS`;
      const info = await jsm.streams.info(stream);
      const ids: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
        if (!msg || msg.subject !== `${prefix}.board.${boardId}`) continue;
        const event = msg.json<{ id: string }>();
        expect(msg.header.get('Nats-Msg-Id')).toBe(event.id);
        ids.push(event.id);
      }
      return ids;
    } finally {
      await nc.close();
    }
  }
});

describe.each(targets)('bus $kind, AUTH_MODE=open', (target) => {
  const prefix = randomPrefix(`open${target.kind}`);
  let c: Cluster;
  beforeAll(async () => {
    if (!target.available) return;
    c = await Cluster.start(`open${target.kind}`, 2, {
      bus: target.kind,
      ...(target.url ? { busUrl: target.url } : {}),
      prefix,
      authMode: 'open',
      realtime: { pollMs: 600_000, discoveryMs: 600_000 },
    });
  });
  afterAll(async () => {
    await c?.close();
    await cleanBus(target, prefix);
  });

  it.skipIf(!target.available)(
    'a Switchboard socket that only listens sees every task event, new boards from seq 1',
    async () => {
      const listener = await TestSocket.open(c.at(0).wsUrl, { noWelcome: true });
      const welcome = await listener.waitFor((m) => m.type === 'welcome', 'welcome');
      expect(welcome).toMatchObject({ type: 'welcome', username: 'anonymous' });
      await waitUntil(() => c.at(0).realtime.stats().subscriptions > 0, 'all-boards set-up');
      const anon = new HttpClient(c.at(1).url);
      const task = await anon.ok('POST', '/api/tasks', {
        board_id: 1,
        title: 'Real-time test',
        created_by: 100,
      });
      const created = await listener.waitFor(
        (m) => m.type === 'event' && m.event.type === 'task.created',
        'task',
      );
      expect(created.type === 'event' && created.event.payload).toEqual({ task });
      const board = await anon.ok('POST', '/api/boards', { title: 'Fresh' });
      await anon.ok('POST', '/api/tasks', { board_id: board.id, title: 'on the new board' });
      await waitUntil(
        () => listener.applied.get(board.id)?.length === board.seq + 1,
        'the new board from seq 1',
      );
      expect(listener.applied.get(board.id)?.[0]).toBe(1);
      expect(listener.anomalies).toEqual([]);
      listener.close();
    },
  );

  it.skipIf(!target.available)(
    'a plain socket that only listens (seed 001’s test page) gets the seed’s flat frames',
    async () => {
      const plain = await PlainSocket.open(c.at(0).wsUrl);
      try {
        await waitUntil(() => c.at(0).realtime.stats().subscriptions > 0, 'all-boards set-up');
        const anon = new HttpClient(c.at(1).url);
        const board = await anon.ok('POST', '/api/boards', { title: 'Plain' });
        const task = await anon.ok('POST', '/api/tasks', { board_id: board.id, title: 'flat' });
        await anon.ok('PUT', `/api/tasks/${task.id}`, { completed: true });
        const frames = await plain.waitForFrames(2, 'two flat frames');
        expect(frames.map((f) => seedTaskEventSchema.parse(f))).toEqual([
          expect.objectContaining({ type: 'created', task_id: task.id, board_id: board.id }),
          expect.objectContaining({ type: 'updated', task_id: task.id, completed: true }),
        ]);
      } finally {
        plain.close();
      }
    },
  );
});

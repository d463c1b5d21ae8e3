import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type SeedTaskEvent, seedTaskEventSchema, wsSubprotocol } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busTargets, cleanBus, randomPrefix } from '../support/bus-servers.js';
import { type ChildInstance, startChild } from '../support/child-instance.js';
import { Cluster, fastRealtime } from '../support/cluster.js';
import { HttpClient, registerHttpUser, type TestUser } from '../support/http-client.js';
import { PlainSocket } from '../support/plain-socket.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * Seed 001's contracts, spoken alongside Switchboard's: its flat task frames
 * for plain WebSocket clients (and how a Switchboard client is told apart),
 * its NATS subjects tasks.created|updated|deleted, and its log lines.
 */

const nowSeconds = () => Math.floor(Date.now() / 1000);

function expectSeed(frame: unknown, expected: Omit<SeedTaskEvent, 'timestamp'>): void {
  const seed = seedTaskEventSchema.parse(frame);
  expect(seed).toEqual({ ...expected, timestamp: seed.timestamp });
  expect(Math.abs(seed.timestamp - nowSeconds())).toBeLessThan(120);
}

describe('WebSocket: seed 001 clients and Switchboard clients on /ws', () => {
  let c: Cluster;
  let alice: TestUser;
  let bob: TestUser;
  const closers: (() => void)[] = [];
  beforeAll(async () => {
    c = await Cluster.start('seedws', 2);
    alice = await registerHttpUser(c.at(0).url, 'alice');
    bob = await registerHttpUser(c.at(0).url, 'bob');
  });
  afterAll(async () => {
    for (const close of closers) close();
    await c?.close();
  });
  const onB = (user: TestUser) => user.http.withBase(c.at(1).url);

  it('a plain client gets the seed’s flat frames for the boards it may read, and nothing else', async () => {
    const board = await onB(alice).ok('POST', '/api/boards', { title: 'Seed' });
    const hidden = await onB(bob).ok('POST', '/api/boards', { title: 'Not yours' });
    const plain = await PlainSocket.open(`${c.at(0).wsUrl}?token=${alice.token}`);
    closers.push(() => plain.close());
    expect(plain.ws.protocol).toBe('');

    const task = await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'one' });
    await onB(alice).ok('PATCH', `/api/tasks/${task.id}`, { title: 'one, done', completed: true });
    await onB(alice).ok('PATCH', `/api/tasks/${task.id}`, {
      column_id: board.columns[1].id,
    });
    await onB(alice).ok('POST', `/api/boards/${board.id}/columns`, { title: 'Later' });
    await onB(bob).ok('POST', '/api/tasks', { board_id: hidden.id, title: 'secret' });
    await onB(alice).ok('DELETE', `/api/tasks/${task.id}`);
    const sentinel = await onB(alice).ok('POST', '/api/tasks', {
      board_id: board.id,
      title: 'last',
    });

    const frames = await plain.waitForFrames(5, 'five seed frames');
    const ids = { task_id: task.id, board_id: board.id };
    expectSeed(frames[0], { type: 'created', ...ids, title: 'one' });
    expectSeed(frames[1], { type: 'updated', ...ids, title: 'one, done', completed: true });
    // A move is an update of the task (the seed had no columns).
    expectSeed(frames[2], { type: 'updated', ...ids, title: 'one, done', completed: true });
    expectSeed(frames[3], { type: 'deleted', ...ids, title: 'one, done', completed: true });
    expectSeed(frames[4], {
      type: 'created',
      task_id: sentinel.id,
      board_id: board.id,
      title: 'last',
    });
    // No welcome, no column event, nothing of Bob's board.
    expect(frames).toHaveLength(5);
  });

  it('a client that offers switchboard.v1 speaks Switchboard from its first frame', async () => {
    const board = await onB(alice).ok('POST', '/api/boards', { title: 'Offered' });
    const socket = await TestSocket.open(c.at(0).wsUrl, { token: alice.token }, alice.id);
    closers.push(() => socket.ws.terminate());
    expect(socket.ws.protocol).toBe(wsSubprotocol);
    expect(socket.messages[0]?.type).toBe('welcome');
    await waitUntil(() => c.at(0).realtime.stats().subscriptions > 0, 'all-boards set-up');
    await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'x' });
    await socket.waitFor((m) => m.type === 'event' && m.board_id === board.id, 'the event');
    expect(socket.invalid).toEqual([]);
  });

  it('a client without the subprotocol that speaks late gets every event since it connected, once, in Switchboard’s frames', async () => {
    const board = await onB(alice).ok('POST', '/api/boards', { title: 'Late' });
    const socket = await TestSocket.open(
      c.at(0).wsUrl,
      { token: alice.token, protocols: [], noWelcome: true },
      alice.id,
    );
    closers.push(() => socket.ws.terminate());
    expect(socket.ws.protocol).toBe('');
    // Taken for a plain client: the seed's frames, no welcome.
    await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'seen flat 1' });
    await waitUntil(() => socket.invalid.length === 1, 'a flat frame');
    await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'seen flat 2' });
    await waitUntil(() => socket.invalid.length === 2, 'another flat frame');
    expect(socket.messages).toEqual([]);

    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong', 'pong');
    await socket.waitFor((m) => m.type === 'welcome', 'the welcome, once it speaks');
    await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'after' });
    const head = (await onB(alice).ok('GET', `/api/boards/${board.id}`)).seq as number;
    await waitUntil(
      () => socket.applied.get(board.id)?.at(-1) === head,
      'the board up to its head',
    );
    // Everything after the point it connected at (the board's seq then), each once, in order.
    expect(socket.applied.get(board.id)).toEqual(
      Array.from({ length: head - board.seq }, (_, i) => board.seq + 1 + i),
    );
    expect(socket.anomalies).toEqual([]);
    expect(socket.invalid).toHaveLength(2);
  });

  it('a client without the subprotocol that subscribes at once never gets a flat frame', async () => {
    const board = await onB(alice).ok('POST', '/api/boards', { title: 'Eager' });
    const other = await onB(alice).ok('POST', '/api/boards', { title: 'Elsewhere' });
    const socket = await TestSocket.open(
      c.at(0).wsUrl,
      {
        token: alice.token,
        protocols: [],
        noWelcome: true,
        subscribe: { boardId: board.id, afterSeq: board.seq },
      },
      alice.id,
    );
    closers.push(() => socket.ws.terminate());
    await socket.waitFor((m) => m.type === 'subscribed', 'subscribed');
    await onB(alice).ok('POST', '/api/tasks', { board_id: other.id, title: 'not watched' });
    await onB(alice).ok('POST', '/api/tasks', { board_id: board.id, title: 'watched' });
    await waitUntil(() => socket.applied.get(board.id)?.length === 1, 'the watched event');
    expect(socket.messages.some((m) => m.type === 'welcome')).toBe(true);
    expect(socket.invalid).toEqual([]);
    expect(socket.applied.get(other.id)).toBeUndefined();
  });
});

const nats = (await busTargets()).find((t) => t.kind === 'nats')!;

describe('NATS: seed 001’s subjects tasks.created|updated|deleted', () => {
  const prefix = randomPrefix('seednats');
  let c: Cluster;
  beforeAll(async () => {
    if (!nats.available) return;
    c = await Cluster.start('seednats', 2, {
      bus: 'nats',
      busUrl: nats.url!,
      prefix,
      authMode: 'open',
    });
  });
  afterAll(async () => {
    await c?.close();
    await cleanBus(nats, prefix);
  });

  it.skipIf(!nats.available)(
    'a core subscriber on tasks.> gets each committed task event as the seed’s JSON; JetStream keeps each once',
    async () => {
      const nc = await connect({ servers: nats.url! });
      try {
        const got: { subject: string; data: unknown }[] = [];
        nc.subscribe(`${prefix}.tasks.>`, {
          callback: (err, msg) => {
            if (!err) got.push({ subject: msg.subject, data: msg.json() });
          },
        });
        await nc.flush();
        const a = new HttpClient(c.at(0).url);
        const b = new HttpClient(c.at(1).url);
        const task = await b.ok('POST', '/api/tasks', { board_id: 1, title: 'My first task' });
        await a.ok('PUT', `/api/tasks/${task.id}`, { completed: true });
        await b.ok('DELETE', `/api/tasks/${task.id}`);

        await waitUntil(() => got.length >= 3, 'three messages on tasks.>');
        expect(got.map((m) => m.subject)).toEqual(
          ['created', 'updated', 'deleted'].map((type) => `${prefix}.tasks.${type}`),
        );
        const ids = { task_id: task.id, board_id: 1 };
        expectSeed(got[0]!.data, { type: 'created', ...ids, title: 'My first task' });
        expectSeed(got[1]!.data, {
          type: 'updated',
          ...ids,
          title: 'My first task',
          completed: true,
        });
        expectSeed(got[2]!.data, {
          type: 'deleted',
          ...ids,
          title: 'My first task',
          completed: true,
        });

        // In JetStream: a stream of their own, each event once, with ids of their own.
        const jsm = await jetstreamManager(nc);
        const stream = `${prefix.toUpperCase()}_SB_TASKS`;
        expect((await jsm.streams.info(stream)).state.messages).toBe(3);
        const events = (await a.ok('GET', '/api/boards/1/events?after=0')).events as {
          id: string;
          type: string;
        }[];
        const taskEvents = events.filter((e) => e.type.startsWith('task.'));
        for (let seq = 1; seq <= 3; seq++) {
          const stored = await jsm.streams.getMessage(stream, { seq });
          const msgId = stored?.header?.get('Nats-Msg-Id');
          expect(msgId).toBe(
            `${taskEvents[seq - 1]!.id}:${['created', 'updated', 'deleted'][seq - 1]}`,
          );
        }
        const boards = await jsm.streams.info(`${prefix.toUpperCase()}_SB_BOARDS`);
        expect(boards.state.messages).toBeGreaterThanOrEqual(3);
        expect(got).toHaveLength(3);
      } finally {
        await nc.close();
      }
    },
  );
});

describe('the seed’s log lines at LOG_LEVEL=info', () => {
  let c: Cluster;
  let child: ChildInstance | undefined;
  beforeAll(async () => {
    c = await Cluster.start('seedlog', 0, { authMode: 'open' });
  });
  afterAll(async () => {
    await child?.kill();
    await c?.close();
  });

  it('says what it published and to how many clients it broadcast, with the counts', async () => {
    child = await startChild(
      { DATABASE_URL: c.testDb.url, AUTH_MODE: 'open', LOG_LEVEL: 'info', INSTANCE_ID: 'seedlog' },
      fastRealtime,
      { captureOutput: true },
    );
    const plain = await PlainSocket.open(child.wsUrl);
    const http = new HttpClient(child.url);
    try {
      await http.ok('POST', '/api/tasks', { board_id: 1, title: 'warm-up' });
      await plain.waitForFrames(1, 'the listener live');
      const task = await http.ok('POST', '/api/tasks', { board_id: 1, title: 'counted' });
      await plain.waitForFrames(2, 'the counted task');
      const lines = () =>
        child!.output.flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      const published = `Published event: tasks.created (task_id=${task.id}, board_id=1)`;
      const received = 'Received event on tasks.created, broadcasting to 1 clients';
      await waitUntil(
        () => lines().some((l) => l.msg === received && l.task_id === task.id),
        'the broadcast line',
      );
      const line = lines().find((l) => l.msg === published);
      expect(line).toMatchObject({
        level: 30,
        subject: 'tasks.created',
        task_id: task.id,
        board_id: 1,
      });
      expect(lines().find((l) => l.msg === received && l.task_id === task.id)).toMatchObject({
        level: 30,
        subject: 'tasks.created',
        board_id: 1,
        clients: 1,
      });
    } finally {
      plain.close();
    }
  });
});

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../support/cluster.js';
import { HttpClient, registerHttpUser, type TestUser } from '../support/http-client.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

let c: Cluster;
let alice: TestUser;
let bob: TestUser;
const sockets: TestSocket[] = [];

async function open(user?: TestUser, options: Parameters<typeof TestSocket.open>[1] = {}, at = 0) {
  const socket = await TestSocket.open(
    c.at(at).wsUrl,
    { ...(user ? { token: user.token } : {}), ...options },
    user?.id,
  );
  sockets.push(socket);
  return socket;
}

async function newBoard(user: TestUser, title = 'Board') {
  return user.http.ok('POST', '/api/boards', { title });
}

async function addTask(user: TestUser, boardId: number, title: string, at = 0) {
  return user.http.withBase(c.at(at).url).ok('POST', '/api/tasks', { board_id: boardId, title });
}

/** Sends raw bytes as an HTTP request and returns the raw response head and body. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(3_000, () => socket.destroy(new Error('timeout')));
  });
}

beforeAll(async () => {
  c = await Cluster.start('wsprotocol', 2, { realtime: { replayCap: 5 } });
  alice = await registerHttpUser(c.at(0).url, 'alice');
  bob = await registerHttpUser(c.at(0).url, 'bob');
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await c?.close();
});

describe('/ws over HTTP', () => {
  it('answers a plain GET with 426 and a coded body', async () => {
    const res = await new HttpClient(c.at(0).url).get('/ws');
    expect(res.status).toBe(426);
    expect(res.headers.get('upgrade')).toBe('websocket');
    expect(res.body.error.code).toBe('SB_ERR_UPGRADE_REQUIRED');
    expect(res.body.error.message).toMatch(/Upgrade Required/);
  });

  it('refuses a non-WebSocket upgrade with 426 and other paths with 404', async () => {
    const h2c = await rawRequest(
      c.at(0).port,
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
    );
    expect(h2c).toMatch(/^HTTP\/1.1 426/);
    expect(h2c).toContain('"code":"SB_ERR_UPGRADE_REQUIRED"');
    const other = await rawRequest(
      c.at(0).port,
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(other).toMatch(/^HTTP\/1.1 404/);
    expect(other).toContain('SB_ERR_ROUTE_NOT_FOUND');
  });

  it('reports the bus in /ready', async () => {
    const res = await new HttpClient(c.at(0).url).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'ok', bus: 'ok' });
  });
});

describe('authentication', () => {
  it('accepts a bearer header, a ?token= and the session cookie, and welcomes the user', async () => {
    for (const via of ['header', 'query', 'cookie'] as const) {
      const socket = await open(alice, { via });
      const welcome = socket.messages[0];
      expect(welcome).toEqual({
        type: 'welcome',
        user_id: alice.id,
        username: alice.username,
        instance: 'api-1',
      });
      socket.close();
    }
  });

  it('accepts a first {"type":"auth"} message', async () => {
    const socket = await open(undefined, { noWelcome: true });
    socket.send({ type: 'auth', token: bob.token });
    await socket.waitFor((m) => m.type === 'welcome', 'welcome');
    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong', 'pong');
  });

  it('closes with 4001 when no credentials come in time, or bad ones do', async () => {
    const silent = await open(undefined, { noWelcome: true });
    silent.send({ type: 'subscribe', board_id: 1 });
    expect(await silent.closed).toBe(4001);
    expect(silent.errors().map((e) => e.code)).toContain('SB_ERR_UNAUTHENTICATED');

    const forged = await open(undefined, { noWelcome: true, token: 'not-a-token' });
    expect(await forged.closed).toBe(4001);
    expect(forged.errors()[0]?.code).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('ignores a session cookie sent from a foreign origin (cross-site WebSocket hijacking)', async () => {
    const socket = await open(alice, {
      via: 'cookie',
      noWelcome: true,
      headers: { origin: 'https://evil.example' },
    });
    expect(await socket.closed).toBe(4001);
    expect(socket.messages.some((m) => m.type === 'welcome')).toBe(false);
  });

  it('closes a socket whose session logs out, with 4001', async () => {
    const carol = await registerHttpUser(c.at(0).url, 'carol');
    const socket = await open(carol);
    await carol.http.ok('POST', '/api/auth/logout');
    expect(await socket.closed).toBe(4001);
  });
});

describe('subscribe, replay and snapshot', () => {
  it('refuses a board the user is not a member of, like REST (SB_ERR_NOT_FOUND)', async () => {
    const board = await newBoard(alice, 'Private');
    const socket = await open(bob);
    socket.subscribe(board.id, 0);
    socket.subscribe(999_999, 0);
    await waitUntil(() => socket.errors().length === 2, 'two errors');
    // The two checks run concurrently; their answers may come in either order.
    expect(socket.errors().map((e) => [e.code, e.board_id])).toEqual(
      expect.arrayContaining([
        ['SB_ERR_NOT_FOUND', board.id],
        ['SB_ERR_NOT_FOUND', 999_999],
      ]),
    );
    await addTask(alice, board.id, 'secret');
    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong', 'pong');
    expect(socket.events()).toEqual([]);
  });

  it('without after_seq sends a snapshot, then subscribed, then live events', async () => {
    const board = await newBoard(alice);
    await addTask(alice, board.id, 'before');
    const socket = await open(alice);
    const seq = await socket.subscribeAndWait(board.id);
    const types = socket.messages.map((m) => m.type);
    expect(types.slice(1, 3)).toEqual(['snapshot', 'subscribed']);
    expect(seq).toBe(board.seq + 1);
    await addTask(alice, board.id, 'after', 1);
    await waitUntil(() => socket.eventSeqs(board.id).length === 1, 'live event');
    expect(socket.eventSeqs(board.id)).toEqual([seq + 1]);
    const detail = await alice.http.ok('GET', `/api/boards/${board.id}`);
    expect(socket.replicas.get(board.id)?.tasks).toEqual(
      Object.fromEntries(detail.tasks.map((t: { id: number }) => [t.id, t])),
    );
  });

  it('with after_seq replays exactly the missed events, in order; far behind or ahead gets a snapshot', async () => {
    const board = await newBoard(alice);
    for (let i = 0; i < 3; i++) await addTask(alice, board.id, `t${i}`);
    const socket = await open(alice);
    const seq = await socket.subscribeAndWait(board.id, board.seq);
    expect(socket.eventSeqs(board.id)).toEqual([board.seq + 1, board.seq + 2, board.seq + 3]);
    expect(seq).toBe(board.seq + 3);
    expect(socket.messages.some((m) => m.type === 'snapshot')).toBe(false);

    // replayCap is 5 here: 6 behind gets a snapshot instead.
    for (let i = 0; i < 6; i++) await addTask(alice, board.id, `u${i}`);
    const behind = await open(alice);
    await behind.subscribeAndWait(board.id, seq);
    expect(behind.messages.filter((m) => m.type === 'snapshot')).toHaveLength(1);
    expect(behind.events()).toEqual([]);

    const ahead = await open(alice);
    await ahead.subscribeAndWait(board.id, 10_000);
    expect(ahead.messages.filter((m) => m.type === 'snapshot')).toHaveLength(1);
  });

  it('unsubscribe stops delivery; a second subscribe to the same board resumes from its after_seq', async () => {
    const board = await newBoard(alice);
    const socket = await open(alice);
    await socket.subscribeAndWait(board.id, board.seq);
    await addTask(alice, board.id, 'one');
    await waitUntil(() => socket.events().length === 1, 'one event');
    socket.send({ type: 'unsubscribe', board_id: board.id });
    await addTask(alice, board.id, 'two');
    await addTask(alice, board.id, 'three');
    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong', 'pong');
    expect(socket.events()).toHaveLength(1);
    await socket.subscribeAndWait(board.id, board.seq + 1);
    expect(socket.eventSeqs(board.id)).toEqual([board.seq + 1, board.seq + 2, board.seq + 3]);
  });
});

describe('bad input', () => {
  it('answers malformed, binary and unknown messages with error frames and stays open', async () => {
    const socket = await open(alice);
    socket.send('not json');
    socket.send({ type: 'launch' });
    socket.send({ type: 'subscribe', board_id: 'one' });
    socket.send({ type: 'subscribe', board_id: 1, extra: true });
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitUntil(() => socket.errors().length === 5, 'five errors');
    expect(new Set(socket.errors().map((e) => e.code))).toEqual(new Set(['SB_ERR_WS_BAD_MESSAGE']));
    socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'pong', 'pong');
    expect(socket.invalid).toEqual([]);
  });

  it('closes with 1009 on a frame over 64 KiB', async () => {
    const socket = await open(alice);
    socket.send({ type: 'auth', token: 'x'.repeat(70 * 1024) });
    expect(await socket.closed).toBe(1009);
  });

  it('rate-limits: excess messages get an error frame, sustained flooding closes with 4029', async () => {
    const socket = await open(alice);
    for (let i = 0; i < 45; i++) socket.send({ type: 'ping' });
    await socket.waitFor((m) => m.type === 'error', 'rate-limit error');
    expect(socket.errors()[0]?.code).toBe('SB_ERR_WS_RATE_LIMITED');
    expect(socket.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(41);
    for (let i = 0; i < 200; i++) socket.send({ type: 'ping' });
    expect(await socket.closed).toBe(4029);
  });
});

describe('the all-boards default', () => {
  it('gets every board the user may read, and only those', async () => {
    const mine = await newBoard(bob, 'Mine');
    const theirs = await newBoard(alice, 'Theirs');
    const listener = await open(bob);
    await waitUntil(() => c.at(0).realtime.stats().subscriptions > 0, 'set-up');
    await addTask(bob, mine.id, 'visible', 1);
    await addTask(alice, theirs.id, 'hidden', 1);
    await waitUntil(() => listener.events().length === 1, 'one event');
    await addTask(bob, mine.id, 'visible too', 0);
    await waitUntil(() => listener.events().length === 2, 'two events');
    expect(listener.events().map((e) => e.board_id)).toEqual([mine.id, mine.id]);
  });

  it('a listener connected just before a write still gets it (the default only starts late)', async () => {
    const board = await newBoard(bob, 'Right away');
    const listener = await open(bob);
    await addTask(bob, board.id, 'immediately', 1);
    await waitUntil(() => listener.events().length === 1, 'the event');
    expect(listener.events()[0]?.type).toBe('task.created');
  });

  it('a client that subscribes soon after connecting gets no all-boards traffic first', async () => {
    const wanted = await newBoard(bob, 'Wanted');
    const other = await newBoard(bob, 'Other');
    let writing = true;
    const noise = (async () => {
      while (writing) await addTask(bob, other.id, 'noise', 1);
    })();
    try {
      const socket = await open(bob);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await socket.subscribeAndWait(wanted.id, wanted.seq);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await addTask(bob, wanted.id, 'wanted', 1);
      await waitUntil(() => socket.events().length > 0, 'an event');
      expect(socket.events().map((e) => e.board_id)).toEqual([wanted.id]);
    } finally {
      writing = false;
      await noise;
    }
  });

  it('starts at member.added and stops after member.removed, across instances', async () => {
    const board = await newBoard(alice, 'Shared later');
    const dave = await registerHttpUser(c.at(0).url, 'dave');
    const listener = await open(dave, {}, 0);
    await addTask(alice, board.id, 'before joining', 1);
    await alice.http
      .withBase(c.at(1).url)
      .ok('POST', `/api/boards/${board.id}/members`, { username: dave.username, role: 'viewer' });
    await addTask(alice, board.id, 'while a member', 1);
    await waitUntil(() => listener.events().length === 2, 'member.added + task');
    expect(listener.events().map((e) => e.type)).toEqual(['member.added', 'task.created']);
    await alice.http
      .withBase(c.at(1).url)
      .ok('DELETE', `/api/boards/${board.id}/members/${dave.id}`);
    await waitUntil(() => listener.events().length === 3, 'member.removed');
    await addTask(alice, board.id, 'after removal', 1);
    await addTask(alice, board.id, 'after removal 2', 0);
    listener.send({ type: 'ping' });
    await listener.waitFor((m) => m.type === 'pong', 'pong');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listener.events().map((e) => e.type)).toEqual([
      'member.added',
      'task.created',
      'member.removed',
    ]);
    expect(listener.anomalies).toEqual([]);
  });

  it('an explicit subscriber who is removed gets an error and no further events', async () => {
    const board = await newBoard(alice, 'Kick');
    const erin = await registerHttpUser(c.at(0).url, 'erin');
    await alice.http.ok('POST', `/api/boards/${board.id}/members`, { username: erin.username });
    const socket = await open(erin, {}, 1);
    await socket.subscribeAndWait(board.id, board.seq + 1);
    await alice.http.ok('DELETE', `/api/boards/${board.id}/members/${erin.id}`);
    await socket.waitFor((m) => m.type === 'error' && m.board_id === board.id, 'removal error');
    expect(socket.errors().at(-1)?.code).toBe('SB_ERR_NOT_FOUND');
    await addTask(alice, board.id, 'after removal');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(socket.events().map((e) => e.type)).toEqual(['member.removed']);
  });
});

describe('membership checks cached on a live board', () => {
  it('a removed member cannot subscribe again while the board stays watched', async () => {
    const board = await newBoard(alice, 'Cached');
    const frank = await registerHttpUser(c.at(0).url, 'frank');
    await alice.http.ok('POST', `/api/boards/${board.id}/members`, { username: frank.username });
    const keeper = await open(alice, {}, 0);
    await keeper.subscribeAndWait(board.id, board.seq);
    const first = await open(frank, {}, 0);
    await first.subscribeAndWait(board.id, board.seq + 1);
    // Second subscription: answered from the channel's readers, no query.
    const second = await open(frank, {}, 0);
    await second.subscribeAndWait(board.id, board.seq + 1);
    await alice.http
      .withBase(c.at(1).url)
      .ok('DELETE', `/api/boards/${board.id}/members/${frank.id}`);
    await keeper.waitFor((m) => m.type === 'event' && m.event.type === 'member.removed', 'removal');
    const head = (await alice.http.ok('GET', `/api/boards/${board.id}`)).seq;
    const again = await open(frank, {}, 0);
    again.subscribe(board.id, head);
    const refusal = await again.waitFor((m) => m.type === 'error', 'refusal');
    expect(refusal).toMatchObject({ code: 'SB_ERR_NOT_FOUND', board_id: board.id });
    await addTask(alice, board.id, 'private again');
    await keeper.waitFor((m) => m.type === 'event' && m.event.type === 'task.created', 'task');
    expect(again.events()).toEqual([]);
  });
});

describe('shutdown', () => {
  it('closes sockets with 1001 so clients resume elsewhere', async () => {
    const extra = await c.add();
    const socket = await TestSocket.open(extra.wsUrl, { token: alice.token }, alice.id);
    sockets.push(socket);
    await extra.close();
    expect(await socket.closed).toBe(1001);
    c.instances.pop();
  });
});

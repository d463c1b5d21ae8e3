import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildInstance, startChild } from '../support/child-instance.js';
import { Cluster, fastRealtime } from '../support/cluster.js';
import { registerHttpUser, type TestUser } from '../support/http-client.js';
import { expectMatchesLog } from '../support/log-check.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * A rolling update stops one API instance with SIGTERM. It must stop taking
 * connections, let the request it is working on finish, close its
 * WebSockets with 1001 (clients resume elsewhere by seq), then exit.
 */
let c: Cluster;
let alice: TestUser;
let child: ChildInstance | undefined;
let locker: pg.Client | undefined;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  c = await Cluster.start('shutdown', 1);
  alice = await registerHttpUser(c.at(0).url, 'alice');
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await locker?.end().catch(() => {});
  await child?.kill();
  await c?.close();
});

/** Whether a backend of the leaving instance waits for a lock (the slow request is in flight). */
async function leavingInstanceWaits(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE application_name = 'switchboard-leaving' AND wait_event_type = 'Lock'`,
  );
  return (rows[0]?.n ?? 0) > 0;
}

describe('SIGTERM', () => {
  it('closes WebSockets with 1001, finishes the request in flight, refuses new ones, exits 0', async () => {
    child = await startChild({ DATABASE_URL: c.testDb.url, INSTANCE_ID: 'leaving' }, fastRealtime);
    const exited = new Promise<number | null>((resolve) =>
      child!.process.once('exit', (code) => resolve(code)),
    );
    const board = await alice.http
      .withBase(c.at(0).url)
      .ok('POST', '/api/boards', { title: 'Rolling' });
    const watcher = await TestSocket.open(child.wsUrl, { token: alice.token }, alice.id);
    sockets.push(watcher);
    watcher.seed(board);
    await watcher.subscribeAndWait(board.id, board.seq);

    // A slow request: the board's row lock is held, so the write waits for it.
    locker = new pg.Client({ connectionString: c.testDb.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM boards WHERE id = $1 FOR UPDATE', [board.id]);
    const slow = alice.http
      .withBase(child.url)
      .request('POST', '/api/tasks', { board_id: board.id, title: 'in flight' });
    await waitUntil(() => leavingInstanceWaits(locker!), 'the request to wait for the lock');

    child.process.kill('SIGTERM');
    expect(await watcher.closed).toBe(1001);
    // It stopped listening first: a new connection is refused (not answered 503).
    const late = await fetch(`${child.url}/health`).then(
      (res) => `status ${res.status}`,
      () => 'refused',
    );
    expect(late).toBe('refused');

    await locker.query('COMMIT');
    const res = await slow;
    expect(res.status).toBe(201);
    expect(res.headers.get('connection')).toBe('close');
    expect(await exited).toBe(0);

    // The watcher resumes on another instance by seq and has everything.
    const resumed = await TestSocket.open(c.at(0).wsUrl, { token: alice.token }, alice.id, {
      replica: watcher.replicas.get(board.id)!,
      applied: watcher.applied.get(board.id) ?? [],
    });
    sockets.push(resumed);
    await resumed.subscribeAndWait(board.id);
    expect(resumed.events(board.id).map((e) => e.type)).toEqual(['task.created']);
    await expectMatchesLog(resumed, alice.http.withBase(c.at(0).url), board.id, board.seq);
  });
});

import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import type { Actor } from '../src/auth/actor.js';
import { createBoard } from '../src/store/boards.js';
import { type DatabaseHandle, openDatabase } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { writeBoard } from '../src/store/board-write.js';
import { createTask, insertTask, updateTask } from '../src/store/tasks.js';
import { trashTask } from '../src/store/trash.js';
import { createUser } from '../src/store/users.js';

/**
 * Round trips to PostgreSQL per board write (issue 16: every trip held under
 * the board lock costs the whole board). A trip is a batch of statements
 * sent while none is awaiting its answer: pipelined statements share one.
 * Counted on every pool client, so reads before the transaction count too.
 * The documented figures (docs/write-path.md) are upper bounds: a write that
 * takes more trips fails here.
 */
export const documentedTrips = {
  create: 3,
  update: 3,
  move: 3,
  delete: 3,
} as const;

let testDb: TestDatabase;
let handle: DatabaseHandle;
let actor: Actor;
let trips = 0;
let statements = 0;
let inFlight = 0;

function countTrips(client: pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    if (inFlight === 0) trips++;
    inFlight++;
    statements++;
    const done = () => {
      inFlight--;
    };
    const result = query(...args);
    if (result instanceof Promise) result.then(done, done);
    else done();
    return result;
  };
}

const sent: Record<string, number> = {};

async function measure(kind: string, write: () => Promise<unknown>): Promise<number> {
  trips = 0;
  statements = 0;
  await write();
  expect(inFlight).toBe(0);
  sent[kind] = statements;
  return trips;
}

beforeAll(async () => {
  testDb = await createTestDatabase('roundtrips');
  handle = openDatabase(testDb.url, 4, 'round-trips-test');
  handle.pool.on('connect', countTrips);
  await migrateToLatest(handle.db);
  const user = await createUser(handle.db, 'trips', 'x');
  actor = { id: user.id, username: user.username, sharedAccess: false };
});
afterAll(async () => {
  await handle?.close();
  await testDb?.drop();
});

it('each kind of task write takes no more than its documented round trips', async () => {
  const { result: board } = await createBoard(handle.db, actor, { title: 'trips' });
  const [todo, doing] = board.columns;
  const seen: Record<string, number> = {};

  seen.create = await measure('create', () =>
    createTask(handle.db, actor, { board_id: board.id, title: 'a' }),
  );
  const { result: first } = await createTask(handle.db, actor, {
    board_id: board.id,
    title: 'b',
    column_id: doing!.id,
  });
  const { result: task } = await createTask(handle.db, actor, { board_id: board.id, title: 'c' });

  seen.update = await measure('update', () =>
    updateTask(handle.db, actor, task.id, { title: 'c2', version: task.version }, undefined),
  );
  seen.move = await measure('move', () =>
    updateTask(
      handle.db,
      actor,
      task.id,
      { column_id: doing!.id, after_id: first.id, version: task.version + 1 },
      undefined,
    ),
  );
  seen.delete = await measure('delete', () =>
    trashTask(handle.db, actor, task.id, undefined, 60_000),
  );
  expect(todo).toBeDefined();

  console.log(
    `round trips per write: ${JSON.stringify(seen)}; statements: ${JSON.stringify(sent)}`,
  );
  for (const [kind, limit] of Object.entries(documentedTrips)) {
    expect(seen[kind], kind).toBeLessThanOrEqual(limit);
  }
});

it('a write that fails in its last trip (beside the append and COMMIT) leaves no trace', async () => {
  const { result: board } = await createBoard(handle.db, actor, { title: 'no trace' });
  const seqOf = async () =>
    (
      await handle.db
        .selectFrom('boards')
        .select('seq')
        .where('id', '=', board.id)
        .executeTakeFirstOrThrow()
    ).seq;
  const titles = async () =>
    (
      await handle.db.selectFrom('tasks').select('title').where('board_id', '=', board.id).execute()
    ).map((r) => r.title);
  const seq = await seqOf();
  await expect(
    writeBoard(handle.db, board.id, actor, 'task.write', async (ctx) => {
      const task = await insertTask(ctx, board.id, { title: 'ghost', created_by: actor.id });
      ctx.emit({ type: 'task.created', payload: { task } });
      ctx.defer(sql`SELECT 1 / 0`.compile(ctx.tx));
      return task;
    }),
  ).rejects.toThrow(/division by zero/);
  expect(await titles()).toEqual([]);
  expect(await seqOf()).toBe(seq);

  // A stale version is a 409 and changes nothing; the pool's connections still work after both.
  const { result: task } = await createTask(handle.db, actor, {
    board_id: board.id,
    title: 'real',
  });
  await expect(
    updateTask(handle.db, actor, task.id, { title: 'stale', version: task.version + 5 }, undefined),
  ).rejects.toMatchObject({ code: 'SB_ERR_VERSION_CONFLICT' });
  expect(await titles()).toEqual(['real']);
  expect(await seqOf()).toBe(seq + 1);
  for (let i = 0; i < 8; i++) {
    await createTask(handle.db, actor, { board_id: board.id, title: `after ${i}` });
  }
  expect(await seqOf()).toBe(seq + 9);
});

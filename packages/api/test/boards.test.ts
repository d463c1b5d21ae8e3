import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
let alice: Client & { userId: number; username: string };
let bob: Client & { userId: number; username: string };
beforeAll(async () => {
  h = await startHarness('boards');
  alice = await registerUser(h.app, 'alice');
  bob = await registerUser(h.app, 'bob');
});
afterAll(async () => h?.close());

const types = async (boardId: number, after = 0) =>
  (
    (await alice.get(`/api/boards/${boardId}/events?after=${after}`)).body.events as {
      type: string;
    }[]
  ).map((e) => e.type);

describe('boards', () => {
  it('a new board has the default columns, its owner, and its opening events', async () => {
    const res = await alice.post('/api/boards', { title: 'Launch' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Launch',
      archived: false,
      role: 'owner',
      version: 1,
      seq: 5,
      tasks: [],
    });
    expect(res.body.members).toEqual([
      expect.objectContaining({ user_id: alice.userId, role: 'owner' }),
    ]);
    expect(await types(res.body.id)).toEqual([
      'board.created',
      'column.created',
      'column.created',
      'column.created',
      'member.added',
    ]);
    const custom = await alice.post('/api/boards', {
      title: 'Custom',
      columns: ['Backlog', 'Doing'],
    });
    expect(custom.body.columns.map((c: { title: string }) => c.title)).toEqual([
      'Backlog',
      'Doing',
    ]);
  });

  it('rename with If-Match, archive makes it read-only, unarchive restores', async () => {
    const board = (await alice.post('/api/boards', { title: 'Old' })).body;
    const stale = await alice.patch(
      `/api/boards/${board.id}`,
      { title: 'New' },
      { 'if-match': '"7"' },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current).toMatchObject({ title: 'Old', version: 1 });
    const renamed = await alice.patch(
      `/api/boards/${board.id}`,
      { title: 'New' },
      { 'if-match': '"1"' },
    );
    expect(renamed.body).toMatchObject({ title: 'New', version: 2, seq: board.seq + 1 });
    expect((await alice.get(`/api/boards/${board.id}`)).body.seq).toBe(board.seq + 1);

    expect((await alice.patch(`/api/boards/${board.id}`, { archived: true })).body.archived).toBe(
      true,
    );
    const write = await alice.post('/api/tasks', { board_id: board.id, title: 'nope' });
    expect(write.status).toBe(409);
    expect(write.body.error.code).toBe('SB_ERR_BOARD_ARCHIVED');
    expect(
      (await alice.patch(`/api/boards/${board.id}`, { title: 'Renamed while archived' })).status,
    ).toBe(409);
    expect(
      (await alice.get('/api/boards')).body.boards.map((b: { id: number }) => b.id),
    ).not.toContain(board.id);
    expect(
      (await alice.get('/api/boards?archived=true')).body.boards.map((b: { id: number }) => b.id),
    ).toContain(board.id);
    expect((await alice.patch(`/api/boards/${board.id}`, { archived: false })).body.archived).toBe(
      false,
    );
    expect((await alice.post('/api/tasks', { board_id: board.id, title: 'yes' })).status).toBe(201);
  });

  it('delete removes the board and its tasks but keeps the final event in the log', async () => {
    const board = (await alice.post('/api/boards', { title: 'Doomed' })).body;
    const task = (await alice.post('/api/tasks', { board_id: board.id, title: 't' })).body;
    expect((await alice.delete(`/api/boards/${board.id}`)).status).toBe(204);
    expect((await alice.get(`/api/boards/${board.id}`)).status).toBe(404);
    expect((await alice.get(`/api/tasks/${task.id}`)).status).toBe(404);
    expect((await alice.delete(`/api/boards/${board.id}`)).status).toBe(404);
    const last = await h.deps.db
      .selectFrom('board_events')
      .select(['type', 'seq'])
      .where('board_id', '=', board.id)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(last).toEqual({ type: 'board.deleted', seq: board.seq + 2 });
  });
});

describe('columns', () => {
  it('add, rename, set WIP limit, reorder, in order', async () => {
    const board = (await alice.post('/api/boards', { title: 'Cols' })).body;
    const [todo, doing, done] = board.columns;
    const review = await alice.post(`/api/boards/${board.id}/columns`, {
      title: 'Review',
      after_id: doing.id,
      wip_limit: 3,
    });
    expect(review.status).toBe(201);
    const list = async () =>
      (
        (await alice.get(`/api/boards/${board.id}/columns`)).body.columns as { title: string }[]
      ).map((c) => c.title);
    expect(await list()).toEqual(['To do', 'In progress', 'Review', 'Done']);
    await alice.patch(`/api/boards/${board.id}/columns/${done.id}`, { before_id: todo.id });
    expect(await list()).toEqual(['Done', 'To do', 'In progress', 'Review']);
    const renamed = await alice.patch(`/api/boards/${board.id}/columns/${review.body.id}`, {
      title: 'QA',
      wip_limit: null,
    });
    expect(renamed.body).toMatchObject({ title: 'QA', wip_limit: null, version: 2 });
    expect(
      (await alice.patch(`/api/boards/${board.id}/columns/${review.body.id}`, { wip_limit: 0 }))
        .status,
    ).toBe(400);
    const other = (await bob.post('/api/boards', { title: 'Bob' })).body;
    expect(
      (await alice.patch(`/api/boards/${board.id}/columns/${other.columns[0].id}`, { title: 'x' }))
        .status,
    ).toBe(404);
  });

  it('deleting a column with tasks needs move_to, which moves them in order after the target’s tasks', async () => {
    const board = (await alice.post('/api/boards', { title: 'Del' })).body;
    const [todo, doing] = board.columns;
    for (const t of ['x', 'y'])
      await alice.post('/api/tasks', { board_id: board.id, column_id: doing.id, title: t });
    for (const t of ['a', 'b', 'c'])
      await alice.post('/api/tasks', { board_id: board.id, column_id: todo.id, title: t });
    const refused = await alice.delete(`/api/boards/${board.id}/columns/${todo.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'SB_ERR_COLUMN_NOT_EMPTY',
      details: { tasks: 3 },
    });
    expect(
      (await alice.delete(`/api/boards/${board.id}/columns/${todo.id}?move_to=${todo.id}`)).status,
    ).toBe(422);
    expect(
      (await alice.delete(`/api/boards/${board.id}/columns/${todo.id}?move_to=999999`)).status,
    ).toBe(422);
    expect(
      (await alice.delete(`/api/boards/${board.id}/columns/${todo.id}?move_to=${doing.id}`)).status,
    ).toBe(204);
    const detail = (await alice.get(`/api/boards/${board.id}`)).body;
    expect(detail.columns.map((c: { id: number }) => c.id)).not.toContain(todo.id);
    expect(
      detail.tasks
        .filter((t: { column_id: number }) => t.column_id === doing.id)
        .map((t: { title: string }) => t.title),
    ).toEqual(['x', 'y', 'a', 'b', 'c']);
    const event = (await alice.get(`/api/boards/${board.id}/events?after=${detail.seq - 1}`)).body
      .events[0];
    expect(event.type).toBe('column.deleted');
    expect(event.payload.moved_tasks.map((t: { title: string }) => t.title)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('move_to respects the target’s WIP limit', async () => {
    const board = (await alice.post('/api/boards', { title: 'Wip' })).body;
    const [todo, doing] = board.columns;
    await alice.patch(`/api/boards/${board.id}/columns/${doing.id}`, { wip_limit: 1 });
    for (const t of ['a', 'b'])
      await alice.post('/api/tasks', { board_id: board.id, column_id: todo.id, title: t });
    const res = await alice.delete(
      `/api/boards/${board.id}/columns/${todo.id}?move_to=${doing.id}`,
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SB_ERR_WIP_LIMIT_REACHED');
    expect((await alice.get(`/api/boards/${board.id}`)).body.tasks).toHaveLength(2);
  });
});

describe('members', () => {
  it('add by username, change role, remove; a removed member is unassigned everywhere', async () => {
    const board = (await alice.post('/api/boards', { title: 'Team' })).body;
    const add = await alice.post(`/api/boards/${board.id}/members`, {
      username: bob.username.toUpperCase(),
    });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ user_id: bob.userId, username: bob.username, role: 'editor' });
    expect(
      (await alice.post(`/api/boards/${board.id}/members`, { username: bob.username })).status,
    ).toBe(409);
    const unknown = await alice.post(`/api/boards/${board.id}/members`, { username: 'ghost_user' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('SB_ERR_UNKNOWN_USER');
    expect(
      (await alice.post(`/api/boards/${board.id}/members`, { username: 'anonymous' })).status,
    ).toBe(422);

    const task = (
      await alice.post('/api/tasks', {
        board_id: board.id,
        title: 't',
        assignee_ids: [bob.userId, alice.userId],
      })
    ).body;
    expect(
      (await alice.patch(`/api/boards/${board.id}/members/${bob.userId}`, { role: 'owner' })).body
        .role,
    ).toBe('owner');
    // Now alice may step down: bob is another owner.
    expect(
      (await alice.patch(`/api/boards/${board.id}/members/${alice.userId}`, { role: 'editor' }))
        .status,
    ).toBe(200);
    expect((await bob.delete(`/api/boards/${board.id}/members/${alice.userId}`)).status).toBe(204);
    const after = (await bob.get(`/api/tasks/${task.id}`)).body;
    expect(after.assignee_ids).toEqual([bob.userId]);
    expect(after.version).toBe(2);
    const tail = (
      await bob.get(`/api/boards/${board.id}/events?after=0&limit=100`)
    ).body.events.slice(-2);
    expect(tail.map((e: { type: string }) => e.type)).toEqual(['task.updated', 'member.removed']);
    expect(
      (await bob.patch(`/api/boards/${board.id}/members/${bob.userId}`, { role: 'viewer' })).status,
    ).toBe(409);
  });
});

describe('history', () => {
  it('pages the log with after and limit', async () => {
    const board = (await alice.post('/api/boards', { title: 'Log' })).body;
    for (let i = 0; i < 5; i++)
      await alice.post('/api/tasks', { board_id: board.id, title: `t${i}` });
    const first = await alice.get(`/api/boards/${board.id}/events?after=0&limit=4`);
    expect(first.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.body).toMatchObject({ last_seq: 10, has_more: true });
    const rest = await alice.get(`/api/boards/${board.id}/events?after=4&limit=100`);
    expect(rest.body.events.map((e: { seq: number }) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.body.has_more).toBe(false);
    expect(rest.body.events[1]).toMatchObject({
      type: 'task.created',
      actor: alice.userId,
      board_id: board.id,
    });
    expect((await alice.get(`/api/boards/${board.id}/events?limit=0`)).status).toBe(400);
    expect((await alice.get(`/api/boards/${board.id}/events?limit=1001`)).status).toBe(400);
  });
});

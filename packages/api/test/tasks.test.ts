import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
let alice: Client & { userId: number; username: string };
let bob: Client & { userId: number; username: string };
let boardId: number;
let cols: number[];

beforeAll(async () => {
  h = await startHarness('tasks');
  alice = await registerUser(h.app, 'alice');
  bob = await registerUser(h.app, 'bob');
  const board = await alice.post('/api/boards', { title: 'Tasks' });
  boardId = board.body.id;
  cols = board.body.columns.map((c: { id: number }) => c.id);
  await alice.post(`/api/boards/${boardId}/members`, { username: bob.username, role: 'editor' });
});
afterAll(async () => h?.close());

const titles = async (columnId: number) =>
  (
    (await alice.get(`/api/tasks?board_id=${boardId}&column_id=${columnId}&page_size=500`)).body
      .tasks as { title: string }[]
  ).map((t) => t.title);

describe('tasks', () => {
  it('create with every field, defaults otherwise', async () => {
    const due = '2026-12-01T09:00:00.000Z';
    const full = await alice.post('/api/tasks', {
      board_id: boardId,
      column_id: cols[1],
      title: '  Ship it  ',
      description: '**bold**',
      completed: true,
      assignee_ids: [bob.userId, alice.userId, bob.userId],
      labels: ['urgent', 'urgent', 'api'],
      due_at: '2026-12-01T10:00:00+01:00',
    });
    expect(full.status).toBe(201);
    expect(full.body).toMatchObject({
      column_id: cols[1],
      title: 'Ship it',
      description: '**bold**',
      completed: true,
      assignee_ids: [bob.userId, alice.userId],
      labels: ['urgent', 'api'],
      due_at: due,
      created_by: alice.userId,
      version: 1,
    });
    const bare = await alice.post('/api/tasks', { board_id: boardId, title: 'Bare' });
    expect(bare.body).toMatchObject({
      column_id: cols[0],
      description: '',
      completed: false,
      assignee_ids: [],
      labels: [],
      due_at: null,
    });
  });

  it('enforces the field limits', async () => {
    const long = await alice.post('/api/tasks', { board_id: boardId, title: 'x'.repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body.error.details.issues[0].path).toBe('body.title');
    expect(
      (await alice.post('/api/tasks', { board_id: boardId, title: 'x'.repeat(200) })).status,
    ).toBe(201);
    expect(
      (
        await alice.post('/api/tasks', {
          board_id: boardId,
          title: 'd',
          description: 'y'.repeat(20_001),
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await alice.post('/api/tasks', {
          board_id: boardId,
          title: 'd',
          description: 'y'.repeat(20_000),
        })
      ).status,
    ).toBe(201);
    const blank = await alice.post('/api/tasks', { board_id: boardId, title: '   ' });
    expect(blank.status).toBe(400);
    const bad = await alice.post('/api/tasks', {
      board_id: boardId,
      title: 'ok',
      due_at: 'tomorrow',
    });
    expect(bad.body.error.details.issues[0].path).toBe('body.due_at');
  });

  it('assignees must be members; created_by must be the caller', async () => {
    const stranger = await registerUser(h.app, 'stranger');
    const res = await alice.post('/api/tasks', {
      board_id: boardId,
      title: 'x',
      assignee_ids: [stranger.userId],
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'SB_ERR_NOT_A_MEMBER',
      details: { assignee_ids: [stranger.userId] },
    });
    const spoof = await alice.post('/api/tasks', {
      board_id: boardId,
      title: 'x',
      created_by: bob.userId,
    });
    expect(spoof.status).toBe(400);
    expect(
      (await alice.post('/api/tasks', { board_id: boardId, title: 'x', created_by: alice.userId }))
        .status,
    ).toBe(201);
  });

  it('refuses a column of another board, and names it', async () => {
    const other = await bob.post('/api/boards', { title: 'Bob’s' });
    const res = await alice.post('/api/tasks', {
      board_id: boardId,
      title: 'x',
      column_id: other.body.columns[0].id,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('SB_ERR_UNKNOWN_COLUMN');
  });

  it('moves within and between columns beside the named neighbours, never renumbering', async () => {
    const col = cols[2]!;
    const ids: Record<string, number> = {};
    for (const t of ['a', 'b', 'c', 'd'])
      ids[t] = (
        await alice.post('/api/tasks', { board_id: boardId, column_id: col, title: t })
      ).body.id;
    const positionsBefore = (
      await alice.get(`/api/tasks?board_id=${boardId}&column_id=${col}`)
    ).body.tasks.map((t: { id: number; position: string }) => [t.id, t.position]);
    await alice.patch(`/api/tasks/${ids.d}`, { after_id: ids.a });
    expect(await titles(col)).toEqual(['a', 'd', 'b', 'c']);
    await alice.patch(`/api/tasks/${ids.a}`, { before_id: ids.c });
    expect(await titles(col)).toEqual(['d', 'b', 'a', 'c']);
    // Only the moved tasks got new keys.
    const after = new Map(
      (await alice.get(`/api/tasks?board_id=${boardId}&column_id=${col}`)).body.tasks.map(
        (t: { id: number; position: string }) => [t.id, t.position],
      ),
    );
    for (const [id, position] of positionsBefore)
      if (id === ids.b || id === ids.c) expect(after.get(id)).toBe(position);
    // Into another column, just before a task there, then at the end.
    const anchor = (
      await alice.post('/api/tasks', { board_id: boardId, column_id: cols[1], title: 'anchor' })
    ).body.id;
    const moved = await alice.patch(`/api/tasks/${ids.b}`, {
      column_id: cols[1],
      before_id: anchor,
    });
    expect(moved.status).toBe(200);
    expect((await titles(cols[1]!)).slice(-2)).toEqual(['b', 'anchor']);
    await alice.patch(`/api/tasks/${ids.c}`, { column_id: cols[1] });
    expect((await titles(cols[1]!)).at(-1)).toBe('c');
    const events = (await alice.get(`/api/boards/${boardId}/events?after=0&limit=1000`)).body
      .events;
    const lastMove = events.findLast((e: { type: string }) => e.type === 'task.moved');
    expect(lastMove.payload).toMatchObject({
      from_column_id: col,
      task: { id: ids.c, column_id: cols[1] },
    });
  });

  it('refuses neighbours that are not in the target column, out of order, or the task itself', async () => {
    const a = (
      await alice.post('/api/tasks', { board_id: boardId, column_id: cols[0], title: 'na' })
    ).body;
    const b = (
      await alice.post('/api/tasks', { board_id: boardId, column_id: cols[0], title: 'nb' })
    ).body;
    const elsewhere = (
      await alice.post('/api/tasks', { board_id: boardId, column_id: cols[2], title: 'ne' })
    ).body;
    for (const body of [
      { after_id: elsewhere.id },
      { column_id: cols[2], after_id: a.id },
      { after_id: a.id, before_id: a.id },
      { after_id: b.id, before_id: a.id },
      { after_id: 999_999 },
    ]) {
      const res = await alice.patch(
        `/api/tasks/${elsewhere.id === body.after_id ? a.id : b.id}`,
        body,
      );
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe('SB_ERR_BAD_NEIGHBOUR');
    }
    const self = await alice.patch(`/api/tasks/${a.id}`, { after_id: a.id });
    expect(self.body.error.code).toBe('SB_ERR_BAD_NEIGHBOUR');
  });

  it('holds a column to its WIP limit', async () => {
    const column = (
      await alice.post(`/api/boards/${boardId}/columns`, { title: 'Doing', wip_limit: 2 })
    ).body;
    await alice.post('/api/tasks', { board_id: boardId, column_id: column.id, title: 'w1' });
    await alice.post('/api/tasks', { board_id: boardId, column_id: column.id, title: 'w2' });
    const third = await alice.post('/api/tasks', {
      board_id: boardId,
      column_id: column.id,
      title: 'w3',
    });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({
      code: 'SB_ERR_WIP_LIMIT_REACHED',
      details: { wip_limit: 2 },
    });
    const outside = (await alice.post('/api/tasks', { board_id: boardId, title: 'w4' })).body;
    expect((await alice.patch(`/api/tasks/${outside.id}`, { column_id: column.id })).status).toBe(
      409,
    );
    // Moving within the full column is fine.
    const inside = (await alice.get(`/api/tasks?board_id=${boardId}&column_id=${column.id}`)).body
      .tasks;
    expect(
      (await alice.patch(`/api/tasks/${inside[1].id}`, { before_id: inside[0].id })).status,
    ).toBe(200);
  });

  it('filters and pages the flat list', async () => {
    const board = (await alice.post('/api/boards', { title: 'Paging' })).body;
    for (let i = 0; i < 7; i++)
      await alice.post('/api/tasks', {
        board_id: board.id,
        title: `p${i}`,
        completed: i % 2 === 0,
      });
    const page2 = await alice.get(`/api/tasks?board_id=${board.id}&page=2&page_size=3`);
    expect(page2.body).toMatchObject({ total_count: 7, page: 2, page_size: 3 });
    expect(page2.body.tasks.map((t: { title: string }) => t.title)).toEqual(['p3', 'p4', 'p5']);
    const done = await alice.get(`/api/tasks?board_id=${board.id}&completed=true`);
    expect(done.body.total_count).toBe(4);
    expect((await alice.get(`/api/tasks?board_id=${board.id}&completed=yes`)).status).toBe(400);
    expect((await alice.get(`/api/tasks?board_id=${board.id}&page_size=501`)).status).toBe(400);
    expect((await alice.get(`/api/tasks?board_id=${board.id}&sort=title`)).status).toBe(400);
  });

  it('an empty or unchanged update is a no-op: no new version, no event', async () => {
    const task = (await alice.post('/api/tasks', { board_id: boardId, title: 'same' })).body;
    const seq = (await alice.get(`/api/boards/${boardId}`)).body.seq;
    const same = await alice.patch(`/api/tasks/${task.id}`, { title: 'same', completed: false });
    expect(same.body.version).toBe(1);
    expect((await alice.patch(`/api/tasks/${task.id}`, {})).body.version).toBe(1);
    expect((await alice.get(`/api/boards/${boardId}`)).body.seq).toBe(seq);
  });

  it('If-Match on delete; malformed If-Match is a 400', async () => {
    const task = (await alice.post('/api/tasks', { board_id: boardId, title: 'del' })).body;
    await alice.patch(`/api/tasks/${task.id}`, { title: 'del2' });
    expect((await alice.delete(`/api/tasks/${task.id}`, { 'if-match': '"1"' })).status).toBe(409);
    expect((await alice.delete(`/api/tasks/${task.id}`, { 'if-match': 'soon' })).status).toBe(400);
    expect((await alice.delete(`/api/tasks/${task.id}`, { 'if-match': 'W/"2"' })).status).toBe(204);
    expect((await alice.delete(`/api/tasks/${task.id}`)).status).toBe(404);
  });
});

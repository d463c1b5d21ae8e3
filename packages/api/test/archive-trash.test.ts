import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

type User = Client & { userId: number; username: string };
let h: Harness;
let owner: User;
let editor: User;
let viewer: User;

beforeAll(async () => {
  h = await startHarness('trash');
  owner = await registerUser(h.app, 'owner');
  editor = await registerUser(h.app, 'editor');
  viewer = await registerUser(h.app, 'viewer');
});
afterAll(async () => h?.close());

async function newBoard() {
  const board = (await owner.post('/api/boards', { title: 'Board' })).body;
  await owner.post(`/api/boards/${board.id}/members`, {
    username: editor.username,
    role: 'editor',
  });
  await owner.post(`/api/boards/${board.id}/members`, {
    username: viewer.username,
    role: 'viewer',
  });
  return board as { id: number; columns: { id: number }[] };
}
const boardTaskIds = async (boardId: number) =>
  ((await owner.get(`/api/boards/${boardId}`)).body.tasks as { id: number }[]).map((t) => t.id);
const typesAfter = async (boardId: number, after: number) =>
  (await owner.get(`/api/boards/${boardId}/events?after=${after}`)).body.events.map(
    (e: { type: string }) => e.type,
  );

describe('archive', () => {
  it('archives and restores a card: off the board, listed as archived, read-only meanwhile', async () => {
    const board = await newBoard();
    const t = (await owner.post('/api/tasks', { board_id: board.id, title: 'Old' })).body;
    const archived = await editor.patch(`/api/tasks/${t.id}`, { archived: true });
    expect(archived.status).toBe(200);
    expect(archived.body.archived_at).not.toBeNull();
    expect(await boardTaskIds(board.id)).toEqual([]);
    expect((await owner.get(`/api/tasks?board_id=${board.id}`)).body.total_count).toBe(0);
    expect(
      (await owner.get(`/api/tasks?board_id=${board.id}&archived=true`)).body.tasks.map(
        (x: { id: number }) => x.id,
      ),
    ).toEqual([t.id]);
    const list = await viewer.get(`/api/boards/${board.id}/archived`);
    expect(list.body.tasks.map((x: { id: number }) => x.id)).toEqual([t.id]);
    expect((await owner.get(`/api/tasks/${t.id}`)).status).toBe(200);
    const edit = await owner.patch(`/api/tasks/${t.id}`, { title: 'New' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('SB_ERR_ARCHIVED');
    expect((await owner.patch(`/api/tasks/${t.id}`, { archived: false, title: 'x' })).status).toBe(
      400,
    );
    const restored = await owner.patch(`/api/tasks/${t.id}`, { archived: false });
    expect(restored.body.archived_at).toBeNull();
    expect(await boardTaskIds(board.id)).toEqual([t.id]);
    expect(
      await typesAfter(board.id, (await owner.get(`/api/boards/${board.id}`)).body.seq - 2),
    ).toEqual(['task.archived', 'task.unarchived']);
    expect((await viewer.patch(`/api/tasks/${t.id}`, { archived: true })).status).toBe(403);
  });

  it('archives a column with its cards and brings them back with it', async () => {
    const board = await newBoard();
    const [todo, doing] = board.columns;
    const a = (
      await owner.post('/api/tasks', { board_id: board.id, title: 'a', column_id: doing!.id })
    ).body;
    const b = (
      await owner.post('/api/tasks', { board_id: board.id, title: 'b', column_id: todo!.id })
    ).body;
    const res = await editor.patch(`/api/boards/${board.id}/columns/${doing!.id}`, {
      archived: true,
    });
    expect(res.body.archived_at).not.toBeNull();
    const detail = (await owner.get(`/api/boards/${board.id}`)).body;
    expect(detail.columns.map((c: { id: number }) => c.id)).not.toContain(doing!.id);
    expect(detail.tasks.map((t: { id: number }) => t.id)).toEqual([b.id]);
    expect((await owner.get(`/api/boards/${board.id}/archived`)).body.columns[0].id).toBe(
      doing!.id,
    );
    expect(
      (await owner.post('/api/tasks', { board_id: board.id, title: 'x', column_id: doing!.id }))
        .body.error.code,
    ).toBe('SB_ERR_UNKNOWN_COLUMN');
    expect((await owner.patch(`/api/tasks/${a.id}`, { title: 'z' })).body.error.code).toBe(
      'SB_ERR_ARCHIVED',
    );
    expect(
      (await owner.patch(`/api/boards/${board.id}/columns/${doing!.id}`, { title: 'z' })).body.error
        .code,
    ).toBe('SB_ERR_ARCHIVED');
    const seq = detail.seq;
    await editor.patch(`/api/boards/${board.id}/columns/${doing!.id}`, { archived: false });
    expect((await boardTaskIds(board.id)).sort()).toEqual([a.id, b.id].sort());
    const log = await owner.get(`/api/boards/${board.id}/events?after=${seq}`);
    expect(log.body.events[0]).toMatchObject({
      type: 'column.unarchived',
      payload: { tasks: [{ id: a.id }] },
    });
  });
});

describe('trash', () => {
  it('DELETE sends a card to the trash: 204, then 404 on every task route, listed in the trash', async () => {
    const board = await newBoard();
    const t = (await owner.post('/api/tasks', { board_id: board.id, title: 'Doomed' })).body;
    expect((await editor.delete(`/api/tasks/${t.id}`)).status).toBe(204);
    for (const res of [
      await owner.get(`/api/tasks/${t.id}`),
      await owner.patch(`/api/tasks/${t.id}`, { title: 'x' }),
      await owner.delete(`/api/tasks/${t.id}`),
      await owner.get(`/api/tasks/${t.id}/comments`),
      await owner.get(`/api/tasks/${t.id}/history`),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await owner.get(`/api/tasks?board_id=${board.id}&archived=all`)).body.total_count).toBe(
      0,
    );
    const trash = await viewer.get(`/api/boards/${board.id}/trash`);
    expect(trash.body.entries).toHaveLength(1);
    const entry = trash.body.entries[0];
    expect(entry).toMatchObject({ task: { id: t.id, title: 'Doomed' }, deleted_by: editor.userId });
    const days = (Date.parse(entry.purge_at) - Date.parse(entry.deleted_at)) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
  });

  it('owners and editors restore a card with its comments and checklists; the restore is an event', async () => {
    const board = await newBoard();
    const t = (
      await owner.post('/api/tasks', {
        board_id: board.id,
        title: 'Back',
        assignee_ids: [viewer.userId],
      })
    ).body;
    await owner.post(`/api/tasks/${t.id}/comments`, { body: 'remember me' });
    await owner.post(`/api/tasks/${t.id}/checklists`, { title: 'L', items: ['a', 'b'] });
    await owner.delete(`/api/tasks/${t.id}`);
    // Someone who leaves the board meanwhile does not come back assigned.
    await owner.delete(`/api/boards/${board.id}/members/${viewer.userId}`);
    expect((await viewer.post(`/api/boards/${board.id}/trash/${t.id}/restore`)).status).toBe(404);
    const seq = (await owner.get(`/api/boards/${board.id}`)).body.seq;
    const restored = await editor.post(`/api/boards/${board.id}/trash/${t.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      id: t.id,
      comment_count: 1,
      checklist: { done: 0, total: 2 },
      assignee_ids: [],
    });
    expect(await typesAfter(board.id, seq)).toEqual(['task.restored']);
    expect(await boardTaskIds(board.id)).toEqual([t.id]);
    expect((await owner.get(`/api/tasks/${t.id}/comments`)).body.comments[0].body).toBe(
      'remember me',
    );
    expect((await owner.get(`/api/boards/${board.id}/trash`)).body.entries).toEqual([]);
    expect((await owner.post(`/api/boards/${board.id}/trash/${t.id}/restore`)).status).toBe(404);
  });

  it('emptying is permanent and owner-only; one card or all', async () => {
    const board = await newBoard();
    const ids: number[] = [];
    for (const title of ['a', 'b', 'c']) {
      const t = (await owner.post('/api/tasks', { board_id: board.id, title })).body;
      await owner.post(`/api/tasks/${t.id}/comments`, { body: 'x' });
      await owner.delete(`/api/tasks/${t.id}`);
      ids.push(t.id);
    }
    expect((await editor.delete(`/api/boards/${board.id}/trash/${ids[0]}`)).status).toBe(403);
    expect((await editor.delete(`/api/boards/${board.id}/trash`)).status).toBe(403);
    expect((await owner.delete(`/api/boards/${board.id}/trash/${ids[0]}`)).status).toBe(204);
    const seq = (await owner.get(`/api/boards/${board.id}`)).body.seq;
    const emptied = await owner.delete(`/api/boards/${board.id}/trash`);
    expect(emptied.body).toEqual({ purged: 2 });
    expect(await typesAfter(board.id, seq)).toEqual(['task.purged', 'task.purged']);
    const { rows } = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM tasks WHERE id = ANY(${ids}::bigint[]))::int +
             (SELECT count(*) FROM comments WHERE task_id = ANY(${ids}::bigint[]))::int AS n`.execute(
      h.deps.db,
    );
    expect(rows[0]!.n).toBe(0);
    expect((await owner.post(`/api/boards/${board.id}/trash/${ids[1]}/restore`)).status).toBe(404);
  });

  it('the purge job deletes a card once its time in the trash is over, not one restored meanwhile', async () => {
    const board = await newBoard();
    const gone = (await owner.post('/api/tasks', { board_id: board.id, title: 'expires' })).body;
    const kept = (await owner.post('/api/tasks', { board_id: board.id, title: 'kept' })).body;
    await owner.delete(`/api/tasks/${gone.id}`);
    await owner.delete(`/api/tasks/${kept.id}`);
    await owner.post(`/api/boards/${board.id}/trash/${kept.id}/restore`);
    // Nothing is due yet.
    await h.jobs.runDue();
    expect((await owner.get(`/api/boards/${board.id}/trash`)).body.entries).toHaveLength(1);
    // Time passes: bring the jobs (and the card's purge time) into the past.
    await sql`UPDATE jobs SET run_at = now() - interval '1 second' WHERE kind = 'task.purge'`.execute(
      h.deps.db,
    );
    const seq = (await owner.get(`/api/boards/${board.id}`)).body.seq;
    await h.jobs.runDue();
    expect((await owner.get(`/api/boards/${board.id}/trash`)).body.entries).toEqual([]);
    const events = (await owner.get(`/api/boards/${board.id}/events?after=${seq}`)).body.events;
    expect(
      events.map((e: { type: string; payload: unknown; actor: number }) => [
        e.type,
        e.payload,
        e.actor,
      ]),
    ).toEqual([
      ['task.purged', { task_id: gone.id, title: 'expires', expired: true }, owner.userId],
    ]);
    expect((await owner.get(`/api/tasks/${kept.id}`)).status).toBe(200);
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(h.deps.db);
    expect(left.rows[0]!.n).toBe(0);
  });

  it('a column’s archived and trashed cards move with the column’s cards when it is deleted', async () => {
    const board = await newBoard();
    const [todo, doing] = board.columns;
    const live = (
      await owner.post('/api/tasks', { board_id: board.id, title: 'live', column_id: doing!.id })
    ).body;
    const trashed = (
      await owner.post('/api/tasks', { board_id: board.id, title: 'trashed', column_id: doing!.id })
    ).body;
    await owner.delete(`/api/tasks/${trashed.id}`);
    const blocked = await owner.delete(`/api/boards/${board.id}/columns/${doing!.id}`);
    expect(blocked.body.error.code).toBe('SB_ERR_COLUMN_NOT_EMPTY');
    await owner.patch(`/api/tasks/${live.id}`, { archived: true });
    // Only hidden cards left: they go to the first other column.
    expect((await owner.delete(`/api/boards/${board.id}/columns/${doing!.id}`)).status).toBe(204);
    const restored = await owner.post(`/api/boards/${board.id}/trash/${trashed.id}/restore`);
    expect(restored.body.column_id).toBe(todo!.id);
    expect((await owner.get(`/api/tasks/${live.id}`)).body.column_id).toBe(todo!.id);
  });
});

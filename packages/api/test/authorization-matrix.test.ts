import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Harness, registerUser, startHarness } from './support/harness.js';
import { matrixTests, ownerOnly, read, type RouteCase, write } from './support/matrix.js';

/**
 * Every board route × every kind of caller. Denied calls must also leave the
 * board exactly as it was (every row of it; see support/matrix.ts). The
 * routes of cards (comments, checklists, labels, fields, archive, trash) are
 * in authorization-matrix-cards.test.ts.
 */

interface Fixture {
  boardId: number;
  columnId: number;
  spareColumnId: number;
  taskId: number;
  targetUserId: number;
  targetUsername: string;
  outsiderUsername: string;
}

const routes: RouteCase<Fixture>[] = [
  { name: 'GET board', call: (c, f) => c.get(`/api/boards/${f.boardId}`), expect: read },
  {
    name: 'rename board',
    call: (c, f) => c.patch(`/api/boards/${f.boardId}`, { title: 'Renamed' }),
    expect: write(200),
  },
  {
    name: 'archive board',
    call: (c, f) => c.patch(`/api/boards/${f.boardId}`, { archived: true }),
    expect: ownerOnly(200),
  },
  {
    name: 'delete board',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}`),
    expect: ownerOnly(204),
  },
  { name: 'list columns', call: (c, f) => c.get(`/api/boards/${f.boardId}/columns`), expect: read },
  {
    name: 'add column',
    call: (c, f) => c.post(`/api/boards/${f.boardId}/columns`, { title: 'QA' }),
    expect: write(201),
  },
  {
    name: 'rename column',
    call: (c, f) => c.patch(`/api/boards/${f.boardId}/columns/${f.columnId}`, { title: 'Backlog' }),
    expect: write(200),
  },
  {
    name: 'reorder column',
    call: (c, f) =>
      c.patch(`/api/boards/${f.boardId}/columns/${f.columnId}`, { after_id: f.spareColumnId }),
    expect: write(200),
  },
  {
    name: 'delete column',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/columns/${f.spareColumnId}`),
    expect: write(204),
  },
  { name: 'list members', call: (c, f) => c.get(`/api/boards/${f.boardId}/members`), expect: read },
  {
    name: 'add member',
    call: (c, f) =>
      c.post(`/api/boards/${f.boardId}/members`, { username: f.outsiderUsername, role: 'viewer' }),
    expect: ownerOnly(201),
  },
  {
    name: 'change member role',
    call: (c, f) =>
      c.patch(`/api/boards/${f.boardId}/members/${f.targetUserId}`, { role: 'viewer' }),
    expect: ownerOnly(200),
  },
  {
    name: 'remove member',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/members/${f.targetUserId}`),
    expect: ownerOnly(204),
  },
  { name: 'board history', call: (c, f) => c.get(`/api/boards/${f.boardId}/events`), expect: read },
  {
    name: 'create task',
    call: (c, f) => c.post('/api/tasks', { board_id: f.boardId, title: 'New' }),
    expect: write(201),
  },
  {
    name: 'list tasks of board',
    call: (c, f) => c.get(`/api/tasks?board_id=${f.boardId}`),
    expect: read,
  },
  { name: 'GET task', call: (c, f) => c.get(`/api/tasks/${f.taskId}`), expect: read },
  {
    name: 'PUT task',
    call: (c, f) => c.put(`/api/tasks/${f.taskId}`, { completed: true }),
    expect: write(200),
  },
  {
    name: 'PATCH task (move)',
    call: (c, f) => c.patch(`/api/tasks/${f.taskId}`, { column_id: f.spareColumnId }),
    expect: write(200),
  },
  { name: 'DELETE task', call: (c, f) => c.delete(`/api/tasks/${f.taskId}`), expect: write(204) },
];

let h: Harness;
let clients: Record<
  'owner' | 'editor' | 'viewer' | 'nonMember',
  Client & { userId: number; username: string }
>;
let target: Client & { userId: number; username: string };
let outsider: Client & { userId: number; username: string };

beforeAll(async () => {
  h = await startHarness('authz');
  clients = {
    owner: await registerUser(h.app, 'owner'),
    editor: await registerUser(h.app, 'editor'),
    viewer: await registerUser(h.app, 'viewer'),
    nonMember: await registerUser(h.app, 'stranger'),
  };
  target = await registerUser(h.app, 'target');
  outsider = await registerUser(h.app, 'outsider');
});
afterAll(async () => h?.close());

async function fixture(): Promise<Fixture> {
  const owner = clients.owner;
  const board = await owner.post('/api/boards', { title: 'Matrix' });
  expect(board.status).toBe(201);
  const boardId = board.body.id as number;
  for (const [who, role] of [
    [clients.editor, 'editor'],
    [clients.viewer, 'viewer'],
    [target, 'editor'],
  ] as const) {
    expect(
      (await owner.post(`/api/boards/${boardId}/members`, { username: who.username, role })).status,
    ).toBe(201);
  }
  const task = await owner.post('/api/tasks', { board_id: boardId, title: 'Existing' });
  expect(task.status).toBe(201);
  return {
    boardId,
    columnId: board.body.columns[0].id,
    spareColumnId: board.body.columns[2].id,
    taskId: task.body.id,
    targetUserId: target.userId,
    targetUsername: target.username,
    outsiderUsername: outsider.username,
  };
}

describe('authorization matrix', () => {
  matrixTests(routes, () => ({ h, members: clients, fixture }));

  it('lists only boards the caller is a member of', async () => {
    const f = await fixture();
    const ids = async (c: Client) =>
      ((await c.get('/api/boards')).body.boards as { id: number }[]).map((b) => b.id);
    expect(await ids(clients.owner)).toContain(f.boardId);
    expect(await ids(clients.viewer)).toContain(f.boardId);
    expect(await ids(clients.nonMember)).not.toContain(f.boardId);
    expect((await new Client(h.app).get('/api/boards')).status).toBe(401);
  });

  it('does not list a non-member the tasks of boards they cannot read', async () => {
    const f = await fixture();
    const page = await clients.nonMember.get('/api/tasks');
    expect(page.status).toBe(200);
    expect((page.body.tasks as { board_id: number }[]).some((t) => t.board_id === f.boardId)).toBe(
      false,
    );
  });

  it('lets any member leave a board, but not the last owner', async () => {
    const f = await fixture();
    expect(
      (await clients.viewer.delete(`/api/boards/${f.boardId}/members/${clients.viewer.userId}`))
        .status,
    ).toBe(204);
    expect((await clients.viewer.get(`/api/boards/${f.boardId}`)).status).toBe(404);
    const last = await clients.owner.delete(
      `/api/boards/${f.boardId}/members/${clients.owner.userId}`,
    );
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('SB_ERR_LAST_OWNER');
  });
});

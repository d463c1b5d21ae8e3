import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

type User = Client & { userId: number; username: string };
let h: Harness;
let alice: User;
let bob: User;

beforeAll(async () => {
  h = await startHarness('activity');
  alice = await registerUser(h.app, 'alice');
  bob = await registerUser(h.app, 'bob');
});
afterAll(async () => h?.close());

describe('activity and history', () => {
  it('the board’s activity in human words, newest first, paged backwards by seq', async () => {
    const board = (await alice.post('/api/boards', { title: 'Log' })).body;
    await alice.post(`/api/boards/${board.id}/members`, { username: bob.username, role: 'editor' });
    const t = (await bob.post('/api/tasks', { board_id: board.id, title: 'Fix login' })).body;
    await bob.patch(`/api/tasks/${t.id}`, { status: 'Done' });
    await alice.patch(`/api/tasks/${t.id}`, { title: 'Fix *login*', assignee_ids: [bob.userId] });
    const first = await alice.get(`/api/boards/${board.id}/activity?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.entries.map((e: { text: string }) => e.text)).toEqual([
      `${alice.username} changed title and assignees of *Fix \\*login\\**`,
      `${bob.username} moved *Fix login* from To do to Done`,
      `${bob.username} created *Fix login* in To do`,
    ]);
    const moved = first.body.entries[1];
    expect(moved).toMatchObject({
      type: 'task.moved',
      task_id: t.id,
      actor: { id: bob.userId, username: bob.username },
    });
    expect(moved.changes).toContainEqual({ field: 'status', from: 'To do', to: 'Done' });
    expect(first.body.entries[0].changes).toContainEqual({
      field: 'title',
      from: 'Fix login',
      to: 'Fix *login*',
    });
    const older = await alice.get(
      `/api/boards/${board.id}/activity?before_seq=${first.body.next_before_seq}`,
    );
    expect(older.body.entries.map((e: { type: string }) => e.type)).toEqual([
      'member.added',
      'member.added',
      'column.created',
      'column.created',
      'column.created',
      'board.created',
    ]);
    expect(older.body.next_before_seq).toBeNull();
    expect(older.body.entries[0].text).toBe(`${alice.username} added ${bob.username} as editor`);
    for (const q of ['limit=0', 'limit=201', 'before_seq=x', 'after=1']) {
      expect((await alice.get(`/api/boards/${board.id}/activity?${q}`)).status).toBe(400);
    }
  });

  it('a card’s history: its own events, comments and checklists included, others not', async () => {
    const board = (await alice.post('/api/boards', { title: 'History' })).body;
    const t = (await alice.post('/api/tasks', { board_id: board.id, title: 'Card' })).body;
    const other = (await alice.post('/api/tasks', { board_id: board.id, title: 'Other' })).body;
    await alice.post(`/api/tasks/${t.id}/comments`, { body: 'hello' });
    await alice.post(`/api/tasks/${other.id}/comments`, { body: 'elsewhere' });
    const list = (
      await alice.post(`/api/tasks/${t.id}/checklists`, { title: 'Steps', items: ['a'] })
    ).body;
    await alice.patch(`/api/checklist-items/${list.items[0].id}`, { done: true });
    await alice.patch(`/api/tasks/${t.id}`, { due: { date: '2026-12-24' } });
    const history = await alice.get(`/api/tasks/${t.id}/history`);
    expect(history.body.entries.map((e: { text: string }) => e.text)).toEqual([
      `${alice.username} set *Card* due 2026-12-24`,
      `${alice.username} ticked a on *Card*`,
      `${alice.username} added the checklist Steps to *Card*`,
      `${alice.username} commented on *Card*`,
      `${alice.username} created *Card* in To do`,
    ]);
    expect(history.body.entries.every((e: { task_id: number }) => e.task_id === t.id)).toBe(true);
    const page = await alice.get(`/api/tasks/${t.id}/history?limit=2`);
    expect(page.body.entries).toHaveLength(2);
    const rest = await alice.get(
      `/api/tasks/${t.id}/history?limit=10&before_seq=${page.body.next_before_seq}`,
    );
    expect(rest.body.entries).toHaveLength(3);
    const stranger = await registerUser(h.app, 'stranger');
    expect((await stranger.get(`/api/tasks/${t.id}/history`)).status).toBe(404);
    expect((await stranger.get(`/api/boards/${board.id}/activity`)).status).toBe(404);
  });
});

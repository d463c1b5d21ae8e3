import {
  applyBoardEvent,
  type BoardEvent,
  boardStateFromDetail,
  boardStateToDetail,
  eventTypes,
} from '@switchboard/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * A client that loads a board and applies its events with core's reducer must
 * hold exactly what the server's board payload says, whatever happened: every
 * event type of cards, labels, fields, archive and trash is exercised here.
 */
type User = Client & { userId: number; username: string };
let h: Harness;
let alice: User;
let bob: User;

beforeAll(async () => {
  h = await startHarness('replay');
  alice = await registerUser(h.app, 'alice');
  bob = await registerUser(h.app, 'bob');
});
afterAll(async () => h?.close());

async function allEvents(boardId: number): Promise<BoardEvent[]> {
  const events: BoardEvent[] = [];
  for (let after = 0; ;) {
    const page = await alice.get(`/api/boards/${boardId}/events?after=${after}&limit=1000`);
    events.push(...page.body.events);
    if (!page.body.has_more) return events;
    after = events.at(-1)!.seq;
  }
}

async function ok<T extends { status: number; body: unknown }>(
  res: Promise<T>,
): Promise<T['body']> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
}

describe('the reducer replays the log to the board payload', () => {
  it('through every kind of card change', async () => {
    const board = await ok(alice.post('/api/boards', { title: 'Replay' }));
    const [todo, doing, done] = board.columns as [{ id: number }, { id: number }, { id: number }];
    const b = board.id as number;
    await ok(alice.post(`/api/boards/${b}/members`, { username: bob.username, role: 'editor' }));
    const bug = await ok(alice.post(`/api/boards/${b}/labels`, { name: 'Bug' }));
    const ui = await ok(alice.post(`/api/boards/${b}/labels`, { name: 'UI', color: 'teal' }));
    const prio = await ok(
      alice.post(`/api/boards/${b}/custom-fields`, {
        name: 'Priority',
        type: 'single_select',
        options: [{ name: 'High' }, { name: 'Low' }],
      }),
    );
    const pts = await ok(
      alice.post(`/api/boards/${b}/custom-fields`, { name: 'Points', type: 'number' }),
    );
    const t1 = await ok(
      alice.post('/api/tasks', {
        board_id: b,
        title: 'One',
        description: '- [ ] a\n- [ ] b',
        label_ids: [bug.id, ui.id],
        assignee_ids: [bob.userId],
        custom_fields: { [prio.id]: 'High', [pts.id]: 3 },
        due: { date: '2026-12-24', time: '09:00', time_zone: 'Europe/Paris' },
      }),
    );
    const t2 = await ok(
      alice.post('/api/tasks', {
        board_id: b,
        title: 'Two',
        labels: ['Bug', 'New'],
        status: 'In progress',
      }),
    );
    const t3 = await ok(
      alice.post('/api/tasks', { board_id: b, title: 'Three', column_id: done.id }),
    );
    await ok(bob.put(`/api/tasks/${t1.id}/task-items/1`, { checked: true }));
    const c1 = await ok(
      bob.post(`/api/tasks/${t1.id}/comments`, { body: `hi @${alice.username}` }),
    );
    await ok(alice.post(`/api/tasks/${t1.id}/comments`, { body: 'second' }));
    await ok(bob.patch(`/api/comments/${c1.id}`, { body: 'edited' }));
    await ok(alice.delete(`/api/comments/${c1.id}`));
    const list = await ok(
      alice.post(`/api/tasks/${t1.id}/checklists`, { title: 'L', items: ['x', 'y', 'z'] }),
    );
    await ok(alice.patch(`/api/checklists/${list.id}`, { title: 'List' }));
    await ok(bob.patch(`/api/checklist-items/${list.items[0].id}`, { done: true }));
    await ok(
      bob.post(`/api/checklists/${list.id}/items`, { title: 'w', after_id: list.items[0].id }),
    );
    await ok(bob.delete(`/api/checklist-items/${list.items[2].id}`));
    await ok(bob.post(`/api/checklist-items/${list.items[1].id}/convert`, { column_id: doing.id }));
    const list2 = await ok(
      alice.post(`/api/tasks/${t2.id}/checklists`, { title: 'Other', items: ['q'] }),
    );
    await ok(alice.delete(`/api/checklists/${list2.id}`));
    await ok(alice.patch(`/api/boards/${b}/labels/${bug.id}`, { name: 'Defect', color: 'red' }));
    await ok(alice.delete(`/api/boards/${b}/labels/${ui.id}`));
    await ok(
      alice.patch(`/api/boards/${b}/custom-fields/${prio.id}`, {
        name: 'Prio',
        options: [{ id: '2', name: 'Low' }],
      }),
    );
    await ok(alice.delete(`/api/boards/${b}/custom-fields/${pts.id}`));
    await ok(alice.patch(`/api/tasks/${t1.id}`, { status: 'done', after_id: t3.id }));
    await ok(alice.patch(`/api/boards/${b}/columns/${done.id}`, { title: 'Shipped' }));
    await ok(alice.patch(`/api/tasks/${t3.id}`, { archived: true }));
    await ok(alice.patch(`/api/boards/${b}/columns/${doing.id}`, { archived: true }));
    await ok(alice.patch(`/api/tasks/${t3.id}`, { archived: false }));
    await ok(alice.patch(`/api/boards/${b}/columns/${doing.id}`, { archived: false }));
    await ok(alice.delete(`/api/tasks/${t2.id}`));
    await ok(alice.post(`/api/boards/${b}/trash/${t2.id}/restore`));
    await ok(alice.delete(`/api/tasks/${t3.id}`));
    await ok(alice.delete(`/api/boards/${b}/trash/${t3.id}`));
    const t4 = await ok(alice.post('/api/tasks', { board_id: b, title: 'Four' }));
    await ok(alice.delete(`/api/tasks/${t4.id}`));
    await sql`UPDATE jobs SET run_at = now() WHERE payload->>'task_id' = ${String(t4.id)}`.execute(
      h.deps.db,
    );
    await h.jobs.runDue();
    // Cards across boards: a duplicate here, one moved away, one moved in.
    await ok(alice.post(`/api/tasks/${t1.id}/copy`, { board_id: b, title: 'One again' }));
    const other = await ok(alice.post('/api/boards', { title: 'Elsewhere' }));
    const t5 = await ok(
      alice.post('/api/tasks', { board_id: b, title: 'Five', labels: ['Moved'] }),
    );
    await ok(alice.post(`/api/tasks/${t5.id}/move`, { board_id: other.id }));
    const t6 = await ok(alice.post('/api/tasks', { board_id: other.id, title: 'Six' }));
    await ok(alice.post(`/api/tasks/${t6.id}/move`, { board_id: b, status: 'Shipped' }));
    await ok(alice.delete(`/api/boards/${b}/members/${bob.userId}`));
    await ok(alice.patch(`/api/boards/${b}/members/${alice.userId}`, { role: 'owner' }));
    await ok(alice.post(`/api/boards/${b}/columns`, { title: 'Later' }));
    await ok(alice.delete(`/api/boards/${b}/columns/${todo.id}?move_to=${done.id}`));
    await ok(alice.patch(`/api/boards/${b}`, { title: 'Replayed' }));
    // A file comes and goes (attachment.created, attachment.deleted).
    const upload = await h.app.inject({
      method: 'POST',
      url: `/api/attachments?task_id=${t1.id}&name=notes.txt`,
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
      payload: 'replayed notes',
    });
    expect(upload.statusCode, upload.body).toBe(201);
    await ok(alice.delete(`/api/attachments/${upload.json<{ id: number }>().id}`));
    await ok(
      alice.patch(`/api/boards/${b}`, { background: { kind: 'gradient', gradient: 'ocean' } }),
    );
    await ok(alice.patch(`/api/boards/${b}`, { background: null }));
    await ok(alice.patch(`/api/boards/${b}`, { background: { kind: 'color', color: 'teal' } }));

    const events = await allEvents(b);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const seen = new Set(events.map((e) => e.type));
    const unexercised = eventTypes.filter((t) => !seen.has(t));
    expect(unexercised.sort()).toEqual(['board.deleted', 'member.updated']);

    const detail = (await alice.get(`/api/boards/${b}`)).body;
    let state = boardStateFromDetail({
      ...detail,
      title: 'Replay',
      background: null,
      columns: [],
      tasks: [],
      members: [],
      labels: [],
      custom_fields: [],
      seq: 0,
    });
    for (const event of events) state = applyBoardEvent(state, event, alice.userId);
    const replayed = boardStateToDetail(state);
    expect(replayed.columns).toEqual(detail.columns);
    expect(replayed.tasks).toEqual(
      [...detail.tasks].sort((x: { id: number }, y: { id: number }) => x.id - y.id),
    );
    expect(replayed.labels).toEqual(detail.labels);
    expect(replayed.custom_fields).toEqual(detail.custom_fields);
    expect(replayed.members).toEqual(
      [...detail.members].sort(
        (x: { user_id: number }, y: { user_id: number }) => x.user_id - y.user_id,
      ),
    );
    expect(replayed.seq).toBe(detail.seq);
    expect(replayed.title).toBe('Replayed');
    expect(detail.background).toEqual({ kind: 'color', color: 'teal' });
    expect(replayed.background).toEqual(detail.background);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * Cards across boards: copy (and duplicate) and move, with comments,
 * checklists, labels by name, custom fields by name and type, assignees who
 * are members there; one transaction, events on both boards' logs.
 */
type User = Client & { userId: number; username: string };
let h: Harness;
let ann: User;
let bob: User;
let eve: User;

beforeAll(async () => {
  h = await startHarness('transfer');
  ann = await registerUser(h.app, 'ann');
  bob = await registerUser(h.app, 'bob');
  eve = await registerUser(h.app, 'eve');
});
afterAll(async () => h?.close());

interface Board {
  id: number;
  title: string;
  columns: { id: number; title: string }[];
  seq: number;
}
async function board(title: string, members: [User, string][] = []): Promise<Board> {
  const b = (await ann.post('/api/boards', { title })).body as Board;
  for (const [u, role] of members) {
    await ann.post(`/api/boards/${b.id}/members`, { username: u.username, role });
  }
  return (await ann.get(`/api/boards/${b.id}`)).body as Board;
}
const events = async (boardId: number, after: number) =>
  (await ann.get(`/api/boards/${boardId}/events?after=${after}`)).body.events as {
    type: string;
    payload: Record<string, unknown>;
  }[];

/** A card with everything that travels: labels, fields, assignees, dates, comments, a checklist. */
async function richCard(b: Board, assignBob = true) {
  const prio = (
    await ann.post(`/api/boards/${b.id}/custom-fields`, {
      name: 'Priority',
      type: 'single_select',
      options: [{ name: 'High' }, { name: 'Low' }],
    })
  ).body;
  const points = (
    await ann.post(`/api/boards/${b.id}/custom-fields`, { name: 'Points', type: 'number' })
  ).body;
  const task = (
    await ann.post('/api/tasks', {
      board_id: b.id,
      title: 'Ship the release',
      description: 'Steps:\n\n- [ ] tag',
      labels: ['Release', 'Urgent'],
      assignee_ids: assignBob ? [ann.userId, bob.userId] : [ann.userId],
      due: { date: '2026-12-24' },
      custom_fields: { [prio.id]: 'High', [points.id]: 5 },
    })
  ).body;
  await bob.post(`/api/tasks/${task.id}/comments`, { body: 'On it' });
  await ann.post(`/api/tasks/${task.id}/comments`, { body: 'Thanks @' + bob.username });
  const list = (
    await ann.post(`/api/tasks/${task.id}/checklists`, { title: 'Before', items: ['notes', 'tag'] })
  ).body;
  const ticked = await ann.patch(`/api/checklist-items/${list.items[1].id}`, { done: true });
  expect(ticked.status).toBe(200);
  const fresh = (await ann.get(`/api/tasks/${task.id}`)).body;
  return { task: fresh, list };
}

describe('copy a card', () => {
  it('to another board: a new card with its comments and checklists, labels and fields by name', async () => {
    const from = await board('Team A', [[bob, 'editor']]);
    const to = await board('Team B'); // Bob is not a member here
    const toPrio = (
      await ann.post(`/api/boards/${to.id}/custom-fields`, {
        name: 'priority',
        type: 'single_select',
        options: [{ name: 'low' }, { name: 'high' }],
      })
    ).body;
    await ann.post(`/api/boards/${to.id}/labels`, { name: 'urgent', color: 'red' });
    const { task } = await richCard(from);
    const seq = (await ann.get(`/api/boards/${to.id}`)).body.seq;

    const res = await ann.post(`/api/tasks/${task.id}/copy`, {
      board_id: to.id,
      status: to.columns[1]!.title,
    });
    expect(res.status).toBe(201);
    const copy = res.body;
    expect(copy.id).not.toBe(task.id);
    expect(copy).toMatchObject({
      board_id: to.id,
      column_id: to.columns[1]!.id,
      title: 'Ship the release',
      description: 'Steps:\n\n- [ ] tag',
      labels: ['Release', 'urgent'], // an existing label of that name, any case; the other created
      assignee_ids: [ann.userId], // Bob is no member of Team B
      due: { date: '2026-12-24' },
      custom_fields: { [toPrio.id]: '2' }, // "High" → this board's "high"; Points has no field here
      comment_count: 2,
      checklist: { done: 1, total: 2 },
    });
    const comments = (await ann.get(`/api/tasks/${copy.id}/comments`)).body.comments;
    expect(comments.map((c: { body: string; author_id: number }) => [c.author_id, c.body])).toEqual(
      expect.arrayContaining([
        [bob.userId, 'On it'],
        [ann.userId, `Thanks @${bob.username}`],
      ]),
    );
    const lists = (await ann.get(`/api/tasks/${copy.id}/checklists`)).body.checklists;
    expect(lists).toHaveLength(1);
    expect(lists[0].items.map((i: { title: string; done: boolean }) => [i.title, i.done])).toEqual([
      ['notes', false],
      ['tag', true],
    ]);
    // The source is untouched.
    expect((await ann.get(`/api/tasks/${task.id}`)).body).toMatchObject({
      board_id: from.id,
      comment_count: 2,
    });
    // Target log: the label it had to create, then the card, saying where it came from.
    const log = await events(to.id, seq);
    expect(log.map((e) => e.type)).toEqual(['label.created', 'task.created']);
    expect(log[1]!.payload.from_board).toEqual({
      id: from.id,
      title: 'Team A',
      task_id: task.id,
      copied: true,
    });
    const history = (await ann.get(`/api/tasks/${copy.id}/history`)).body;
    expect(history.entries[0].text).toBe(
      `${ann.username} copied *Ship the release* from Team A in ${to.columns[1]!.title}`,
    );
  });

  it('to its own board (duplicate), with a new title and without the comments', async () => {
    const b = await board('Solo');
    const { task } = await richCard(b, false);
    const dup = await ann.post(`/api/tasks/${task.id}/copy`, {
      board_id: b.id,
      title: 'Ship the release (2)',
      keep_comments: false,
      after_id: task.id,
    });
    expect(dup.status, JSON.stringify(dup.body)).toBe(201);
    expect(dup.body).toMatchObject({
      title: 'Ship the release (2)',
      label_ids: task.label_ids,
      custom_fields: task.custom_fields,
      assignee_ids: [ann.userId],
      comment_count: 0,
      checklist: { done: 1, total: 2 },
    });
    const cards = (await ann.get(`/api/boards/${b.id}`)).body.tasks as {
      id: number;
      position: string;
    }[];
    const order = cards.sort((x, y) => (x.position < y.position ? -1 : 1)).map((t) => t.id);
    expect(order).toEqual([task.id, dup.body.id]);
  });

  it('needs read access to the source and write access to the target; bad input changes nothing', async () => {
    const from = await board('Private');
    const to = await board('Shared', [
      [bob, 'editor'],
      [eve, 'viewer'],
    ]);
    const { task } = await richCard(from, false);
    const before = (await ann.get(`/api/boards/${to.id}`)).body.seq;
    // Bob cannot read the source: 404, as if the card did not exist.
    expect((await bob.post(`/api/tasks/${task.id}/copy`, { board_id: to.id })).status).toBe(404);
    // Eve may only read the target.
    const shared = (await ann.post('/api/tasks', { board_id: to.id, title: 'x' })).body;
    const viewer = await eve.post(`/api/tasks/${shared.id}/copy`, { board_id: to.id });
    expect(viewer.status).toBe(403);
    // No such board, column or status; an unknown field.
    expect((await ann.post(`/api/tasks/${task.id}/copy`, { board_id: 999999 })).status).toBe(404);
    const noColumn = await ann.post(`/api/tasks/${task.id}/copy`, {
      board_id: to.id,
      column_id: 999999,
    });
    expect(noColumn.body.error.code).toBe('SB_ERR_UNKNOWN_COLUMN');
    const noStatus = await ann.post(`/api/tasks/${task.id}/copy`, {
      board_id: to.id,
      status: 'Nope',
    });
    expect([noStatus.status, noStatus.body.error.code]).toEqual([422, 'SB_ERR_UNKNOWN_STATUS']);
    const extra = await ann.post(`/api/tasks/${task.id}/copy`, { board_id: to.id, colour: 'red' });
    expect(extra.status).toBe(400);
    const both = await ann.post(`/api/tasks/${task.id}/copy`, {
      board_id: to.id,
      column_id: to.columns[0]!.id,
      status: 'Done',
    });
    expect(both.status).toBe(400);
    // One card was created above (by Ann) and nothing else reached the log.
    expect((await events(to.id, before)).map((e) => e.type)).toEqual(['task.created']);
  });
});

describe('move a card to another board', () => {
  it('the same card, with its comments and checklists; gone from the source log-wise too', async () => {
    const from = await board('Backlog', [[bob, 'editor']]);
    const to = await board('Sprint', [[bob, 'editor']]);
    const { task, list } = await richCard(from);
    const fromSeq = (await ann.get(`/api/boards/${from.id}`)).body.seq;
    const toSeq = (await ann.get(`/api/boards/${to.id}`)).body.seq;

    const res = await bob.post(`/api/tasks/${task.id}/move`, { board_id: to.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: task.id,
      board_id: to.id,
      column_id: to.columns[0]!.id,
      labels: ['Release', 'Urgent'],
      assignee_ids: [ann.userId, bob.userId],
      comment_count: 2,
      checklist: { done: 1, total: 2 },
      custom_fields: {}, // Sprint has no fields
      version: task.version + 1,
    });
    expect(((await ann.get(`/api/boards/${from.id}`)).body.tasks as unknown[]).length).toBe(0);
    const comments = (await bob.get(`/api/tasks/${task.id}/comments`)).body.comments;
    expect(comments).toHaveLength(2);
    // Its checklist items still answer, now on the new board.
    const item = (await ann.get(`/api/tasks/${task.id}/checklists`)).body.checklists[0].items[0];
    expect(list.id).toBeGreaterThan(0);
    const ticked = await bob.patch(`/api/checklist-items/${item.id}`, { done: true });
    expect(ticked.status).toBe(200);

    const out = await events(from.id, fromSeq);
    expect(out.map((e) => e.type)).toEqual(['task.moved_out']);
    expect(out[0]!.payload.to_board).toEqual({ id: to.id, title: 'Sprint' });
    const inn = await events(to.id, toSeq);
    expect(inn.map((e) => e.type)).toEqual([
      'label.created',
      'label.created',
      'task.created',
      'checklist_item.updated',
    ]);
    expect(inn[2]!.payload.from_board).toEqual({
      id: from.id,
      title: 'Backlog',
      task_id: task.id,
      copied: false,
    });
    const activity = (await ann.get(`/api/boards/${from.id}/activity`)).body;
    expect(activity.entries[0].text).toBe(
      `${bob.username} moved *Ship the release* to the board Sprint`,
    );
  });

  it('refuses the same board, a board the mover cannot write, and a full column', async () => {
    const from = await board('Here', [[bob, 'editor']]);
    const to = await board('There', [[bob, 'viewer']]);
    const { task } = await richCard(from);
    const same = await ann.post(`/api/tasks/${task.id}/move`, { board_id: from.id });
    expect([same.status, same.body.error.code]).toEqual([400, 'SB_ERR_VALIDATION']);
    expect((await bob.post(`/api/tasks/${task.id}/move`, { board_id: to.id })).status).toBe(403);
    const limited = await ann.patch(`/api/boards/${to.id}/columns/${to.columns[0]!.id}`, {
      wip_limit: 1,
    });
    expect(limited.status).toBe(200);
    await ann.post('/api/tasks', { board_id: to.id, title: 'fills it' });
    const full = await ann.post(`/api/tasks/${task.id}/move`, { board_id: to.id });
    expect(full.body.error.code).toBe('SB_ERR_WIP_LIMIT_REACHED');
    // Still where it was, unchanged.
    expect((await ann.get(`/api/tasks/${task.id}`)).body).toMatchObject({
      board_id: from.id,
      version: task.version,
    });
  });

  it('two moves in opposite directions at once both finish (locks in board order)', async () => {
    const a = await board('A');
    const b = await board('B');
    const x = (await ann.post('/api/tasks', { board_id: a.id, title: 'x' })).body;
    const y = (await ann.post('/api/tasks', { board_id: b.id, title: 'y' })).body;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2
          ? ann.post(`/api/tasks/${x.id}/move`, { board_id: i % 4 === 1 ? b.id : a.id })
          : ann.post(`/api/tasks/${y.id}/move`, { board_id: i % 4 === 0 ? a.id : b.id }),
      ),
    );
    // A move that finds the card already on its target board is told so (400); none fails otherwise.
    for (const r of results) expect([200, 400]).toContain(r.status);
    const onA = (await ann.get(`/api/boards/${a.id}`)).body.tasks.length;
    const onB = (await ann.get(`/api/boards/${b.id}`)).body.tasks.length;
    expect(onA + onB).toBe(2);
  });
});

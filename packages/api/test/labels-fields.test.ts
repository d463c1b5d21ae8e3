import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

type User = Client & { userId: number; username: string };
let h: Harness;
let owner: User;
let editor: User;
let viewer: User;

beforeAll(async () => {
  h = await startHarness('labels');
  owner = await registerUser(h.app, 'owner');
  editor = await registerUser(h.app, 'editor');
  viewer = await registerUser(h.app, 'viewer');
});
afterAll(async () => h?.close());

async function newBoard(title = 'Board') {
  const board = (await owner.post('/api/boards', { title })).body;
  await owner.post(`/api/boards/${board.id}/members`, {
    username: editor.username,
    role: 'editor',
  });
  await owner.post(`/api/boards/${board.id}/members`, {
    username: viewer.username,
    role: 'viewer',
  });
  return board as { id: number; columns: { id: number; title: string }[] };
}
const tasksOf = async (boardId: number) =>
  (await owner.get(`/api/boards/${boardId}`)).body.tasks as {
    id: number;
    label_ids: number[];
    labels: string[];
    custom_fields: Record<string, unknown>;
  }[];

describe('labels', () => {
  it('a board set with palette colours; rename and recolour show on every card at once', async () => {
    const board = await newBoard();
    const bug = await editor.post(`/api/boards/${board.id}/labels`, { name: 'Bug', color: 'red' });
    expect(bug.status).toBe(201);
    const ui = await editor.post(`/api/boards/${board.id}/labels`, { name: 'UI' });
    expect(ui.body.color).toBe('orange'); // the least used colour after red
    const bad = await editor.post(`/api/boards/${board.id}/labels`, {
      name: 'x',
      color: '#ff0000',
    });
    expect(bad.status).toBe(400);
    const dup = await editor.post(`/api/boards/${board.id}/labels`, { name: 'bug' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('SB_ERR_NAME_TAKEN');
    const t1 = await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'one',
      label_ids: [bug.body.id, ui.body.id],
    });
    expect(t1.body).toMatchObject({ label_ids: [bug.body.id, ui.body.id], labels: ['Bug', 'UI'] });
    const t2 = await owner.post('/api/tasks', { board_id: board.id, title: 'two' });
    const put = await editor.put(`/api/tasks/${t2.body.id}/labels/${bug.body.id}`);
    expect(put.body.labels).toEqual(['Bug']);
    expect((await editor.put(`/api/tasks/${t2.body.id}/labels/${bug.body.id}`)).body.version).toBe(
      put.body.version,
    );
    const renamed = await editor.patch(`/api/boards/${board.id}/labels/${bug.body.id}`, {
      name: 'Defect',
      color: 'purple',
    });
    expect(renamed.body).toMatchObject({ name: 'Defect', color: 'purple', version: 2 });
    const tasks = await tasksOf(board.id);
    expect(tasks.map((t) => t.labels)).toEqual([['Defect', 'UI'], ['Defect']]);
    // The rename is one event, not one per card.
    const log = await owner.get(`/api/boards/${board.id}/events?limit=1000`);
    expect(log.body.events.at(-1)).toMatchObject({
      type: 'label.updated',
      payload: {
        changes: { name: { from: 'Bug', to: 'Defect' }, color: { from: 'red', to: 'purple' } },
      },
    });
  });

  it('delete takes the label off every card; unknown labels are 422', async () => {
    const board = await newBoard();
    const a = (await owner.post(`/api/boards/${board.id}/labels`, { name: 'A' })).body;
    const b = (await owner.post(`/api/boards/${board.id}/labels`, { name: 'B' })).body;
    const t = (
      await owner.post('/api/tasks', { board_id: board.id, title: 't', label_ids: [a.id, b.id] })
    ).body;
    expect((await owner.delete(`/api/boards/${board.id}/labels/${a.id}`)).status).toBe(204);
    const after = (await owner.get(`/api/tasks/${t.id}`)).body;
    expect(after).toMatchObject({ label_ids: [b.id], labels: ['B'] });
    const other = await newBoard('Other');
    const foreign = (await owner.post(`/api/boards/${other.id}/labels`, { name: 'F' })).body;
    const res = await owner.patch(`/api/tasks/${t.id}`, { label_ids: [foreign.id] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'SB_ERR_UNKNOWN_LABEL',
      details: { label_ids: [foreign.id] },
    });
    expect((await owner.put(`/api/tasks/${t.id}/labels/${foreign.id}`)).status).toBe(422);
    expect((await owner.delete(`/api/tasks/${t.id}/labels/${foreign.id}`)).status).toBe(422);
    expect(
      (await owner.patch(`/api/tasks/${t.id}`, { label_ids: [b.id], labels: ['B'] })).status,
    ).toBe(400);
  });

  it('label names (older clients) find board labels in any case and create missing ones', async () => {
    const board = await newBoard();
    await owner.post(`/api/boards/${board.id}/labels`, { name: 'Bug' });
    const t = await owner.post('/api/tasks', {
      board_id: board.id,
      title: 't',
      labels: ['bug', 'New one'],
    });
    expect(t.body.labels).toEqual(['Bug', 'New one']);
    const labels = (await owner.get(`/api/boards/${board.id}/labels`)).body.labels;
    expect(labels.map((l: { name: string }) => l.name)).toEqual(['Bug', 'New one']);
  });

  it('filters tasks by label (all of those named)', async () => {
    const board = await newBoard();
    const a = (await owner.post(`/api/boards/${board.id}/labels`, { name: 'A' })).body;
    const b = (await owner.post(`/api/boards/${board.id}/labels`, { name: 'B' })).body;
    await owner.post('/api/tasks', { board_id: board.id, title: 'ab', label_ids: [a.id, b.id] });
    await owner.post('/api/tasks', { board_id: board.id, title: 'a', label_ids: [a.id] });
    await owner.post('/api/tasks', { board_id: board.id, title: 'none' });
    const titles = async (q: string) =>
      (await owner.get(`/api/tasks?board_id=${board.id}&${q}`)).body.tasks.map(
        (t: { title: string }) => t.title,
      );
    expect(await titles(`label=${a.id}`)).toEqual(['ab', 'a']);
    expect(await titles(`label=${a.id},${b.id}`)).toEqual(['ab']);
    expect((await owner.get(`/api/tasks?label=x`)).status).toBe(400);
  });
});

describe('custom fields', () => {
  it('typed values, validated; options keep ids; filterable', async () => {
    const board = await newBoard();
    const post = (body: unknown) => editor.post(`/api/boards/${board.id}/custom-fields`, body);
    const points = (await post({ name: 'Points', type: 'number' })).body;
    const ship = (await post({ name: 'Ships', type: 'date' })).body;
    const risky = (await post({ name: 'Risky', type: 'checkbox' })).body;
    const note = (await post({ name: 'Note', type: 'text' })).body;
    const prio = (
      await post({
        name: 'Priority',
        type: 'single_select',
        options: [{ name: 'High', color: 'red' }, { name: 'Low' }],
      })
    ).body;
    expect(prio.options).toEqual([
      { id: '1', name: 'High', color: 'red' },
      { id: '2', name: 'Low', color: null },
    ]);
    expect((await post({ name: 'Bad', type: 'text', options: [{ name: 'x' }] })).status).toBe(400);
    expect((await post({ name: 'points', type: 'text' })).body.error.code).toBe(
      'SB_ERR_NAME_TAKEN',
    );
    const t = await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'Feature',
      custom_fields: {
        [points.id]: 5,
        [ship.id]: '2026-12-24',
        [risky.id]: true,
        [note.id]: 'needs QA',
        [prio.id]: 'high',
      },
    });
    expect(t.status).toBe(201);
    expect(t.body.custom_fields).toEqual({
      [points.id]: 5,
      [ship.id]: '2026-12-24',
      [risky.id]: true,
      [note.id]: 'needs QA',
      [prio.id]: '1',
    });
    await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'Chore',
      custom_fields: { [points.id]: 1, [prio.id]: '2' },
    });
    for (const [value, code] of [
      [{ [points.id]: 'five' }, 'SB_ERR_INVALID_FIELD_VALUE'],
      [{ [ship.id]: '2026-02-30' }, 'SB_ERR_INVALID_FIELD_VALUE'],
      [{ [prio.id]: 'Medium' }, 'SB_ERR_INVALID_FIELD_VALUE'],
      [{ [risky.id]: 'yes' }, 'SB_ERR_INVALID_FIELD_VALUE'],
      [{ 999999: 1 }, 'SB_ERR_UNKNOWN_FIELD'],
    ] as const) {
      const res = await owner.patch(`/api/tasks/${t.body.id}`, { custom_fields: value });
      expect(res.status, JSON.stringify(value)).toBe(422);
      expect(res.body.error.code).toBe(code);
    }
    const cleared = await owner.patch(`/api/tasks/${t.body.id}`, {
      custom_fields: { [note.id]: null, [risky.id]: false },
    });
    expect(Object.keys(cleared.body.custom_fields).sort()).toEqual(
      [String(points.id), String(ship.id), String(prio.id)].sort(),
    );

    const titles = async (q: string) =>
      (await owner.get(`/api/tasks?board_id=${board.id}&${q}`)).body.tasks.map(
        (x: { title: string }) => x.title,
      );
    expect(await titles(`field=${prio.id}:High`)).toEqual(['Feature']);
    expect(await titles(`field=${prio.id}:2`)).toEqual(['Chore']);
    expect(await titles(`field=${points.id}:1`)).toEqual(['Chore']);
    expect(await titles(`field=${points.id}:5&field=${prio.id}:high`)).toEqual(['Feature']);
    expect(await titles(`field=${ship.id}:2026-12-24`)).toEqual(['Feature']);
    expect(await titles(`field=${risky.id}:false`)).toEqual(['Feature', 'Chore']);
    expect((await owner.get(`/api/tasks?field=${points.id}:x`)).status).toBe(400);
    expect((await owner.get(`/api/tasks?field=nope`)).status).toBe(400);
    expect((await owner.get(`/api/tasks?field=999999:1`)).body.error.code).toBe(
      'SB_ERR_UNKNOWN_FIELD',
    );

    // Dropping an option clears it on the cards that had it; renaming keeps values.
    const updated = await editor.patch(`/api/boards/${board.id}/custom-fields/${prio.id}`, {
      options: [{ id: '2', name: 'Lowest' }, { name: 'Medium' }],
    });
    expect(updated.body.options.map((o: { id: string }) => o.id)).toEqual(['2', '3']);
    const byTitle = Object.fromEntries(
      (await tasksOf(board.id)).map((x) => [
        (x as unknown as { title: string }).title,
        x.custom_fields,
      ]),
    );
    expect(byTitle.Feature![String(prio.id)]).toBeUndefined();
    expect(byTitle.Chore![String(prio.id)]).toBe('2');
    expect((await editor.delete(`/api/boards/${board.id}/custom-fields/${points.id}`)).status).toBe(
      204,
    );
    expect((await tasksOf(board.id)).every((x) => !(String(points.id) in x.custom_fields))).toBe(
      true,
    );
    expect(
      (await viewer.post(`/api/boards/${board.id}/custom-fields`, { name: 'V', type: 'text' }))
        .status,
    ).toBe(403);
  });
});

describe('status', () => {
  it('is the column name on every task, and places a task by name on create and update', async () => {
    const board = await newBoard();
    const [todo, doing, done] = board.columns;
    const t = await owner.post('/api/tasks', {
      board_id: board.id,
      title: 't',
      status: 'in PROGRESS',
    });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ column_id: doing!.id, status: 'In progress' });
    expect((await owner.post('/api/tasks', { board_id: board.id, title: 'u' })).body.status).toBe(
      todo!.title,
    );
    const moved = await owner.patch(`/api/tasks/${t.body.id}`, { status: 'done' });
    expect(moved.body).toMatchObject({ column_id: done!.id, status: 'Done' });
    const missing = await owner.patch(`/api/tasks/${t.body.id}`, { status: 'Blocked' });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({
      code: 'SB_ERR_UNKNOWN_STATUS',
      details: { status: 'Blocked', statuses: ['To do', 'In progress', 'Done'] },
    });
    expect(
      (await owner.patch(`/api/tasks/${t.body.id}`, { status: 'Done', column_id: todo!.id }))
        .status,
    ).toBe(400);
    await owner.patch(`/api/boards/${board.id}/columns/${done!.id}`, { title: 'Shipped' });
    expect((await owner.get(`/api/tasks/${t.body.id}`)).body.status).toBe('Shipped');
    const filtered = await owner.get(`/api/tasks?board_id=${board.id}&status=shipped`);
    expect(filtered.body.tasks.map((x: { id: number }) => x.id)).toEqual([t.body.id]);
  });
});

describe('dates', () => {
  it('due date with optional time and zone, start date; overdue and due-soon filters', async () => {
    const board = await newBoard();
    const t = await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'Berlin',
      due: { date: '2026-07-15', time: '17:00', time_zone: 'Europe/Berlin' },
      start_date: '2026-07-01',
    });
    expect(t.body).toMatchObject({
      due: { date: '2026-07-15', time: '17:00', time_zone: 'Europe/Berlin' },
      due_at: '2026-07-15T15:00:00.000Z',
      start_date: '2026-07-01',
    });
    const allDay = await owner.patch(`/api/tasks/${t.body.id}`, { due: { date: '2026-07-16' } });
    expect(allDay.body).toMatchObject({
      due: { date: '2026-07-16', time: null, time_zone: null },
      due_at: '2026-07-16T23:59:59.999Z',
    });
    const legacy = await owner.patch(`/api/tasks/${t.body.id}`, {
      due_at: '2026-07-20T10:30:00+02:00',
    });
    expect(legacy.body).toMatchObject({
      due_at: '2026-07-20T08:30:00.000Z',
      due: { date: '2026-07-20', time: '08:30', time_zone: null },
    });
    for (const due of [
      { date: '2026-13-01' },
      { date: '2026-07-01', time: '25:00' },
      { date: '2026-07-01', time_zone: 'Mars/Olympus' },
    ]) {
      expect((await owner.patch(`/api/tasks/${t.body.id}`, { due })).status).toBe(400);
    }
    expect((await owner.patch(`/api/tasks/${t.body.id}`, { due: null })).body).toMatchObject({
      due: null,
      due_at: null,
    });
    const now = Date.now();
    const iso = (ms: number) => new Date(now + ms).toISOString();
    await owner.post('/api/tasks', { board_id: board.id, title: 'late', due_at: iso(-3_600_000) });
    await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'late but done',
      due_at: iso(-3_600_000),
      completed: true,
    });
    await owner.post('/api/tasks', { board_id: board.id, title: 'soon', due_at: iso(3_600_000) });
    await owner.post('/api/tasks', {
      board_id: board.id,
      title: 'later',
      due_at: iso(7 * 86_400_000),
    });
    const titles = async (q: string) =>
      (await owner.get(`/api/tasks?board_id=${board.id}&${q}`)).body.tasks.map(
        (x: { title: string }) => x.title,
      );
    expect(await titles('due=overdue')).toEqual(['late']);
    expect(await titles('due=due_soon')).toEqual(['soon']);
  });
});

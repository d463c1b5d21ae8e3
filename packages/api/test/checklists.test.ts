import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

type User = Client & { userId: number; username: string };
let h: Harness;
let owner: User;
let editor: User;
let viewer: User;
let boardId: number;
let columns: number[];

beforeAll(async () => {
  h = await startHarness('checklists');
  owner = await registerUser(h.app, 'owner');
  editor = await registerUser(h.app, 'editor');
  viewer = await registerUser(h.app, 'viewer');
  const board = (await owner.post('/api/boards', { title: 'Lists' })).body;
  boardId = board.id;
  columns = board.columns.map((c: { id: number }) => c.id);
  await owner.post(`/api/boards/${boardId}/members`, { username: editor.username, role: 'editor' });
  await owner.post(`/api/boards/${boardId}/members`, { username: viewer.username, role: 'viewer' });
});
afterAll(async () => h?.close());

const newTask = async (title = 'Card') =>
  (await owner.post('/api/tasks', { board_id: boardId, title })).body.id as number;
const progress = async (taskId: number) => (await owner.get(`/api/tasks/${taskId}`)).body.checklist;
const itemTitles = async (taskId: number) =>
  (await owner.get(`/api/tasks/${taskId}/checklists`)).body.checklists.map(
    (l: { title: string; items: { title: string }[] }) => [l.title, l.items.map((i) => i.title)],
  );

describe('checklists', () => {
  it('several per card with items; progress on the task and the board', async () => {
    const taskId = await newTask();
    const first = await editor.post(`/api/tasks/${taskId}/checklists`, {
      title: 'Release',
      items: ['tag', 'build', 'announce'],
    });
    expect(first.status).toBe(201);
    expect(
      first.body.items.map((i: { title: string; done: boolean }) => [i.title, i.done]),
    ).toEqual([
      ['tag', false],
      ['build', false],
      ['announce', false],
    ]);
    const second = await editor.post(`/api/tasks/${taskId}/checklists`, {
      title: 'Before',
      before_id: first.body.id,
    });
    expect(await itemTitles(taskId)).toEqual([
      ['Before', []],
      ['Release', ['tag', 'build', 'announce']],
    ]);
    const item = await editor.post(`/api/checklists/${second.body.id}/items`, {
      title: 'review',
      done: true,
    });
    expect(item.body).toMatchObject({ done: true, done_by: editor.userId });
    await editor.patch(`/api/checklist-items/${first.body.items[0].id}`, { done: true });
    expect(await progress(taskId)).toEqual({ done: 2, total: 4 });
    const board = await owner.get(`/api/boards/${boardId}`);
    expect(board.body.tasks.find((t: { id: number }) => t.id === taskId).checklist).toEqual({
      done: 2,
      total: 4,
    });
    expect((await editor.delete(`/api/checklists/${first.body.id}`)).status).toBe(204);
    expect(await progress(taskId)).toEqual({ done: 1, total: 1 });
  });

  it('reorders items by fractional keys, within and across a card’s checklists', async () => {
    const taskId = await newTask();
    const a = (
      await owner.post(`/api/tasks/${taskId}/checklists`, { title: 'A', items: ['1', '2', '3'] })
    ).body;
    const b = (await owner.post(`/api/tasks/${taskId}/checklists`, { title: 'B', items: ['x'] }))
      .body;
    const [one, two, three] = a.items as { id: number; position: string }[];
    const moved = await owner.patch(`/api/checklist-items/${three!.id}`, { after_id: one!.id });
    expect(moved.status).toBe(200);
    expect(moved.body.position > one!.position && moved.body.position < two!.position).toBe(true);
    expect(await itemTitles(taskId)).toEqual([
      ['A', ['1', '3', '2']],
      ['B', ['x']],
    ]);
    await owner.patch(`/api/checklist-items/${two!.id}`, {
      checklist_id: b.id,
      before_id: b.items[0].id,
    });
    expect(await itemTitles(taskId)).toEqual([
      ['A', ['1', '3']],
      ['B', ['2', 'x']],
    ]);
    const elsewhere = (await owner.post(`/api/tasks/${await newTask()}/checklists`, { title: 'Z' }))
      .body;
    const bad = await owner.patch(`/api/checklist-items/${one!.id}`, {
      checklist_id: elsewhere.id,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('SB_ERR_BAD_NEIGHBOUR');
    const self = await owner.patch(`/api/checklist-items/${one!.id}`, { after_id: one!.id });
    expect(self.body.error.code).toBe('SB_ERR_BAD_NEIGHBOUR');
  });

  it('turns an item into a card in the same column, removing the item, as one write', async () => {
    const taskId = (
      await owner.post('/api/tasks', { board_id: boardId, title: 'Epic', column_id: columns[1] })
    ).body.id;
    const list = (
      await owner.post(`/api/tasks/${taskId}/checklists`, {
        title: 'Parts',
        items: ['Login page', 'API'],
      })
    ).body;
    const before = (await owner.get(`/api/boards/${boardId}`)).body.seq;
    const res = await editor.post(`/api/checklist-items/${list.items[0].id}/convert`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: 'Login page',
      column_id: columns[1],
      created_by: editor.userId,
    });
    expect(await itemTitles(taskId)).toEqual([['Parts', ['API']]]);
    expect(await progress(taskId)).toEqual({ done: 0, total: 1 });
    const log = await owner.get(`/api/boards/${boardId}/events?after=${before}`);
    expect(log.body.events.map((e: { type: string }) => e.type)).toEqual([
      'checklist_item.deleted',
      'task.created',
    ]);
    expect(log.body.events[1].payload.from_checklist_item).toEqual({
      id: list.items[0].id,
      task_id: taskId,
    });
    const elsewhere = await editor.post(`/api/checklist-items/${list.items[1].id}/convert`, {
      column_id: columns[2],
    });
    expect(elsewhere.body.column_id).toBe(columns[2]);
  });

  it('version checks, limits, and who may write', async () => {
    const taskId = await newTask();
    const list = (await owner.post(`/api/tasks/${taskId}/checklists`, { title: 'L', items: ['i'] }))
      .body;
    const item = list.items[0];
    expect(
      (await owner.patch(`/api/checklist-items/${item.id}`, { done: true, version: 1 })).status,
    ).toBe(200);
    const stale = await owner.patch(`/api/checklist-items/${item.id}`, { done: false, version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.current.done).toBe(true);
    expect((await viewer.patch(`/api/checklist-items/${item.id}`, { done: false })).status).toBe(
      403,
    );
    expect((await viewer.get(`/api/tasks/${taskId}/checklists`)).status).toBe(200);
    const tooMany = await owner.post(`/api/tasks/${taskId}/checklists`, {
      title: 'big',
      items: Array.from({ length: 201 }, (_, i) => `i${i}`),
    });
    expect(tooMany.status).toBe(400);
    for (let i = 1; i < 20; i++)
      await owner.post(`/api/tasks/${taskId}/checklists`, { title: `L${i}` });
    const over = await owner.post(`/api/tasks/${taskId}/checklists`, { title: 'one more' });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('SB_ERR_TOO_MANY');
  });

  it('two editors ticking the same item: both succeed, one change, one event', async () => {
    const taskId = await newTask();
    const list = (await owner.post(`/api/tasks/${taskId}/checklists`, { title: 'L', items: ['i'] }))
      .body;
    const before = (await owner.get(`/api/boards/${boardId}`)).body.seq;
    const [a, b] = await Promise.all([
      owner.patch(`/api/checklist-items/${list.items[0].id}`, { done: true }),
      editor.patch(`/api/checklist-items/${list.items[0].id}`, { done: true }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.version).toBe(2);
    expect(b.body.version).toBe(2);
    const log = await owner.get(`/api/boards/${boardId}/events?after=${before}`);
    expect(log.body.events).toHaveLength(1);
    expect(await progress(taskId)).toEqual({ done: 1, total: 1 });
    // With the version they saw, the second of two opposite ticks is refused.
    const [x, y] = await Promise.all([
      owner.patch(`/api/checklist-items/${list.items[0].id}`, { done: false, version: 2 }),
      editor.patch(`/api/checklist-items/${list.items[0].id}`, { done: false, version: 2 }),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
  });

  it('concurrent reorders leave unique, ordered keys, each beside its named neighbour', async () => {
    const taskId = await newTask();
    const list = (
      await owner.post(`/api/tasks/${taskId}/checklists`, {
        title: 'L',
        items: Array.from({ length: 12 }, (_, i) => `i${i}`),
      })
    ).body;
    const ids: number[] = list.items.map((i: { id: number }) => i.id);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, n) => {
        const item = ids[(n * 5) % ids.length]!;
        let other = ids[(n * 7 + 3) % ids.length]!;
        if (other === item) other = ids[(ids.indexOf(item) + 1) % ids.length]!;
        return (n % 2 ? owner : editor).patch(`/api/checklist-items/${item}`, {
          [n % 3 ? 'after_id' : 'before_id']: other,
        });
      }),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const after = (await owner.get(`/api/tasks/${taskId}/checklists`)).body.checklists[0].items as {
      position: string;
    }[];
    const keys = after.map((i) => i.position);
    expect(new Set(keys).size).toBe(12);
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('task-list items in a description', () => {
  it('ticks the n-th `- [ ]` by index, version-checked, as a task update with before and after', async () => {
    const description = 'Steps\n- [ ] a\n```\n- [ ] code\n```\n- [ ] b';
    const task = (await owner.post('/api/tasks', { board_id: boardId, title: 'Todo', description }))
      .body;
    const res = await editor.put(
      `/api/tasks/${task.id}/task-items/1`,
      { checked: true },
      {
        'if-match': '"1"',
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.description).toBe('Steps\n- [ ] a\n```\n- [ ] code\n```\n- [x] b');
    const stale = await editor.put(`/api/tasks/${task.id}/task-items/0`, {
      checked: true,
      version: 1,
    });
    expect(stale.status).toBe(409);
    const none = await editor.put(`/api/tasks/${task.id}/task-items/2`, { checked: true });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({
      code: 'SB_ERR_NO_SUCH_TASK_ITEM',
      details: { items: 2 },
    });
    const log = await owner.get(`/api/boards/${boardId}/events?limit=1000`);
    const last = log.body.events.filter((e: { type: string }) => e.type === 'task.updated').at(-1);
    expect(last.payload.changes.description).toEqual({
      from: description,
      to: res.body.description,
    });
    expect((await viewer.put(`/api/tasks/${task.id}/task-items/0`, { checked: true })).status).toBe(
      403,
    );
  });

  it('two editors ticking the same item at once agree (set, not toggle)', async () => {
    const task = (
      await owner.post('/api/tasks', {
        board_id: boardId,
        title: 'Race',
        description: '- [ ] x\n- [ ] y',
      })
    ).body;
    const both = await Promise.all([
      owner.put(`/api/tasks/${task.id}/task-items/0`, { checked: true }),
      editor.put(`/api/tasks/${task.id}/task-items/0`, { checked: true }),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const now = (await owner.get(`/api/tasks/${task.id}`)).body;
    expect(now.description).toBe('- [x] x\n- [ ] y');
    expect(now.version).toBe(2);
  });
});

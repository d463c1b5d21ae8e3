import {
  applyBoardEvent,
  type BoardEvent,
  boardStateFromDetail,
  type BoardState,
  tasksByColumn,
} from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
let alice: Client & { userId: number };
beforeAll(async () => {
  h = await startHarness('concurrency');
  alice = await registerUser(h.app, 'alice');
});
afterAll(async () => h?.close());

async function allEvents(boardId: number): Promise<BoardEvent[]> {
  const events: BoardEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await alice.get(`/api/boards/${boardId}/events?after=${after}&limit=1000`);
    events.push(...page.body.events);
    if (!page.body.has_more) return events;
    after = events.at(-1)!.seq;
  }
}

function assertColumnsOrdered(state: Pick<BoardState, 'tasks'>) {
  for (const tasks of tasksByColumn(state).values()) {
    const keys = tasks.map((t) => t.position);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
  }
}

describe('concurrent writes to one board', () => {
  it('50 parallel moves in one column give unique, ordered keys, each beside its named neighbour', async () => {
    const board = await alice.post('/api/boards', { title: 'Race' });
    const boardId: number = board.body.id;
    const taskIds: number[] = [];
    for (let i = 0; i < 20; i++) {
      taskIds.push((await alice.post('/api/tasks', { board_id: boardId, title: `t${i}` })).body.id);
    }
    // Deterministic pseudo-random plan: put task a just after (or just before) task b.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const plans = Array.from({ length: 50 }, () => {
      const task = taskIds[rand(taskIds.length)]!;
      let other = taskIds[rand(taskIds.length)]!;
      if (other === task) other = taskIds[(taskIds.indexOf(task) + 1) % taskIds.length]!;
      return { task, other, side: rand(2) === 0 ? ('after_id' as const) : ('before_id' as const) };
    });
    const results = await Promise.all(
      plans.map(async (plan) => ({
        ...plan,
        res: await alice.patch(`/api/tasks/${plan.task}`, { [plan.side]: plan.other }),
      })),
    );
    // A request that finds its task already in place changes nothing and returns the
    // version it found, so several requests may share one (task, version).
    type Plan = { other: number; side: 'after_id' | 'before_id' };
    const requested = new Map<string, Plan[]>();
    for (const { task, other, side, res } of results) {
      expect(res.status).toBe(200);
      const key = `${task}:${res.body.version}`;
      requested.set(key, [...(requested.get(key) ?? []), { other, side }]);
    }

    // Replay the log: right after each move, the task sits beside the neighbour it named.
    const events = await allEvents(boardId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const detail = await alice.get(`/api/boards/${boardId}`);
    let state = boardStateFromDetail({
      ...detail.body,
      columns: [],
      tasks: [],
      members: [],
      seq: 0,
    });
    const moved = new Set<string>();
    for (const event of events) {
      state = applyBoardEvent(state, event);
      if (event.type !== 'task.moved') continue;
      const key = `${event.payload.task.id}:${event.payload.task.version}`;
      const plans = requested.get(key);
      expect(plans, `move ${key} was requested`).toBeDefined();
      const column = tasksByColumn(state).get(event.payload.task.column_id)!;
      const at = column.findIndex((t) => t.id === event.payload.task.id);
      const beside = (p: Plan) => column[p.side === 'after_id' ? at - 1 : at + 1]?.id === p.other;
      expect(plans!.some(beside)).toBe(true);
      assertColumnsOrdered(state);
      moved.add(key);
    }
    // Every answer is either a move in the log or a no-op on an unmoved task (version 1).
    for (const key of requested.keys()) expect(moved.has(key) || key.endsWith(':1')).toBe(true);
    expect(moved.size).toBeGreaterThan(30);
    expect(Object.values(state.tasks).sort((a, b) => a.id - b.id)).toEqual(
      [...detail.body.tasks].sort((a: { id: number }, b: { id: number }) => a.id - b.id),
    );
  });

  it('parallel moves across columns keep every column ordered; a vanished neighbour is a 422, not a misplacement', async () => {
    const board = await alice.post('/api/boards', { title: 'Cross' });
    const boardId: number = board.body.id;
    const columnIds: number[] = board.body.columns.map((c: { id: number }) => c.id);
    const taskIds: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t = await alice.post('/api/tasks', {
        board_id: boardId,
        title: `t${i}`,
        column_id: columnIds[i % 3],
      });
      taskIds.push(t.body.id);
    }
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const task = taskIds[i % taskIds.length]!;
        const other = taskIds[(i * 7 + 3) % taskIds.length]!;
        const column = columnIds[(i * 5) % 3]!;
        return other === task
          ? alice.patch(`/api/tasks/${task}`, { column_id: column })
          : alice.patch(`/api/tasks/${task}`, { column_id: column, before_id: other });
      }),
    );
    for (const res of results) {
      if (res.status !== 200) {
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('SB_ERR_BAD_NEIGHBOUR');
      }
    }
    const detail = await alice.get(`/api/boards/${boardId}`);
    assertColumnsOrdered({
      tasks: Object.fromEntries(detail.body.tasks.map((t: { id: number }) => [t.id, t])),
    });
    expect(detail.body.tasks).toHaveLength(15);
  });

  it('concurrent creates at the same spot never collide', async () => {
    const board = await alice.post('/api/boards', { title: 'Inserts' });
    const boardId: number = board.body.id;
    const first = await alice.post('/api/tasks', { board_id: boardId, title: 'anchor' });
    const res = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        alice.post('/api/tasks', { board_id: boardId, title: `n${i}`, after_id: first.body.id }),
      ),
    );
    expect(res.every((r) => r.status === 201)).toBe(true);
    const detail = await alice.get(`/api/boards/${boardId}`);
    assertColumnsOrdered({
      tasks: Object.fromEntries(detail.body.tasks.map((t: { id: number }) => [t.id, t])),
    });
    expect(detail.body.tasks).toHaveLength(41);
  });

  it('of 20 concurrent writes on the same version exactly one wins; the rest get 409 with the winner', async () => {
    const board = await alice.post('/api/boards', { title: 'Stale' });
    const task = await alice.post('/api/tasks', { board_id: board.body.id, title: 'contested' });
    const res = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        alice.patch(
          `/api/tasks/${task.body.id}`,
          { title: `writer ${i}` },
          { 'if-match': `"${task.body.version}"` },
        ),
      ),
    );
    const wins = res.filter((r) => r.status === 200);
    const conflicts = res.filter((r) => r.status === 409);
    expect(wins).toHaveLength(1);
    expect(conflicts).toHaveLength(19);
    for (const c of conflicts) {
      expect(c.body.error.code).toBe('SB_ERR_VERSION_CONFLICT');
      expect(c.body.error.details.current).toEqual(wins[0]!.body);
    }
    // Body `version` works the same way.
    const stale = await alice.put(`/api/tasks/${task.body.id}`, { completed: true, version: 1 });
    expect(stale.status).toBe(409);
    const fresh = await alice.put(`/api/tasks/${task.body.id}`, { completed: true, version: 2 });
    expect(fresh.status).toBe(200);
    expect(fresh.body.version).toBe(3);
    expect(fresh.headers.etag).toBe('"3"');
  });
});

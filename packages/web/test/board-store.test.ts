import { applyBoardEvent, boardStateFromDetail, type BoardEvent } from '@switchboard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoardStore, type StoreNotice } from '../src/state/board-store';
import {
  after,
  apiError,
  BOARD_ID,
  detail,
  EventFactory,
  FakeTransport,
  flush,
  ManualScheduler,
  ME,
  task,
} from './support/fixtures';

function setup(options: { undoWindowMs?: number } = {}) {
  const transport = new FakeTransport();
  const scheduler = new ManualScheduler();
  const notices: StoreNotice[] = [];
  const d = detail();
  const store = new BoardStore(d, {
    transport,
    viewerId: ME,
    scheduler,
    onNotice: (n) => notices.push(n),
    undoWindowMs: options.undoWindowMs ?? 5000,
  });
  return { store, transport, scheduler, notices, d, events: new EventFactory(d.seq) };
}

const ids = (store: BoardStore, columnId: number) =>
  (store.getView().tasksByColumn.get(columnId) ?? []).map((t) => t.id);

describe('events', () => {
  it('applies events in seq order and keeps untouched columns’ arrays', () => {
    const { store, d, events } = setup();
    const before = store.getView();
    const moved = { ...d.tasks[0]!, column_id: 200, position: 'a0', version: 2 };
    store.receiveEvent(
      events.next({
        type: 'task.moved',
        payload: { task: moved, from_column_id: 100, changed: ['column_id'] },
      }),
    );
    const view = store.getView();
    expect(store.seq).toBe(6);
    expect(ids(store, 100)).toEqual([2, 3]);
    expect(ids(store, 200)).toEqual([1]);
    expect(view.tasksByColumn.get(300)).toBe(before.tasksByColumn.get(300));
    expect(view.tasks[1]?.column_id).toBe(200);
  });

  it('drops duplicates', () => {
    const { store, d, events } = setup();
    const e = events.next({
      type: 'task.updated',
      payload: { task: { ...d.tasks[1]!, title: 'new', version: 2 }, changed: ['title'] },
    });
    store.receiveEvent(e);
    const view = store.getView();
    store.receiveEvent(e);
    store.receiveEvent({ ...e, seq: 3 } as BoardEvent);
    expect(store.seq).toBe(6);
    expect(store.getView()).toBe(view);
    expect(store.stats.duplicates).toBe(2);
  });

  it('fetches a gap over REST, then applies what was buffered, in order', async () => {
    const { store, transport, d, events } = setup();
    const log = [1, 2, 3, 4].map((i) =>
      events.next({
        type: 'task.created',
        payload: { task: task(50 + i, 200, `a${i}`) },
      }),
    );
    transport.events = log;
    // Only seq 9 arrives (6–8 were missed).
    store.receiveEvent(log[3]!);
    expect(store.seq).toBe(d.seq);
    await flush();
    expect(store.seq).toBe(9);
    expect(ids(store, 200)).toEqual([51, 52, 53, 54]);
    expect(store.stats.gaps).toBe(1);
    expect(store.getMeta().catchingUp).toBe(false);
  });

  it('buffers events that arrive during a catch-up', async () => {
    const { store, transport, events } = setup();
    const log = [1, 2, 3].map((i) =>
      events.next({ type: 'task.created', payload: { task: task(60 + i, 300, `a${i}`) } }),
    );
    transport.events = log.slice(0, 2);
    const run = store.catchUp();
    store.receiveEvent(log[2]!);
    store.receiveEvent(log[0]!);
    await run;
    expect(store.seq).toBe(8);
    expect(ids(store, 300)).toEqual([61, 62, 63]);
  });

  it('replaces the state with a newer snapshot and ignores an older one', () => {
    const { store, d } = setup();
    store.receiveSnapshot({ ...d, seq: 40, title: 'Renamed', tasks: [] }, 40);
    expect(store.seq).toBe(40);
    expect(store.getView().board.title).toBe('Renamed');
    expect(ids(store, 100)).toEqual([]);
    store.receiveSnapshot({ ...d, seq: 20 }, 20);
    expect(store.seq).toBe(40);
  });

  it('catches up when "subscribed" says the board is ahead and no replay follows', async () => {
    const { store, transport, scheduler, events } = setup();
    transport.events = [
      events.next({ type: 'task.created', payload: { task: task(70, 100, 'a9') } }),
    ];
    store.receiveSubscribed(6);
    await flush();
    expect(store.seq).toBe(5);
    scheduler.advance(500);
    await flush();
    expect(store.seq).toBe(6);
  });

  it('ends up equal to the server whatever the delivery order, duplicates and losses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 40 }),
        async (deliveries) => {
          const { store, transport, d, events } = setup();
          const log: BoardEvent[] = [];
          let t = d.tasks[0]!;
          for (let i = 0; i < 12; i++) {
            t = { ...t, title: `v${i}`, version: t.version + 1 };
            log.push(
              events.next({ type: 'task.updated', payload: { task: t, changed: ['title'] } }),
            );
          }
          transport.events = log;
          for (const i of deliveries) store.receiveEvent(log[i]!);
          await flush();
          await store.catchUp();
          let expected = boardStateFromDetail(d);
          for (const e of log) expected = applyBoardEvent(expected, e, ME);
          const highest = Math.max(...deliveries.map((i) => log[i]!.seq));
          // Everything up to the highest seq delivered must be there, in order.
          expect(store.seq).toBeGreaterThanOrEqual(highest);
          expect(store.confirmedState.tasks).toEqual(expected.tasks);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('optimistic updates', () => {
  it('shows a new task at once, then the server’s, then settles on its event', async () => {
    const { store, transport, events } = setup();
    const tempId = store.createTask(200, { title: 'Write docs' });
    expect(tempId).toBeLessThan(0);
    expect(ids(store, 200)).toEqual([tempId]);
    expect(store.getView().pendingTaskIds.has(tempId)).toBe(true);
    const call = transport.take('createTask');
    expect(call.args[0]).toMatchObject({ board_id: BOARD_ID, column_id: 200, title: 'Write docs' });
    const created = task(77, 200, 'a0', { title: 'Write docs' });
    call.resolve(created);
    await flush();
    expect(ids(store, 200)).toEqual([77]);
    expect(store.pendingOps).toHaveLength(1);
    expect(store.pendingOps[0]?.state).toBe('acked');
    store.receiveEvent(events.next({ type: 'task.created', payload: { task: created } }, ME));
    expect(store.pendingOps).toHaveLength(0);
    expect(ids(store, 200)).toEqual([77]);
  });

  it('moves a task between columns optimistically and rolls back on a WIP refusal', async () => {
    const { store, transport, notices } = setup();
    store.moveTask(2, 200, null, null);
    expect(ids(store, 100)).toEqual([1, 3]);
    expect(ids(store, 200)).toEqual([2]);
    const call = transport.take('updateTask');
    expect(call.args).toEqual([2, { column_id: 200 }, undefined]);
    call.reject(apiError(409, 'SB_ERR_WIP_LIMIT_REACHED', { column_id: 200, wip_limit: 3 }));
    await flush();
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    expect(ids(store, 200)).toEqual([]);
    expect(notices[0]?.message).toMatch(/WIP limit of 3/);
  });

  it('places a moved task between the neighbours it names', () => {
    const { store, transport } = setup();
    store.moveTask(3, 100, 1, 2);
    expect(ids(store, 100)).toEqual([1, 3, 2]);
    expect(transport.take('updateTask').args[1]).toEqual({ column_id: 100, after_id: 1 });
  });

  it('turns a stale write into a conflict; "keep mine" retries on the newest version', async () => {
    const { store, transport } = setup();
    store.updateTask(1, { title: 'Mine' }, 1);
    expect(store.getView().tasks[1]?.title).toBe('Mine');
    const call = transport.take('updateTask');
    expect(call.args).toEqual([1, { title: 'Mine' }, 1]);
    const theirs = task(1, 100, 'a0', { title: 'Theirs', version: 3 });
    call.reject(apiError(409, 'SB_ERR_VERSION_CONFLICT', { expected_version: 1, current: theirs }));
    await flush();
    expect(store.getView().tasks[1]?.title).toBe('Task 1');
    const [conflict] = store.getMeta().conflicts;
    expect(conflict).toMatchObject({ kind: 'task', entityId: 1, mine: { title: 'Mine' } });
    expect(conflict?.theirs).toEqual(theirs);
    store.resolveConflict(conflict!.id, 'mine');
    expect(store.getMeta().conflicts).toHaveLength(0);
    expect(transport.take('updateTask').args).toEqual([1, { title: 'Mine' }, 3]);
  });

  it('"take theirs" drops the edit and sends nothing', async () => {
    const { store, transport } = setup();
    store.updateTask(1, { title: 'Mine' }, 1);
    transport
      .take('updateTask')
      .reject(apiError(409, 'SB_ERR_VERSION_CONFLICT', { current: task(1, 100, 'a0') }));
    await flush();
    store.resolveConflict(store.getMeta().conflicts[0]!.id, 'theirs');
    expect(transport.calls).toHaveLength(0);
    expect(store.getMeta().conflicts).toHaveLength(0);
  });

  it('does not treat the user’s own earlier edit as a conflict', async () => {
    const { store, transport } = setup();
    store.updateTask(1, { title: 'One' }, 1);
    store.updateTask(1, { completed: true }, 1);
    // Serial: the second waits for the first.
    expect(transport.calls.filter((c) => c.method === 'updateTask')).toHaveLength(1);
    transport.take('updateTask').resolve(task(1, 100, 'a0', { title: 'One', version: 2 }));
    await flush();
    const second = transport.take('updateTask');
    expect(second.args).toEqual([1, { completed: true }, 2]);
  });

  it('sends a move of a just-created task with its real id', async () => {
    const { store, transport } = setup();
    const tempId = store.createTask(100, { title: 'New' });
    store.moveTask(tempId, 200, null, null);
    expect(ids(store, 200)).toEqual([tempId]);
    transport.take('createTask').resolve(task(90, 100, 'b0', { title: 'New' }));
    await flush();
    expect(transport.take('updateTask').args[0]).toBe(90);
  });

  it('rolls back a failed create, offers a retry, and drops ops on the never-made task', async () => {
    const { store, transport, notices } = setup();
    const tempId = store.createTask(100, { title: 'New' });
    store.updateTask(tempId, { title: 'Renamed' });
    transport.take('createTask').reject(apiError(403, 'SB_ERR_FORBIDDEN'));
    await flush();
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    expect(store.pendingOps).toHaveLength(0);
    expect(transport.calls).toHaveLength(0);
    expect(notices[0]?.message).toMatch(/Couldn’t add the task/);
    notices[0]?.retry?.();
    expect(transport.take('createTask').args[0]).toMatchObject({ title: 'New' });
  });

  it('retries an idempotent write after a network error', async () => {
    const { store, transport, scheduler } = setup();
    store.updateTask(2, { completed: true });
    transport.take('updateTask').reject(apiError(0, 'SB_ERR_NETWORK'));
    await flush();
    expect(store.getView().tasks[2]?.completed).toBe(true);
    expect(transport.calls).toHaveLength(0);
    scheduler.advance(300);
    const retry = transport.take('updateTask');
    expect(retry.args[1]).toEqual({ completed: true });
  });

  it('shows a newer event over an acknowledged op', async () => {
    const { store, transport, events } = setup();
    store.updateTask(1, { title: 'Mine' });
    transport.take('updateTask').resolve(task(1, 100, 'a0', { title: 'Mine', version: 2 }));
    await flush();
    const theirs = { ...store.getView().tasks[1]!, title: 'Later', version: 3 };
    store.receiveEvent(
      events.next({ type: 'task.updated', payload: { task: theirs, changed: [] } }),
    );
    expect(store.getView().tasks[1]?.title).toBe('Later');
    expect(store.pendingOps).toHaveLength(0);
  });

  it('previews a drag without sending, and forgets it on cancel', () => {
    const { store, transport } = setup();
    store.setDragPreview(1, 300, null, null);
    expect(ids(store, 300)).toEqual([1]);
    store.clearDragPreview();
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    expect(transport.calls).toHaveLength(0);
  });

  it('shows a column delete with move_to as its tasks moving over', () => {
    const { store, transport } = setup();
    store.deleteColumn(100, 300);
    expect(store.getView().columns.map((c) => c.id)).toEqual([200, 300]);
    expect(ids(store, 300)).toEqual([1, 2, 3]);
    expect(transport.take('deleteColumn').args).toEqual([BOARD_ID, 100, 300]);
  });

  it('moves a column between its neighbours', () => {
    const { store, transport } = setup();
    store.moveColumn(300, null, 100);
    expect(store.getView().columns.map((c) => c.id)).toEqual([300, 100, 200]);
    expect(transport.take('updateColumn').args).toEqual([
      BOARD_ID,
      300,
      { before_id: 100 },
      undefined,
    ]);
  });
});

describe('delete with undo', () => {
  it('hides the task at once and restores it on undo without a request', () => {
    const { store, transport, scheduler } = setup();
    const { undo } = store.deleteTask(2);
    expect(ids(store, 100)).toEqual([1, 3]);
    expect(undo()).toBe(true);
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    scheduler.advance(10_000);
    expect(transport.calls).toHaveLength(0);
  });

  it('sends the DELETE when the undo window ends; undo is then too late', async () => {
    const { store, transport, scheduler, events, d } = setup();
    const { undo } = store.deleteTask(2);
    scheduler.advance(4999);
    expect(transport.calls).toHaveLength(0);
    scheduler.advance(1);
    const call = transport.take('deleteTask');
    expect(call.args).toEqual([2, false]);
    expect(undo()).toBe(false);
    call.resolve(undefined);
    await flush();
    expect(ids(store, 100)).toEqual([1, 3]);
    store.receiveEvent(events.next({ type: 'task.deleted', payload: { task: d.tasks[1]! } }, ME));
    expect(store.pendingOps).toHaveLength(0);
    expect(ids(store, 100)).toEqual([1, 3]);
  });

  it('treats 404 on delete as done, and lets other writes pass a waiting delete', async () => {
    const { store, transport, scheduler } = setup();
    store.deleteTask(2);
    store.updateTask(1, { completed: true });
    transport
      .take('updateTask')
      .resolve(task(1, 100, after('a0'), { completed: true, version: 2 }));
    await flush();
    scheduler.advance(5000);
    transport.take('deleteTask').reject(apiError(404, 'SB_ERR_NOT_FOUND'));
    await flush();
    expect(ids(store, 100)).toEqual([1, 3]);
  });

  it('flushes waiting deletes with keepalive when the page goes away', () => {
    const { store, transport } = setup();
    store.deleteTask(3);
    store.flush({ keepalive: true });
    expect(transport.take('deleteTask').args).toEqual([3, true]);
  });
});

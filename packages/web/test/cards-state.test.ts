import type {
  ActivityPage,
  BoardEvent,
  ChecklistItem,
  ChecklistWithItems,
  Comment,
  CustomField,
  Label,
  Task,
} from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { parseFilter, matchesFilter } from '../src/lib/filter';
import { BoardStore, type StoreEvent } from '../src/state/board-store';
import { activityReducer, initialActivity } from '../src/state/cards/activity-state';
import {
  checklistsReducer,
  initialChecklists,
  isPending,
  progressOf,
} from '../src/state/cards/checklists-state';
import {
  commentsReducer,
  initialComments,
  mentionCandidates,
  mentionQuery,
} from '../src/state/cards/comments-state';
import {
  BOARD_ID,
  detail,
  EventFactory,
  FakeTransport,
  flush,
  ManualScheduler,
  ME,
  member,
  OTHER,
  task,
} from './support/fixtures';

const at = '2025-01-01T00:00:00.000Z';

function label(id: number, name: string, color: Label['color'] = 'red'): Label {
  return { id, board_id: BOARD_ID, name, color, created_at: at, updated_at: at, version: 1 };
}

function setup(extra: Parameters<typeof detail>[0] = {}) {
  const transport = new FakeTransport();
  const d = detail(extra);
  const store = new BoardStore(d, { transport, viewerId: ME, scheduler: new ManualScheduler() });
  const heard: StoreEvent[] = [];
  store.onEvent((e) => heard.push(e));
  return { store, transport, d, events: new EventFactory(d.seq), heard };
}

const ids = (store: BoardStore, columnId: number) =>
  (store.getView().tasksByColumn.get(columnId) ?? []).map((t) => t.id);
const shown = (store: BoardStore, id: number): Task | undefined =>
  store
    .getView()
    .tasksByColumn.get(100)
    ?.find((t) => t.id === id) ??
  [...store.getView().tasksByColumn.values()].flat().find((t) => t.id === id);

function comment(id: number, body: string, version = 1, taskId = 1): Comment {
  return {
    id,
    task_id: taskId,
    board_id: BOARD_ID,
    author_id: ME,
    author_username: 'me',
    body,
    mention_ids: [],
    created_at: at,
    updated_at: at,
    edited_at: null,
    version,
  };
}

describe('the board store applies every card event once, to the state and the column index', () => {
  it('comment and checklist events change the card face (count, progress) exactly once', () => {
    const { store, events, heard } = setup();
    const created = events.next({
      type: 'comment.created',
      payload: { task_id: 1, comment: comment(1, 'hi'), comment_count: 1 },
    });
    store.receiveEvent(created);
    store.receiveEvent(created); // the socket and a REST page both deliver it
    expect(shown(store, 1)?.comment_count).toBe(1);
    expect(store.stats.duplicates).toBe(1);
    expect(heard.filter((e) => e.kind === 'event')).toHaveLength(1);
    const item: ChecklistItem = {
      id: 7,
      checklist_id: 3,
      task_id: 2,
      title: 'x',
      done: true,
      position: 'a0',
      done_by: ME,
      done_at: at,
      created_at: at,
      updated_at: at,
      version: 2,
    };
    store.receiveEvent(
      events.next({
        type: 'checklist_item.updated',
        payload: {
          task_id: 2,
          item,
          changed: ['done'],
          changes: { done: { from: false, to: true } },
          progress: { done: 1, total: 3 },
        },
      }),
    );
    // The view's column index (what the cards render from) shows it, not just the record.
    expect(shown(store, 2)?.checklist).toEqual({ done: 1, total: 3 });
    expect(store.getView().tasks[2]?.checklist).toEqual({ done: 1, total: 3 });
  });

  it('label rename and delete reach every card in the index; field deletion clears values', () => {
    const bug = label(5, 'Bug');
    const d0 = detail();
    const tasks = d0.tasks.map((t) =>
      t.id === 3 ? t : { ...t, label_ids: [5], labels: ['Bug'], custom_fields: { '9': 'x' } },
    );
    const field: CustomField = {
      id: 9,
      board_id: BOARD_ID,
      name: 'Note',
      type: 'text',
      options: [],
      created_at: at,
      updated_at: at,
      version: 1,
    };
    const { store, events } = setup({ tasks, labels: [bug], custom_fields: [field] });
    store.receiveEvent(
      events.next({
        type: 'label.updated',
        payload: {
          label: { ...bug, name: 'Defect', color: 'purple', version: 2 },
          changes: { name: { from: 'Bug', to: 'Defect' } },
        },
      }),
    );
    expect(shown(store, 1)?.labels).toEqual(['Defect']);
    expect(shown(store, 2)?.labels).toEqual(['Defect']);
    expect(store.getView().labelsById[5]?.color).toBe('purple');
    store.receiveEvent(events.next({ type: 'label.deleted', payload: { label: bug } }));
    expect(shown(store, 1)?.label_ids).toEqual([]);
    expect(store.getView().labels).toEqual([]);
    store.receiveEvent(events.next({ type: 'custom_field.deleted', payload: { field } }));
    expect(shown(store, 2)?.custom_fields).toEqual({});
    expect(store.getView().customFields).toEqual([]);
  });

  it('archive, trash, restore and column archive take cards off and on the board', () => {
    const { store, d, events } = setup();
    const t1 = d.tasks[0]!;
    store.receiveEvent(
      events.next({
        type: 'task.archived',
        payload: { task: { ...t1, archived_at: at, version: 2 } },
      }),
    );
    expect(ids(store, 100)).toEqual([2, 3]);
    store.receiveEvent(
      events.next({ type: 'task.unarchived', payload: { task: { ...t1, version: 3 } } }),
    );
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    store.receiveEvent(events.next({ type: 'task.deleted', payload: { task: t1 } }));
    expect(ids(store, 100)).toEqual([2, 3]);
    store.receiveEvent(
      events.next({ type: 'task.restored', payload: { task: { ...t1, version: 4 } } }),
    );
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    const col = d.columns[0]!;
    store.receiveEvent(
      events.next({ type: 'column.archived', payload: { column: { ...col, archived_at: at } } }),
    );
    expect(store.getView().columns.map((c) => c.id)).toEqual([200, 300]);
    expect(store.getView().tasksByColumn.has(100)).toBe(false);
    store.receiveEvent(
      events.next({
        type: 'column.unarchived',
        payload: { column: col, tasks: d.tasks.map((t) => ({ ...t, version: 5 })) },
      }),
    );
    expect(ids(store, 100)).toEqual([1, 2, 3]);
    store.receiveEvent(
      events.next({
        type: 'task.purged',
        payload: { task_id: 1, title: 'Task 1', expired: false },
      }),
    );
    expect(ids(store, 100)).toEqual([2, 3]);
  });

  it('a column rename changes the status of its cards in the index', () => {
    const { store, d, events } = setup();
    store.receiveEvent(
      events.next({
        type: 'column.updated',
        payload: { column: { ...d.columns[0]!, title: 'Doing', version: 2 }, changed: ['title'] },
      }),
    );
    expect(
      store
        .getView()
        .tasksByColumn.get(100)
        ?.map((t) => t.status),
    ).toEqual(['Doing', 'Doing', 'Doing']);
  });

  it('onEvent hears each seq once, and reset after a snapshot', () => {
    const { store, d, events, heard } = setup();
    const e = events.next({
      type: 'comment.deleted',
      payload: { task_id: 1, comment_id: 4, author_id: ME, comment_count: 0 },
    });
    store.receiveEvent(e);
    store.receiveEvent(e);
    store.receiveSnapshot({ ...d, seq: 20 }, 20);
    expect(heard.map((h) => (h.kind === 'event' ? h.event.seq : 'reset'))).toEqual([6, 'reset']);
  });
});

describe('own writes: archive and task-list ticks', () => {
  it('archiving hides the card at once and settles on its event', async () => {
    const { store, transport, d, events } = setup();
    store.archiveTask(1);
    expect(ids(store, 100)).toEqual([2, 3]);
    const call = transport.take('updateTask');
    expect(call.args).toEqual([1, { archived: true }, undefined]);
    call.resolve(undefined);
    await flush();
    expect(store.pendingOps).toHaveLength(1);
    store.receiveEvent(
      events.next({
        type: 'task.archived',
        payload: { task: { ...d.tasks[0]!, archived_at: at, version: 2 } },
      }),
    );
    expect(store.pendingOps).toHaveLength(0);
    expect(ids(store, 100)).toEqual([2, 3]);
  });

  it('ticking a description box shows at once, sends the index and version, applies the event once', async () => {
    const description = '- [ ] a\n- [ ] b';
    const tasks = detail().tasks.map((t) => (t.id === 1 ? { ...t, description } : t));
    const { store, transport, events } = setup({ tasks });
    store.tickTaskItem(1, 1, true, 1);
    expect(store.getView().tasks[1]?.description).toBe('- [ ] a\n- [x] b');
    const call = transport.take('tickTaskItem');
    expect(call.args).toEqual([1, 1, true, 1]);
    const saved = { ...tasks[0]!, description: '- [ ] a\n- [x] b', version: 2 };
    call.resolve(saved);
    await flush();
    store.receiveEvent(
      events.next({ type: 'task.updated', payload: { task: saved, changed: ['description'] } }),
    );
    expect(store.pendingOps).toHaveLength(0);
    expect(shown(store, 1)?.description).toBe('- [ ] a\n- [x] b');
    expect(shown(store, 1)?.version).toBe(2);
  });

  it('a stale tick becomes a conflict the user resolves', async () => {
    const tasks = detail().tasks.map((t) => (t.id === 1 ? { ...t, description: '- [ ] a' } : t));
    const { store, transport } = setup({ tasks });
    store.tickTaskItem(1, 0, true, 1);
    const current = { ...tasks[0]!, description: '- [ ] a\n- [ ] new', version: 3 };
    transport.take('tickTaskItem').reject(
      new (await import('../src/api/http')).ApiError(409, 'SB_ERR_VERSION_CONFLICT', 'stale', {
        current,
      }),
    );
    await flush();
    expect(store.getMeta().conflicts).toHaveLength(1);
    expect(store.getView().tasks[1]?.description).toBe('- [ ] a');
    store.resolveConflict(store.getMeta().conflicts[0]!.id, 'mine');
    expect(transport.take('tickTaskItem').args).toEqual([1, 0, true, 3]);
  });

  it('label_ids patches show the names at once', () => {
    const { store } = setup({ labels: [label(5, 'Bug'), label(6, 'UI')] });
    store.updateTask(1, { label_ids: [6, 5] });
    expect(store.getView().tasks[1]?.labels).toEqual(['UI', 'Bug']);
  });
});

describe('comments reducer', () => {
  it('the POST answer and then its event make one comment; the event sets the count', () => {
    let s = initialComments(1);
    s = commentsReducer(s, {
      type: 'page',
      page: { comments: [], next_cursor: null, total: 0 },
      older: false,
    });
    s = commentsReducer(s, { type: 'saved', comment: comment(10, 'hi') });
    const event = {
      type: 'comment.created',
      payload: { task_id: 1, comment: comment(10, 'hi'), comment_count: 1 },
    } as BoardEvent;
    s = commentsReducer(s, { type: 'event', event });
    expect(s.comments.map((c) => c.id)).toEqual([10]);
    expect(s.total).toBe(1);
  });

  it('keeps the newer version, whichever arrives first', () => {
    let s = initialComments(1);
    s = commentsReducer(s, { type: 'saved', comment: comment(10, 'v2', 2) });
    s = commentsReducer(s, { type: 'saved', comment: comment(10, 'v1', 1) });
    expect(s.comments[0]?.body).toBe('v2');
  });

  it('a deleted comment does not come back with a late answer; other cards are ignored', () => {
    let s = initialComments(1);
    s = commentsReducer(s, { type: 'saved', comment: comment(10, 'hi') });
    s = commentsReducer(s, {
      type: 'event',
      event: {
        type: 'comment.deleted',
        payload: { task_id: 1, comment_id: 10, author_id: ME, comment_count: 0 },
      } as BoardEvent,
    });
    s = commentsReducer(s, { type: 'saved', comment: comment(10, 'hi', 2) });
    s = commentsReducer(s, { type: 'saved', comment: comment(11, 'elsewhere', 1, 2) });
    expect(s.comments).toEqual([]);
    expect(s.total).toBe(0);
  });

  it('older pages go before, in id order, and move the cursor', () => {
    let s = initialComments(1);
    s = commentsReducer(s, {
      type: 'page',
      page: { comments: [comment(30, 'c'), comment(20, 'b')], next_cursor: 'x', total: 3 },
      older: false,
    });
    expect(s.olderCursor).toBe('x');
    s = commentsReducer(s, {
      type: 'page',
      page: { comments: [comment(10, 'a')], next_cursor: null, total: 3 },
      older: true,
    });
    expect(s.comments.map((c) => c.body)).toEqual(['a', 'b', 'c']);
    expect(s.olderCursor).toBeNull();
  });

  it('finds the mention being typed and offers members', () => {
    expect(mentionQuery('hi @an', 6)).toEqual({ start: 3, query: 'an' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    const members = [member(1), member(12), member(21)].map((m, i) => ({
      ...m,
      username: ['bob', 'annabel', 'joanna'][i]!,
    }));
    expect(mentionCandidates(members, 'an').map((m) => m.username)).toEqual(['annabel', 'joanna']);
  });
});

function item(id: number, listId: number, position: string, extra: Partial<ChecklistItem> = {}) {
  return {
    id,
    checklist_id: listId,
    task_id: 1,
    title: `item ${id}`,
    done: false,
    position,
    done_by: null,
    done_at: null,
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  } satisfies ChecklistItem;
}

function list(id: number, position: string, items: ChecklistItem[]): ChecklistWithItems {
  return {
    id,
    task_id: 1,
    title: `list ${id}`,
    position,
    created_at: at,
    updated_at: at,
    version: 1,
    items,
  };
}

describe('checklists reducer', () => {
  const loaded = () =>
    checklistsReducer(initialChecklists(1), {
      type: 'loaded',
      lists: [list(1, 'a0', [item(1, 1, 'a0'), item(2, 1, 'a1')]), list(2, 'a1', [])],
    });

  it('a tick shows at once, the answer replaces it, the event at the same version is a no-op', () => {
    let s = checklistsReducer(loaded(), { type: 'optimistic', itemId: 2, patch: { done: true } });
    expect(s.lists[0]?.items[1]?.done).toBe(true);
    expect(isPending(s.lists[0]!.items[1]!)).toBe(true);
    const answer = item(2, 1, 'a1', { done: true, version: 2 });
    s = checklistsReducer(s, { type: 'item', item: answer });
    expect(isPending(s.lists[0]!.items[1]!)).toBe(false);
    const again = checklistsReducer(s, {
      type: 'event',
      event: {
        type: 'checklist_item.updated',
        payload: {
          task_id: 1,
          item: answer,
          changed: ['done'],
          changes: {},
          progress: { done: 1, total: 2 },
        },
      } as BoardEvent,
    });
    expect(again).toBe(s);
    expect(progressOf(s.lists)).toEqual({ done: 1, total: 2 });
  });

  it('a refused tick is undone by the reload', () => {
    let s = checklistsReducer(loaded(), { type: 'optimistic', itemId: 2, patch: { done: true } });
    s = checklistsReducer(s, {
      type: 'loaded',
      lists: [list(1, 'a0', [item(1, 1, 'a0'), item(2, 1, 'a1')]), list(2, 'a1', [])],
    });
    expect(s.lists[0]?.items[1]?.done).toBe(false);
  });

  it('reorders by position and moves items between lists; deletions stay deleted', () => {
    let s = loaded();
    s = checklistsReducer(s, { type: 'item', item: item(2, 1, 'Zz', { version: 2 }) });
    s = checklistsReducer(s, { type: 'item', item: item(1, 1, 'a2', { version: 2 }) });
    expect(s.lists[0]?.items.map((i) => i.id)).toEqual([2, 1]);
    s = checklistsReducer(s, { type: 'item', item: item(1, 2, 'a0', { version: 3 }) });
    expect(s.lists.map((l) => l.items.map((i) => i.id))).toEqual([[2], [1]]);
    s = checklistsReducer(s, { type: 'itemRemoved', id: 1 });
    s = checklistsReducer(s, { type: 'item', item: item(1, 2, 'a0', { version: 4 }) });
    expect(s.lists[1]?.items).toEqual([]);
    s = checklistsReducer(s, { type: 'listRemoved', id: 2 });
    s = checklistsReducer(s, { type: 'list', list: list(2, 'a1', []) });
    expect(s.lists.map((l) => l.id)).toEqual([1]);
  });
});

describe('activity reducer', () => {
  const entry = (seq: number, taskId: number | null = 1) => ({
    seq,
    event_id: crypto.randomUUID(),
    type: 'task.updated',
    created_at: at,
    actor: { id: OTHER, username: 'bob' },
    task_id: taskId,
    text: `entry ${seq}`,
    changes: [],
  });
  const lookups = { username: (id: number) => (id === OTHER ? 'bob' : undefined) };

  it('puts live events on top once, and only the card’s own in its history', () => {
    const page: ActivityPage = { entries: [entry(6), entry(5)], next_before_seq: 5 };
    let s = activityReducer(initialActivity(1), { type: 'page', page });
    const factory = new EventFactory(6);
    const mine = factory.next({
      type: 'task.updated',
      payload: { task: { ...task(1, 100, 'a0'), title: 'New' }, changed: ['title'] },
    });
    s = activityReducer(s, { type: 'event', event: mine, lookups });
    s = activityReducer(s, { type: 'event', event: mine, lookups });
    const other = factory.next({
      type: 'task.updated',
      payload: { task: task(2, 100, 'a1'), changed: ['title'] },
    });
    s = activityReducer(s, { type: 'event', event: other, lookups });
    expect(s.entries.map((e) => e.seq)).toEqual([7, 6, 5]);
    expect(s.entries[0]?.text).toMatch(/^bob /);
    s = activityReducer(s, {
      type: 'page',
      page: { entries: [entry(4)], next_before_seq: null },
    });
    expect(s.entries.map((e) => e.seq)).toEqual([7, 6, 5, 4]);
    expect(s.nextBeforeSeq).toBeNull();
  });
});

describe('the board filter: labels, due dates, fields', () => {
  const now = Date.now();
  const field: CustomField = {
    id: 9,
    board_id: BOARD_ID,
    name: 'Priority',
    type: 'single_select',
    options: [
      { id: '1', name: 'High', color: null },
      { id: '2', name: 'Low', color: null },
    ],
    created_at: at,
    updated_at: at,
    version: 1,
  };
  const t = task(1, 100, 'a0', {
    labels: ['needs review'],
    due_at: new Date(now - 3_600_000).toISOString(),
    custom_fields: { '9': '1' },
  });
  const soon = task(2, 100, 'a1', { due_at: new Date(now + 3_600_000).toISOString() });
  const match = (q: string, x: Task) => matchesFilter(parseFilter(q, [field])!, x, {});

  it('matches quoted labels, due status and field values', () => {
    expect(match('label:"needs review"', t)).toBe(true);
    expect(match('due:overdue', t)).toBe(true);
    expect(match('due:overdue', soon)).toBe(false);
    expect(match('due:soon', soon)).toBe(true);
    expect(match('has:due', task(3, 100, 'a2'))).toBe(false);
    expect(match('field:priority=high', t)).toBe(true);
    expect(match('field:priority=low', t)).toBe(false);
    expect(match('field:priority=high', soon)).toBe(false);
  });
});

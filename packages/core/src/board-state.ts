import { keepValidValues } from './custom-fields.js';
import { compareRanks } from './ranks.js';
import type { Board, BoardDetail } from './schemas/board.js';
import type { Column } from './schemas/column.js';
import type { CustomField } from './schemas/custom-field.js';
import type { BoardEvent } from './schemas/event.js';
import type { Label } from './schemas/label.js';
import type { Member } from './schemas/member.js';
import type { ChecklistProgress, Task } from './schemas/task.js';

/**
 * A board as a client holds it, and the pure function that applies one event
 * to it. The web app and the tests share this, so "what an event means" is
 * written once. It holds what the board payload holds: columns and cards on
 * the board (not archived, not in the trash), labels and custom fields.
 */
export interface BoardState {
  board: Board;
  columns: Readonly<Record<number, Column>>;
  tasks: Readonly<Record<number, Task>>;
  members: Readonly<Record<number, Member>>;
  labels: Readonly<Record<number, Label>>;
  customFields: Readonly<Record<number, CustomField>>;
  /** The last seq applied. */
  seq: number;
  deleted: boolean;
}

function byId<T>(items: readonly T[], id: (item: T) => number): Record<number, T> {
  const out: Record<number, T> = {};
  for (const item of items) out[id(item)] = item;
  return out;
}

export function boardStateFromDetail(detail: BoardDetail): BoardState {
  const { columns, tasks, members, labels, custom_fields, ...board } = detail;
  return {
    board,
    columns: byId(columns, (c) => c.id),
    tasks: byId(tasks, (t) => t.id),
    members: byId(members, (m) => m.user_id),
    labels: byId(labels, (l) => l.id),
    customFields: byId(custom_fields, (f) => f.id),
    seq: board.seq,
    deleted: false,
  };
}

function without<T>(record: Readonly<Record<number, T>>, id: number): Record<number, T> {
  const copy = { ...record };
  delete copy[id];
  return copy;
}

/** A card is on the board when it is not archived and its column is. */
function putTask(
  tasks: Readonly<Record<number, Task>>,
  columns: Readonly<Record<number, Column>>,
  task: Task,
): Record<number, Task> {
  if (task.archived_at === null && columns[task.column_id]) return { ...tasks, [task.id]: task };
  return task.id in tasks ? without(tasks, task.id) : { ...tasks };
}

/** Every card `change` touches (returns a new task to replace it, or the same one). */
function mapTasks(
  tasks: Readonly<Record<number, Task>>,
  change: (task: Task) => Task,
): Readonly<Record<number, Task>> {
  let out: Record<number, Task> | undefined;
  for (const task of Object.values(tasks)) {
    const next = change(task);
    if (next !== task) (out ??= { ...tasks })[task.id] = next;
  }
  return out ?? tasks;
}

function patchTask(
  tasks: Readonly<Record<number, Task>>,
  id: number,
  patch: Partial<Pick<Task, 'comment_count' | 'checklist' | 'attachment_count' | 'cover'>>,
): Readonly<Record<number, Task>> {
  const task = tasks[id];
  return task ? { ...tasks, [id]: { ...task, ...patch } } : tasks;
}

const withProgress = (tasks: Readonly<Record<number, Task>>, id: number, p: ChecklistProgress) =>
  patchTask(tasks, id, { checklist: p });

function labelNames(labels: Readonly<Record<number, Label>>, ids: readonly number[]): string[] {
  return ids.flatMap((id) => (labels[id] ? [labels[id].name] : []));
}

/**
 * Applies one event. The caller checks the seq first (see judgeSequence); this
 * function trusts it. `viewerId` lets a member.updated about the viewer change
 * the viewer's own role.
 */
export function applyBoardEvent(
  state: BoardState,
  event: BoardEvent,
  viewerId?: number,
): BoardState {
  const next = { ...state, seq: event.seq, board: { ...state.board, seq: event.seq } };
  switch (event.type) {
    case 'task.created':
    case 'task.updated':
    case 'task.moved':
    case 'task.unarchived':
    case 'task.restored':
    case 'task.archived':
      return { ...next, tasks: putTask(state.tasks, state.columns, event.payload.task) };
    case 'task.deleted':
    case 'task.moved_out':
      return { ...next, tasks: without(state.tasks, event.payload.task.id) };
    case 'task.purged':
      return { ...next, tasks: without(state.tasks, event.payload.task_id) };
    case 'column.created':
    case 'column.updated': {
      const column = event.payload.column;
      if (column.archived_at !== null) return next;
      // A rename changes the status of every card in the column.
      const tasks = mapTasks(state.tasks, (t) =>
        t.column_id === column.id && t.status !== column.title ? { ...t, status: column.title } : t,
      );
      return { ...next, columns: { ...state.columns, [column.id]: column }, tasks };
    }
    case 'column.archived': {
      const id = event.payload.column.id;
      const tasks = { ...state.tasks };
      for (const task of Object.values(state.tasks))
        if (task.column_id === id) delete tasks[task.id];
      return { ...next, columns: without(state.columns, id), tasks };
    }
    case 'column.unarchived': {
      const columns = { ...state.columns, [event.payload.column.id]: event.payload.column };
      let tasks: Readonly<Record<number, Task>> = state.tasks;
      for (const task of event.payload.tasks) tasks = putTask(tasks, columns, task);
      return { ...next, columns, tasks };
    }
    case 'column.deleted': {
      const columns = without(state.columns, event.payload.column.id);
      let tasks: Readonly<Record<number, Task>> = state.tasks;
      for (const task of event.payload.moved_tasks) tasks = putTask(tasks, columns, task);
      return { ...next, columns, tasks };
    }
    case 'board.created':
    case 'board.updated':
      return {
        ...next,
        board: { ...next.board, ...event.payload.board, role: state.board.role, seq: event.seq },
      };
    case 'board.deleted':
      return { ...next, deleted: true };
    case 'member.added':
    case 'member.updated': {
      const member = event.payload.member;
      const board = member.user_id === viewerId ? { ...next.board, role: member.role } : next.board;
      return { ...next, board, members: { ...state.members, [member.user_id]: member } };
    }
    case 'member.removed':
      return { ...next, members: without(state.members, event.payload.member.user_id) };
    case 'comment.created':
    case 'comment.deleted':
      return {
        ...next,
        tasks: patchTask(state.tasks, event.payload.task_id, {
          comment_count: event.payload.comment_count,
        }),
      };
    case 'attachment.created':
    case 'attachment.deleted':
      return {
        ...next,
        tasks: patchTask(state.tasks, event.payload.task_id, {
          attachment_count: event.payload.attachment_count,
          cover: event.payload.cover,
        }),
      };
    case 'comment.updated':
    case 'checklist.updated':
      return next;
    case 'checklist.created':
    case 'checklist.deleted':
    case 'checklist_item.created':
    case 'checklist_item.updated':
    case 'checklist_item.deleted':
      return {
        ...next,
        tasks: withProgress(state.tasks, event.payload.task_id, event.payload.progress),
      };
    case 'label.created':
    case 'label.updated': {
      const label = event.payload.label;
      const labels = { ...state.labels, [label.id]: label };
      const tasks = mapTasks(state.tasks, (t) =>
        t.label_ids.includes(label.id) ? { ...t, labels: labelNames(labels, t.label_ids) } : t,
      );
      return { ...next, labels, tasks };
    }
    case 'label.deleted': {
      const id = event.payload.label.id;
      const labels = without(state.labels, id);
      const tasks = mapTasks(state.tasks, (t) => {
        if (!t.label_ids.includes(id)) return t;
        const label_ids = t.label_ids.filter((l) => l !== id);
        return { ...t, label_ids, labels: labelNames(labels, label_ids) };
      });
      return { ...next, labels, tasks };
    }
    case 'custom_field.created':
    case 'custom_field.updated':
    case 'custom_field.deleted': {
      const field = event.payload.field;
      const gone = event.type === 'custom_field.deleted';
      const customFields = gone
        ? without(state.customFields, field.id)
        : { ...state.customFields, [field.id]: field };
      const tasks = mapTasks(state.tasks, (t) => {
        const values = keepValidValues(t.custom_fields, field.id, gone ? undefined : field);
        return values === t.custom_fields ? t : { ...t, custom_fields: values };
      });
      return { ...next, customFields, tasks };
    }
  }
}

export function sortedColumns(state: Pick<BoardState, 'columns'>): Column[] {
  return Object.values(state.columns).sort((a, b) => compareRanks(a.position, b.position));
}

/** Tasks grouped by column, each group in position order. */
export function tasksByColumn(state: Pick<BoardState, 'tasks'>): Map<number, Task[]> {
  const groups = new Map<number, Task[]>();
  for (const task of Object.values(state.tasks)) {
    const group = groups.get(task.column_id);
    if (group) group.push(task);
    else groups.set(task.column_id, [task]);
  }
  for (const group of groups.values()) group.sort((a, b) => compareRanks(a.position, b.position));
  return groups;
}

/** The board back in wire form, e.g. to compare a client's state with the server's. */
export function boardStateToDetail(state: BoardState): BoardDetail {
  return {
    ...state.board,
    columns: sortedColumns(state),
    tasks: Object.values(state.tasks).sort((a, b) => a.id - b.id),
    members: Object.values(state.members).sort((a, b) => a.user_id - b.user_id),
    labels: Object.values(state.labels).sort((a, b) => a.id - b.id),
    custom_fields: Object.values(state.customFields).sort((a, b) => a.id - b.id),
  };
}

import type { Board, Column, Task, UpdateTaskInput } from '@switchboard/core';
import { type BoardDraft, positionAmong } from './draft';

/**
 * Pending operations: what the user did that the server has not confirmed
 * yet. The view is the confirmed state with these applied in order. An op
 * lives until the confirmed state (driven by the event stream) shows its
 * effect; until then an acknowledged op shows the server's answer.
 */
export type TaskPatch = Pick<
  UpdateTaskInput,
  'title' | 'description' | 'completed' | 'assignee_ids' | 'labels' | 'due_at'
>;
export interface ColumnPatch {
  title?: string;
  wip_limit?: number | null;
}
export interface BoardPatch {
  title?: string;
  archived?: boolean;
}

export type OpState =
  /** Held back (a delete inside its undo window). */
  | 'waiting'
  | 'queued'
  | 'sending'
  /** The server accepted it; waiting for the event to reach the confirmed state. */
  | 'acked';

interface OpCommon {
  /** Local, increasing. */
  opId: number;
  state: OpState;
  attempts: number;
  /** Local clock (ms) when the server acknowledged it. */
  ackedAt?: number;
}

export interface NewTaskFields {
  title: string;
  description?: string;
  labels?: string[];
  assignee_ids?: number[];
  due_at?: string | null;
  completed?: boolean;
}

export type OpBody =
  | {
      kind: 'task.create';
      tempId: number;
      columnId: number;
      afterId: number | null;
      beforeId: number | null;
      fields: NewTaskFields;
      createdBy: number;
      result?: Task;
    }
  | { kind: 'task.update'; taskId: number; patch: TaskPatch; baseVersion?: number; result?: Task }
  | {
      kind: 'task.move';
      taskId: number;
      columnId: number;
      afterId: number | null;
      beforeId: number | null;
      result?: Task;
    }
  | { kind: 'task.delete'; taskId: number; snapshot: Task }
  | {
      kind: 'column.create';
      tempId: number;
      title: string;
      wipLimit: number | null;
      result?: Column;
    }
  | {
      kind: 'column.update';
      columnId: number;
      patch: ColumnPatch;
      baseVersion?: number;
      result?: Column;
    }
  | {
      kind: 'column.move';
      columnId: number;
      afterId: number | null;
      beforeId: number | null;
      result?: Column;
    }
  | { kind: 'column.delete'; columnId: number; moveTo?: number }
  | { kind: 'board.update'; patch: BoardPatch; baseVersion?: number; result?: Board };

export type Op = OpCommon & OpBody;

/** The entity an op writes, for per-entity version bookkeeping. */
export function entityOf(op: OpBody): string {
  switch (op.kind) {
    case 'task.create':
      return `task:${op.result?.id ?? op.tempId}`;
    case 'task.update':
    case 'task.move':
    case 'task.delete':
      return `task:${op.taskId}`;
    case 'column.create':
      return `column:${op.result?.id ?? op.tempId}`;
    case 'column.update':
    case 'column.move':
    case 'column.delete':
      return `column:${op.columnId}`;
    case 'board.update':
      return 'board';
  }
}

const now = () => new Date().toISOString();

function putIfNewer<T extends { id: number; version: number }>(
  current: T | undefined,
  result: T,
  put: (value: T) => void,
): void {
  if (!current || current.version < result.version) put(result);
}

/** Shows one op's effect on the draft. */
export function applyOp(draft: BoardDraft, op: OpBody): void {
  switch (op.kind) {
    case 'task.create': {
      if (op.result) {
        putIfNewer(draft.tasks[op.result.id], op.result, (t) => draft.putTask(t));
        return;
      }
      if (!draft.columns[op.columnId]) return;
      draft.putTask({
        id: op.tempId,
        board_id: draft.board.id,
        column_id: op.columnId,
        status: draft.columns[op.columnId]!.title,
        title: op.fields.title,
        description: op.fields.description ?? '',
        completed: op.fields.completed ?? false,
        position: draft.taskPositionBetween(op.columnId, op.afterId, op.beforeId),
        assignee_ids: op.fields.assignee_ids ?? [],
        label_ids: [],
        labels: op.fields.labels ?? [],
        due_at: op.fields.due_at ?? null,
        due: null,
        start_date: null,
        custom_fields: {},
        comment_count: 0,
        checklist: { done: 0, total: 0 },
        archived_at: null,
        created_by: op.createdBy,
        created_at: now(),
        updated_at: now(),
        version: 0,
      });
      return;
    }
    case 'task.update': {
      const task = draft.tasks[op.taskId];
      if (!task) return;
      if (op.result) putIfNewer(task, op.result, (t) => draft.putTask(t));
      else draft.putTask({ ...task, ...definedOnly(op.patch) });
      return;
    }
    case 'task.move': {
      const task = draft.tasks[op.taskId];
      if (!task) return;
      if (op.result) {
        putIfNewer(task, op.result, (t) => draft.putTask(t));
        return;
      }
      if (!draft.columns[op.columnId]) return;
      const position = draft.taskPositionBetween(op.columnId, op.afterId, op.beforeId, task.id);
      draft.putTask({ ...task, column_id: op.columnId, position });
      return;
    }
    case 'task.delete':
      draft.removeTask(op.taskId);
      return;
    case 'column.create': {
      if (op.result) {
        putIfNewer(draft.columns[op.result.id], op.result, (c) => draft.putColumn(c));
        return;
      }
      draft.putColumn({
        id: op.tempId,
        board_id: draft.board.id,
        title: op.title,
        position: positionAmong(draft.sortedColumnList(), null, null),
        wip_limit: op.wipLimit,
        archived_at: null,
        created_at: now(),
        updated_at: now(),
        version: 0,
      });
      return;
    }
    case 'column.update': {
      const column = draft.columns[op.columnId];
      if (!column) return;
      if (op.result) putIfNewer(column, op.result, (c) => draft.putColumn(c));
      else draft.putColumn({ ...column, ...definedOnly(op.patch) });
      return;
    }
    case 'column.move': {
      const column = draft.columns[op.columnId];
      if (!column) return;
      if (op.result) {
        putIfNewer(column, op.result, (c) => draft.putColumn(c));
        return;
      }
      const siblings = draft.sortedColumnList().filter((c) => c.id !== op.columnId);
      draft.putColumn({ ...column, position: positionAmong(siblings, op.afterId, op.beforeId) });
      return;
    }
    case 'column.delete': {
      if (!draft.columns[op.columnId]) return;
      if (op.moveTo !== undefined && draft.columns[op.moveTo]) {
        for (const task of [...draft.group(op.columnId)]) {
          const position = draft.taskPositionBetween(op.moveTo, null, null);
          draft.putTask({ ...task, column_id: op.moveTo, position });
        }
      }
      draft.removeColumn(op.columnId);
      return;
    }
    case 'board.update': {
      if (op.result) {
        if (draft.board.version < op.result.version) {
          draft.board = { ...op.result, role: draft.board.role, seq: draft.board.seq };
        }
      } else {
        draft.board = { ...draft.board, ...definedOnly(op.patch) };
      }
      return;
    }
  }
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

export interface Confirmed {
  board: Board;
  tasks: Readonly<Record<number, Task>>;
  columns: Readonly<Record<number, Column>>;
}

export interface Tombstones {
  tasks: ReadonlySet<number>;
  columns: ReadonlySet<number>;
}

/** Does the confirmed state already show this acknowledged op's effect? */
export function isSettled(op: Op, confirmed: Confirmed, gone: Tombstones): boolean {
  if (op.state !== 'acked') return false;
  switch (op.kind) {
    case 'task.create':
      return !op.result || op.result.id in confirmed.tasks || gone.tasks.has(op.result.id);
    case 'task.update':
    case 'task.move': {
      const task = confirmed.tasks[op.taskId];
      return !op.result || !task || task.version >= op.result.version;
    }
    case 'task.delete':
      return gone.tasks.has(op.taskId) || !(op.taskId in confirmed.tasks);
    case 'column.create':
      return !op.result || op.result.id in confirmed.columns || gone.columns.has(op.result.id);
    case 'column.update':
    case 'column.move': {
      const column = confirmed.columns[op.columnId];
      return !op.result || !column || column.version >= op.result.version;
    }
    case 'column.delete':
      return gone.columns.has(op.columnId) || !(op.columnId in confirmed.columns);
    case 'board.update':
      return !op.result || confirmed.board.version >= op.result.version;
  }
}

/** After a create is acknowledged, later ops name the real id instead of the temporary one. */
export function renameTempId(op: Op, kind: 'task' | 'column', tempId: number, id: number): Op {
  const swap = (value: number | null | undefined) => (value === tempId ? id : value);
  if (kind === 'task') {
    switch (op.kind) {
      case 'task.update':
      case 'task.delete':
        return op.taskId === tempId ? { ...op, taskId: id } : op;
      case 'task.move':
      case 'task.create':
        return {
          ...op,
          ...(op.kind === 'task.move' ? { taskId: swap(op.taskId) as number } : {}),
          afterId: swap(op.afterId) ?? null,
          beforeId: swap(op.beforeId) ?? null,
        };
      default:
        return op;
    }
  }
  switch (op.kind) {
    case 'column.update':
    case 'column.delete':
      return {
        ...op,
        columnId: swap(op.columnId) as number,
        ...(op.kind === 'column.delete' && op.moveTo !== undefined
          ? { moveTo: swap(op.moveTo) as number }
          : {}),
      };
    case 'column.move':
      return {
        ...op,
        columnId: swap(op.columnId) as number,
        afterId: swap(op.afterId) ?? null,
        beforeId: swap(op.beforeId) ?? null,
      };
    case 'task.create':
    case 'task.move':
      return { ...op, columnId: swap(op.columnId) as number };
    default:
      return op;
  }
}

/** Does the op depend on a temporary id that is not yet real? */
export function dependsOnTemp(op: OpBody): boolean {
  const ids: (number | null | undefined)[] = [];
  switch (op.kind) {
    case 'task.create':
      ids.push(op.columnId, op.afterId, op.beforeId);
      break;
    case 'task.update':
    case 'task.delete':
      ids.push(op.taskId);
      break;
    case 'task.move':
      ids.push(op.taskId, op.columnId, op.afterId, op.beforeId);
      break;
    case 'column.update':
      ids.push(op.columnId);
      break;
    case 'column.move':
      ids.push(op.columnId, op.afterId, op.beforeId);
      break;
    case 'column.delete':
      ids.push(op.columnId, op.moveTo);
      break;
    default:
      break;
  }
  return ids.some((id) => id != null && id < 0);
}

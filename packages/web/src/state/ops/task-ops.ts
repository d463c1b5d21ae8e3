import { dueInstant, setTaskListItem, type Task, type UpdateTaskInput } from '@switchboard/core';
import type { BoardDraft } from '../draft';
import {
  createSettled,
  definedOnly,
  deleteSettled,
  nowIso,
  placement,
  putIfNewer,
  versionOf,
  versionSettled,
} from './op-helpers';
import { columnRef, type OpKindSpec, taskNeighbour, taskRef } from './op-spec';

export type TaskPatch = Pick<
  UpdateTaskInput,
  | 'title'
  | 'description'
  | 'completed'
  | 'assignee_ids'
  | 'labels'
  | 'label_ids'
  | 'due_at'
  | 'due'
  | 'start_date'
  | 'custom_fields'
>;

/** The task as it shows before the server answers: derived fields follow the patch. */
export function patchedTask(draft: BoardDraft, task: Task, patch: TaskPatch): Task {
  const next: Task = { ...task, ...(definedOnly(patch) as Partial<Task>) };
  if (patch.label_ids) {
    next.labels = patch.label_ids.flatMap((id) => {
      const label = draft.labels[id];
      return label ? [label.name] : [];
    });
  }
  if (patch.due !== undefined) {
    next.due = patch.due
      ? {
          date: patch.due.date,
          time: patch.due.time ?? null,
          time_zone: patch.due.time_zone ?? null,
        }
      : null;
    try {
      next.due_at = patch.due
        ? dueInstant({
            date: patch.due.date,
            time: patch.due.time ?? null,
            time_zone: patch.due.time_zone ?? null,
          })
        : null;
    } catch {
      // The server will say what is wrong with it.
    }
  }
  if (patch.custom_fields) {
    const values = { ...task.custom_fields };
    for (const [key, value] of Object.entries(patch.custom_fields)) {
      if (value === null || value === false || value === '') delete values[key];
      else values[key] = value;
    }
    next.custom_fields = values;
  }
  return next;
}

export interface NewTaskFields {
  title: string;
  description?: string;
  labels?: string[];
  assignee_ids?: number[];
  due_at?: string | null;
  completed?: boolean;
}

export interface TaskCreateOp {
  kind: 'task.create';
  tempId: number;
  columnId: number;
  afterId: number | null;
  beforeId: number | null;
  fields: NewTaskFields;
  createdBy: number;
  result?: Task;
}

export interface TaskUpdateOp {
  kind: 'task.update';
  taskId: number;
  patch: TaskPatch;
  baseVersion?: number;
  result?: Task;
}

export interface TaskMoveOp {
  kind: 'task.move';
  taskId: number;
  columnId: number;
  afterId: number | null;
  beforeId: number | null;
  result?: Task;
}

export interface TaskDeleteOp {
  kind: 'task.delete';
  taskId: number;
  /** The task as it was, for messages. */
  snapshot: Task;
}

export const taskCreate: OpKindSpec<TaskCreateOp> = {
  label: 'add the task',
  refs: { columnId: columnRef, afterId: taskNeighbour, beforeId: taskNeighbour },
  target: (op) => ({ of: 'task', id: op.result?.id ?? op.tempId }),
  apply(draft, op) {
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
      attachment_count: 0,
      cover: null,
      archived_at: null,
      created_by: op.createdBy,
      created_at: nowIso(),
      updated_at: nowIso(),
      version: 0,
    });
  },
  send: (t, boardId, op) =>
    t.createTask({
      board_id: boardId,
      column_id: op.columnId,
      ...placement(op.afterId, op.beforeId),
      ...op.fields,
    }),
  settled: (op, confirmed, gone) => createSettled('tasks', op.result, confirmed, gone),
  creates: { of: 'task', tempId: (op) => op.tempId },
  pendingTask: (op) => op.tempId,
};

export const taskUpdate: OpKindSpec<TaskUpdateOp> = {
  label: 'save the task',
  refs: { taskId: taskRef },
  target: (op) => ({ of: 'task', id: op.taskId }),
  apply(draft, op) {
    const task = draft.tasks[op.taskId];
    if (!task) return;
    if (op.result) putIfNewer(task, op.result, (t) => draft.putTask(t));
    else draft.putTask(patchedTask(draft, task, op.patch));
  },
  send: (t, _boardId, op, base) => t.updateTask(op.taskId, op.patch, base),
  settled: (op, confirmed) => versionSettled('tasks', op.taskId, op.result, confirmed),
  baseVersion: (op) => op.baseVersion,
  bumpsVersion: true,
  pendingTask: (op) => op.taskId,
  conflict: (op, current) => ({
    mine: op.patch,
    theirs: current as Task,
    keepMine: {
      kind: 'task.update',
      taskId: op.taskId,
      patch: op.patch,
      baseVersion: versionOf(current),
    },
  }),
};

export const taskMove: OpKindSpec<TaskMoveOp> = {
  label: 'move the task',
  refs: { taskId: taskRef, columnId: columnRef, afterId: taskNeighbour, beforeId: taskNeighbour },
  target: (op) => ({ of: 'task', id: op.taskId }),
  apply(draft, op) {
    const task = draft.tasks[op.taskId];
    if (!task) return;
    if (op.result) {
      putIfNewer(task, op.result, (t) => draft.putTask(t));
      return;
    }
    if (!draft.columns[op.columnId]) return;
    const position = draft.taskPositionBetween(op.columnId, op.afterId, op.beforeId, task.id);
    draft.putTask({ ...task, column_id: op.columnId, position });
  },
  // A move carries no version: last writer wins, there is nothing to merge.
  send: (t, _boardId, op) =>
    t.updateTask(op.taskId, { column_id: op.columnId, ...placement(op.afterId, op.beforeId) }),
  settled: (op, confirmed) => versionSettled('tasks', op.taskId, op.result, confirmed),
  bumpsVersion: true,
  pendingTask: (op) => op.taskId,
};

export const taskDelete: OpKindSpec<TaskDeleteOp> = {
  label: 'delete the task',
  refs: { taskId: taskRef },
  target: (op) => ({ of: 'task', id: op.taskId }),
  apply: (draft, op) => draft.removeTask(op.taskId),
  async send(t, _boardId, op) {
    await t.deleteTask(op.taskId, false);
    return undefined;
  },
  settled: (op, confirmed, gone) => deleteSettled('tasks', op.taskId, confirmed, gone),
  deletes: true,
  sendOnUnload: (t, op) => t.deleteTask(op.taskId, true),
};

export interface TaskArchiveOp {
  kind: 'task.archive';
  taskId: number;
  /** The task as it was, for messages. */
  snapshot: Task;
}

/** Archiving takes the card off the board at once; task.archived settles it. */
export const taskArchive: OpKindSpec<TaskArchiveOp> = {
  label: 'archive the task',
  refs: { taskId: taskRef },
  target: (op) => ({ of: 'task', id: op.taskId }),
  apply: (draft, op) => draft.removeTask(op.taskId),
  async send(t, _boardId, op) {
    await t.updateTask(op.taskId, { archived: true });
    return undefined;
  },
  settled: (op, confirmed, gone) => deleteSettled('tasks', op.taskId, confirmed, gone),
  deletes: true,
};

export interface TaskTickItemOp {
  kind: 'task.tickItem';
  taskId: number;
  /** The n-th task-list box of the description, from 0 in document order. */
  index: number;
  checked: boolean;
  baseVersion?: number;
  result?: Task;
}

/** Ticks a `- [ ]` box of the description (the server edits the text under the board lock). */
export const taskTickItem: OpKindSpec<TaskTickItemOp> = {
  label: 'tick the item',
  refs: { taskId: taskRef },
  target: (op) => ({ of: 'task', id: op.taskId }),
  apply(draft, op) {
    const task = draft.tasks[op.taskId];
    if (!task) return;
    if (op.result) {
      putIfNewer(task, op.result, (t) => draft.putTask(t));
      return;
    }
    const description = setTaskListItem(task.description, op.index, op.checked);
    if (description !== task.description) draft.putTask({ ...task, description });
  },
  send: (t, _boardId, op, base) => t.tickTaskItem(op.taskId, op.index, op.checked, base),
  settled: (op, confirmed) => versionSettled('tasks', op.taskId, op.result, confirmed),
  baseVersion: (op) => op.baseVersion,
  bumpsVersion: true,
  pendingTask: (op) => op.taskId,
  conflict: (op, current) => ({
    mine: { description: `${op.checked ? 'tick' : 'untick'} item ${op.index + 1}` },
    theirs: current as Task,
    keepMine: { ...op, result: undefined, baseVersion: versionOf(current) },
  }),
};

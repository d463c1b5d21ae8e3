import type { Task, UpdateTaskInput } from '@switchboard/core';
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
  'title' | 'description' | 'completed' | 'assignee_ids' | 'labels' | 'due_at'
>;

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
    else draft.putTask({ ...task, ...definedOnly(op.patch) });
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

import {
  type CreateTaskInput,
  diffTask,
  hasPlacement,
  rankBetween,
  sbError,
  setTaskListItem,
  type Task,
  type TickTaskItemInput,
  type UpdateTaskInput,
} from '@switchboard/core';
import { type CompiledQuery, type Insertable, sql, type Updateable } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { checkCover } from './attachment-cover.js';
import { accessBoard } from './board-access.js';
import {
  type Rows,
  type Tx,
  type WriteContext,
  writeBoard,
  writeBoardOf,
  type WriteResult,
} from './board-write.js';
import type { Db } from './db.js';
import { toTask, type TaskWithExtras } from './mappers.js';
import { placeAmongSiblings, placementFrom, placementQuery } from './placement.js';
import type { TasksTable } from './schema.js';
import { checkTargetColumn, targetColumn, targetColumnQuery } from './target-column.js';
import { dueColumns, resolveFieldValues, resolveLabelIds } from './task-inputs.js';
import { findTask, taskExtras } from './task-select.js';

/** Throws 409 with the current state when the client's version is stale. */
export function checkVersion<T extends { version: number }>(
  expected: number | undefined,
  current: T,
  wire: (row: T) => unknown,
): void {
  if (expected !== undefined && expected !== current.version) {
    throw sbError('SB_ERR_VERSION_CONFLICT', undefined, {
      expected_version: expected,
      current: wire(current),
    });
  }
}

async function checkAssignees(tx: Tx, boardId: number, actor: Actor, ids: readonly number[]) {
  if (ids.length === 0) return;
  const found = actor.sharedAccess
    ? await tx.selectFrom('users').select('id as user_id').where('id', 'in', ids).execute()
    : await tx
        .selectFrom('board_members')
        .select('user_id')
        .where('board_id', '=', boardId)
        .where('user_id', 'in', ids)
        .execute();
  const known = new Set(found.map((r) => r.user_id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw sbError('SB_ERR_NOT_A_MEMBER', undefined, { assignee_ids: missing });
}

/** What insertTask takes: a create without the board (the write has it). */
export type NewTask = Omit<CreateTaskInput, 'board_id' | 'created_by'> & { created_by: number };

/**
 * Inserts a task inside a board write — column by id or status, placement,
 * labels, fields, dates — and returns it; the caller emits the event.
 */
export async function insertTask(
  ctx: WriteContext,
  boardId: number,
  input: NewTask,
  /** The rows of targetColumnQuery for this input, when sent with the board lock. */
  prefetchedColumn?: readonly unknown[],
): Promise<Task> {
  const { tx, actor } = ctx;
  const choice = { columnId: input.column_id, status: input.status };
  const column = prefetchedColumn
    ? await checkTargetColumn(prefetchedColumn, tx, boardId, choice)
    : await targetColumn(tx, boardId, choice);
  await checkAssignees(tx, boardId, actor, input.assignee_ids ?? []);
  const labelIds = await resolveLabelIds(ctx, boardId, input);
  const fields = await resolveFieldValues(ctx, boardId, {}, input.custom_fields);
  const position = hasPlacement(input)
    ? await placeAmongSiblings(
        tx,
        { table: 'tasks', parentColumn: 'column_id', parentId: column.id },
        input,
      )
    : rankBetween(column.last_position, null);
  const row = await insertTaskQuery(tx, {
    board_id: boardId,
    column_id: column.id,
    title: input.title,
    description: input.description ?? '',
    completed: input.completed ?? false,
    position,
    assignee_ids: input.assignee_ids ?? [],
    label_ids: labelIds ?? [],
    ...(dueColumns(input) ?? {}),
    start_date: input.start_date ?? null,
    custom_fields: JSON.stringify(fields ?? {}),
    created_by: input.created_by,
  }).executeTakeFirstOrThrow();
  return toTask(row);
}

/** The INSERT of a new task, returning its wire columns (write-statements.ts shows it to the bench). */
export function insertTaskQuery(db: Db | Tx, values: Insertable<TasksTable>) {
  return db.insertInto('tasks').values(values).returningAll().returning(taskExtras);
}

export async function createTask(
  db: Db,
  actor: Actor,
  input: CreateTaskInput,
): Promise<WriteResult<Task>> {
  if (!actor.sharedAccess && input.created_by !== undefined && input.created_by !== actor.id) {
    throw sbError('SB_ERR_VALIDATION', 'created_by must be your own user id.', {
      issues: [{ path: 'body.created_by', message: 'must be your own user id' }],
    });
  }
  const { board_id: boardId, ...rest } = input;
  const choice = { columnId: input.column_id, status: input.status };
  return writeBoard(
    db,
    boardId,
    actor,
    'task.write',
    async (ctx) => {
      const task = await insertTask(
        ctx,
        boardId,
        { ...rest, created_by: input.created_by ?? actor.id },
        ctx.prefetched[0],
      );
      ctx.emit({ type: 'task.created', payload: { task } });
      return task;
    },
    // The target column (and the last key in it) comes back with the board lock.
    { prefetch: (tx) => [targetColumnQuery(tx, boardId, choice).compile()] },
  );
}

/** The board of a task on the board or archived (one in the trash is not found). */
export async function boardOfTask(db: Db, taskId: number): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select('board_id')
    .where('id', '=', taskId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  return row.board_id;
}

export type LockedTask = TaskWithExtras & { column_archived: boolean };

/** The task under the board lock, with whether its column is archived. */
export async function lockedTask(tx: Tx, taskId: number): Promise<LockedTask> {
  const row = await lockedTaskQuery(tx, taskId).executeTakeFirst();
  if (!row) throw taskNotFound(taskId);
  return row;
}

function lockedTaskQuery(tx: Tx, taskId: number) {
  return tx
    .selectFrom('tasks')
    .selectAll('tasks')
    .select(taskExtras)
    .select(
      sql<boolean>`(SELECT c.archived_at IS NOT NULL FROM columns c WHERE c.id = tasks.column_id)`.as(
        'column_archived',
      ),
    )
    .where('tasks.id', '=', taskId)
    .where('tasks.deleted_at', 'is', null);
}

const taskNotFound = (taskId: number) =>
  sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });

/** The task moved to another board between finding its board and locking it. */
class MovedAway extends Error {}

/**
 * A write to a task (not in the trash) on its board: the statement that finds
 * the task's board locks it, and the task is read under that lock in the same
 * round trip as BEGIN (boardOfTask, the lock and lockedTask were three trips).
 * A card moved to another board in between is noticed (its board_id is not
 * the locked board's) and the write starts again.
 */
export async function writeTask<T>(
  db: Db,
  taskId: number,
  actor: Actor,
  fn: (ctx: WriteContext, current: LockedTask, prefetched: readonly Rows[]) => Promise<T>,
  /** More reads to send with the lock and the task; their rows are fn's `prefetched`. */
  prefetch?: (tx: Tx) => readonly CompiledQuery[],
): Promise<WriteResult<T>> {
  const boardOf = sql<number>`(SELECT t.board_id FROM tasks t WHERE t.id = ${taskId} AND t.deleted_at IS NULL)`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeBoardOf(
        db,
        boardOf,
        actor,
        'task.write',
        (ctx) => fn(ctx, ctx.prefetched[0]![0] as unknown as LockedTask, ctx.prefetched.slice(1)),
        {
          prefetch: (tx) => [lockedTaskQuery(tx, taskId).compile(), ...(prefetch?.(tx) ?? [])],
          resolve: (board, [task]) => {
            const current = task?.[0] as LockedTask | undefined;
            if (!current) throw taskNotFound(taskId);
            if (board && board.id !== current.board_id) throw new MovedAway();
            return current.board_id;
          },
        },
      );
    } catch (err) {
      if (err instanceof MovedAway && attempt < 5) continue;
      throw err;
    }
  }
}

/** Archived cards (or cards of an archived column) are read-only until restored. */
export function ensureOnBoard(task: LockedTask): void {
  if (task.archived_at !== null || task.column_archived) {
    throw sbError('SB_ERR_ARCHIVED', undefined, {
      task_id: task.id,
      ...(task.column_archived ? { column_id: task.column_id } : {}),
    });
  }
}

const sameArray = <T>(a: readonly T[], b: readonly T[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

async function archiveTask(ctx: WriteContext, current: LockedTask, archived: boolean) {
  const before = toTask(current);
  if ((current.archived_at !== null) === archived) return before;
  if (!archived && !current.column_archived) {
    // Back on the board: the column's WIP limit applies as to any arriving card.
    await targetColumn(ctx.tx, current.board_id, { columnId: current.column_id });
  }
  const row = await ctx.tx
    .updateTable('tasks')
    .set({
      archived_at: archived ? sql`now()` : null,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', current.id)
    .returningAll()
    .returning(taskExtras)
    .executeTakeFirstOrThrow();
  const task = toTask(row);
  ctx.emit({ type: archived ? 'task.archived' : 'task.unarchived', payload: { task } });
  return task;
}

/**
 * Applies a partial update to a task already read under the board lock:
 * works out which columns change, writes them, and emits task.moved (when
 * the column or position changed) or task.updated, with every changed field
 * before and after. A write that changes nothing changes nothing (no version).
 */
export async function applyTaskUpdate(
  ctx: WriteContext,
  current: LockedTask,
  input: UpdateTaskInput,
  prefetched: MovePrefetch = {},
): Promise<Task> {
  if (input.archived !== undefined) return archiveTask(ctx, current, input.archived);
  ensureOnBoard(current);
  const { tx, actor } = ctx;
  const boardId = current.board_id;
  const before = toTask(current);
  const changes: Updateable<TasksTable> = {};
  const set = <K extends keyof Updateable<TasksTable>>(
    key: K,
    value: Updateable<TasksTable>[K],
    differs: boolean,
  ) => {
    if (differs) changes[key] = value;
  };
  if (input.title !== undefined) set('title', input.title, input.title !== current.title);
  if (input.description !== undefined)
    set('description', input.description, input.description !== current.description);
  if (input.completed !== undefined)
    set('completed', input.completed, input.completed !== current.completed);
  if (input.assignee_ids !== undefined) {
    const differs = !sameArray(input.assignee_ids, before.assignee_ids);
    if (differs) await checkAssignees(tx, boardId, actor, input.assignee_ids);
    set('assignee_ids', input.assignee_ids, differs);
  }
  const labelIds = await resolveLabelIds(ctx, boardId, input);
  if (labelIds !== undefined) set('label_ids', labelIds, !sameArray(labelIds, before.label_ids));
  const due = dueColumns(input);
  if (due !== undefined) {
    const differs =
      due.due_at !== before.due_at ||
      due.due_date !== current.due_date ||
      due.due_time !== current.due_time ||
      due.due_tz !== current.due_tz;
    if (differs) Object.assign(changes, due);
  }
  if (input.start_date !== undefined)
    set('start_date', input.start_date, input.start_date !== current.start_date);
  const fields = await resolveFieldValues(ctx, boardId, current.custom_fields, input.custom_fields);
  if (fields !== undefined) {
    set(
      'custom_fields',
      JSON.stringify(fields),
      JSON.stringify(fields) !== JSON.stringify(current.custom_fields),
    );
  }
  if (input.cover_attachment_id !== undefined) {
    const cover = input.cover_attachment_id;
    if (cover !== null) await checkCover(tx, current.id, cover);
    set('cover_attachment_id', cover, cover !== current.cover_attachment_id);
    // Removed by hand: a new image does not become the cover by itself; chosen: it may again.
    set('cover_removed', cover === null, (cover === null) !== current.cover_removed);
  }
  let columnId = current.column_id;
  if (input.column_id !== undefined || input.status !== undefined) {
    const named =
      input.column_id === current.column_id ||
      (input.status !== undefined && input.status.toLowerCase() === current.status.toLowerCase());
    if (!named) {
      const choice = { columnId: input.column_id, status: input.status };
      const column = prefetched.column
        ? await checkTargetColumn(prefetched.column, tx, boardId, choice)
        : await targetColumn(tx, boardId, choice);
      columnId = column.id;
      set('column_id', columnId, columnId !== current.column_id);
    }
  }
  if (columnId !== current.column_id || hasPlacement(input)) {
    const scope = {
      table: 'tasks',
      parentColumn: 'column_id',
      parentId: columnId,
      movingId: current.id,
    } as const;
    // Read with the lock when it was for this column (input.column_id, or the task's own).
    const position =
      prefetched.placement && (input.column_id ?? current.column_id) === columnId
        ? placementFrom(prefetched.placement, scope, input)
        : await placeAmongSiblings(tx, scope, input);
    set('position', position, position !== current.position);
  }
  if (Object.keys(changes).length === 0) return before;
  const row = await tx
    .updateTable('tasks')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', current.id)
    .returningAll()
    .returning(taskExtras)
    .executeTakeFirstOrThrow();
  const task = toTask(row);
  const diff = diffTask(before, task);
  if (diff.changed.includes('column_id') || diff.changed.includes('position')) {
    ctx.emit({
      type: 'task.moved',
      payload: { task, from_column_id: current.column_id, from_status: current.status, ...diff },
    });
  } else {
    ctx.emit({ type: 'task.updated', payload: { task, ...diff } });
  }
  return task;
}

/** Reads of a move sent with the board lock (movePrefetch), used by applyTaskUpdate. */
export interface MovePrefetch {
  column?: Rows | undefined;
  placement?: Rows | undefined;
}

/**
 * The reads a task update will need for its column and key, as statements to
 * send with the board lock: the target column when one is named, and the
 * neighbours' keys in the column named by id (or the task's own when none).
 */
function movePrefetch(tx: Tx, taskId: number, input: UpdateTaskInput) {
  const column =
    input.column_id !== undefined || input.status !== undefined
      ? targetColumnQuery(
          tx,
          sql<number>`(SELECT t.board_id FROM tasks t WHERE t.id = ${taskId})`,
          { columnId: input.column_id, status: input.status },
        ).compile()
      : undefined;
  const placement =
    input.archived === undefined &&
    (input.column_id !== undefined || (input.status === undefined && hasPlacement(input)))
      ? placementQuery(
          tx,
          {
            table: 'tasks',
            parentColumn: 'column_id',
            parentId:
              input.column_id ??
              sql<number>`(SELECT t.column_id FROM tasks t WHERE t.id = ${taskId})`,
            movingId: taskId,
          },
          input,
        )
      : undefined;
  const queries = [column, placement].filter((q) => q !== undefined);
  const use = (rows: readonly Rows[]): MovePrefetch => {
    let i = 0;
    return {
      column: column ? rows[i++] : undefined,
      placement: placement ? rows[i++] : undefined,
    };
  };
  return { queries, use };
}

export async function updateTask(
  db: Db,
  actor: Actor,
  taskId: number,
  input: UpdateTaskInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Task>> {
  let use: ((rows: readonly Rows[]) => MovePrefetch) | undefined;
  return writeTask(
    db,
    taskId,
    actor,
    async (ctx, current, prefetched) => {
      checkVersion(ifMatch ?? input.version, current, toTask);
      return applyTaskUpdate(ctx, current, input, use?.(prefetched));
    },
    (tx) => {
      const reads = movePrefetch(tx, taskId, input);
      use = reads.use;
      return reads.queries;
    },
  );
}

/** Ticks or unticks the n-th Markdown task-list item of the description. */
export async function tickDescriptionItem(
  db: Db,
  actor: Actor,
  taskId: number,
  index: number,
  input: TickTaskItemInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Task>> {
  return writeTask(db, taskId, actor, async (ctx, current) => {
    checkVersion(ifMatch ?? input.version, current, toTask);
    const description = setTaskListItem(current.description, index, input.checked);
    return applyTaskUpdate(ctx, current, { description });
  });
}

/** Puts a board label on a task, or takes it off; a no-op when already so. */
export async function setTaskLabel(
  db: Db,
  actor: Actor,
  taskId: number,
  labelId: number,
  on: boolean,
): Promise<WriteResult<Task>> {
  return writeTask(db, taskId, actor, async (ctx, current) => {
    const boardId = current.board_id;
    const ids = current.label_ids.map(Number);
    if (on && !ids.includes(labelId)) ids.push(labelId);
    if (!on && !ids.includes(labelId)) {
      // Taking off a label that is not there: still say so if it is no label of the board.
      await resolveLabelIds(ctx, boardId, { label_ids: [labelId] });
    }
    return applyTaskUpdate(ctx, current, { label_ids: ids.filter((id) => on || id !== labelId) });
  });
}

export async function getTask(db: Db, actor: Actor, taskId: number): Promise<Task> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  const row = await findTask(db, taskId);
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  return toTask(row);
}

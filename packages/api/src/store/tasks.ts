import {
  type CreateTaskInput,
  hasPlacement,
  limits,
  rankBetween,
  type ListTasksQuery,
  sbError,
  type Task,
  type TaskPage,
  type UpdateTaskInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toTask, type TaskRow } from './mappers.js';
import { placeAmongSiblings } from './placement.js';

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

interface TargetColumn {
  id: number;
  wip_limit: number | null;
  /** Tasks in the column, counted only when it has a WIP limit. */
  task_count: number | null;
  /** Position of its last task: where "no neighbours named" puts a task. */
  last_position: string | null;
}

/**
 * The column a task goes to (the board's first when none is named), with what
 * the WIP check and an append need, in one round trip under the board lock.
 */
async function targetColumn(
  tx: Tx,
  boardId: number,
  columnId: number | undefined,
): Promise<TargetColumn> {
  const { rows } = await sql<TargetColumn>`
    SELECT c.id, c.wip_limit,
      CASE WHEN c.wip_limit IS NULL THEN NULL
        ELSE (SELECT count(*)::int FROM tasks t WHERE t.column_id = c.id) END AS task_count,
      (SELECT t.position FROM tasks t WHERE t.column_id = c.id ORDER BY t.position DESC LIMIT 1) AS last_position
    FROM columns c
    WHERE c.board_id = ${boardId} ${columnId === undefined ? sql`` : sql`AND c.id = ${columnId}`}
    ORDER BY c.position LIMIT 1`.execute(tx);
  const column = rows[0];
  if (!column) {
    throw columnId === undefined
      ? sbError('SB_ERR_UNKNOWN_COLUMN', 'The board has no columns; add one first.')
      : sbError('SB_ERR_UNKNOWN_COLUMN', undefined, { column_id: columnId });
  }
  if (column.wip_limit !== null && (column.task_count ?? 0) >= column.wip_limit) {
    throw sbError('SB_ERR_WIP_LIMIT_REACHED', undefined, {
      column_id: column.id,
      wip_limit: column.wip_limit,
    });
  }
  return column;
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
  return writeBoard(db, input.board_id, actor, 'task.write', async ({ tx, emit }) => {
    const column = await targetColumn(tx, input.board_id, input.column_id);
    await checkAssignees(tx, input.board_id, actor, input.assignee_ids ?? []);
    const position = hasPlacement(input)
      ? await placeAmongSiblings(
          tx,
          { table: 'tasks', parentColumn: 'column_id', parentId: column.id },
          input,
        )
      : rankBetween(column.last_position, null);
    const row = await tx
      .insertInto('tasks')
      .values({
        board_id: input.board_id,
        column_id: column.id,
        title: input.title,
        description: input.description ?? '',
        completed: input.completed ?? false,
        position,
        assignee_ids: input.assignee_ids ?? [],
        labels: input.labels ?? [],
        due_at: input.due_at ?? null,
        created_by: input.created_by ?? actor.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const task = toTask(row);
    emit({ type: 'task.created', payload: { task } });
    return task;
  });
}

async function boardOfTask(db: Db, taskId: number): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select('board_id')
    .where('id', '=', taskId)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  return row.board_id;
}

async function lockedTask(tx: Tx, taskId: number): Promise<TaskRow> {
  const row = await tx.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  return row;
}

const sameArray = <T>(a: readonly T[], b: readonly T[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

export async function updateTask(
  db: Db,
  actor: Actor,
  taskId: number,
  input: UpdateTaskInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Task>> {
  const boardId = await boardOfTask(db, taskId);
  return writeBoard(db, boardId, actor, 'task.write', async ({ tx, emit }) => {
    const current = await lockedTask(tx, taskId);
    checkVersion(ifMatch ?? input.version, current, toTask);
    const before = toTask(current);
    const changes: Partial<TaskRow> = {};
    const changed: string[] = [];
    const set = <K extends keyof TaskRow>(key: K, value: TaskRow[K], differs: boolean) => {
      if (differs) {
        changes[key] = value;
        changed.push(key);
      }
    };
    if (input.title !== undefined) set('title', input.title, input.title !== current.title);
    if (input.description !== undefined)
      set('description', input.description, input.description !== current.description);
    if (input.completed !== undefined)
      set('completed', input.completed, input.completed !== current.completed);
    if (input.labels !== undefined)
      set('labels', input.labels, !sameArray(input.labels, current.labels));
    if (input.assignee_ids !== undefined) {
      const differs = !sameArray(input.assignee_ids, before.assignee_ids);
      if (differs) await checkAssignees(tx, boardId, actor, input.assignee_ids);
      set('assignee_ids', input.assignee_ids, differs);
    }
    if (input.due_at !== undefined) {
      const next = input.due_at === null ? null : new Date(input.due_at).toISOString();
      set('due_at', next === null ? null : new Date(next), next !== before.due_at);
    }
    const columnId = input.column_id ?? current.column_id;
    const columnChanges = columnId !== current.column_id;
    if (columnChanges) {
      await targetColumn(tx, boardId, columnId);
      set('column_id', columnId, true);
    }
    if (columnChanges || hasPlacement(input)) {
      const position = await placeAmongSiblings(
        tx,
        { table: 'tasks', parentColumn: 'column_id', parentId: columnId, movingId: taskId },
        input,
      );
      set('position', position, position !== current.position);
    }
    if (changed.length === 0) return before;
    const row = await tx
      .updateTable('tasks')
      .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const task = toTask(row);
    if (changed.includes('column_id') || changed.includes('position')) {
      emit({ type: 'task.moved', payload: { task, from_column_id: current.column_id, changed } });
    } else {
      emit({ type: 'task.updated', payload: { task, changed } });
    }
    return task;
  });
}

export async function deleteTask(
  db: Db,
  actor: Actor,
  taskId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<Task>> {
  const boardId = await boardOfTask(db, taskId);
  return writeBoard(db, boardId, actor, 'task.write', async ({ tx, emit }) => {
    const current = await lockedTask(tx, taskId);
    checkVersion(ifMatch, current, toTask);
    await tx.deleteFrom('tasks').where('id', '=', taskId).execute();
    const task = toTask(current);
    emit({ type: 'task.deleted', payload: { task } });
    return task;
  });
}

export async function getTask(db: Db, actor: Actor, taskId: number): Promise<Task> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  const row = await db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  return toTask(row);
}

export async function listTasks(db: Db, actor: Actor, query: ListTasksQuery): Promise<TaskPage> {
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? limits.pageSizeDefault;
  if (query.board_id !== undefined) await accessBoard(db, query.board_id, actor, 'board.read');
  let base = db
    .selectFrom('tasks')
    .innerJoin('boards', 'boards.id', 'tasks.board_id')
    .innerJoin('columns', 'columns.id', 'tasks.column_id')
    .where('boards.deleted_at', 'is', null);
  if (query.board_id !== undefined) base = base.where('tasks.board_id', '=', query.board_id);
  else if (!actor.sharedAccess) {
    base = base.where('tasks.board_id', 'in', (eb) =>
      eb.selectFrom('board_members').select('board_id').where('user_id', '=', actor.id),
    );
  }
  if (query.column_id !== undefined) base = base.where('tasks.column_id', '=', query.column_id);
  if (query.completed !== undefined) base = base.where('tasks.completed', '=', query.completed);
  const [{ count }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
    base
      .selectAll('tasks')
      .orderBy('tasks.board_id')
      .orderBy('columns.position')
      .orderBy('tasks.position')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
  ]);
  return { tasks: rows.map(toTask), total_count: Number(count), page, page_size: pageSize };
}

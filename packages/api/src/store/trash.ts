import { sbError, type Task, type TrashEntry } from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import type { JobHandler } from '../jobs/job-runner.js';
import { enqueueJobQuery } from '../jobs/job-queue.js';
import { accessBoard } from './board-access.js';
import {
  type Tx,
  type WriteContext,
  writeBoard,
  writeBoardIn,
  type WriteResult,
} from './board-write.js';
import type { Db } from './db.js';
import { toTask } from './mappers.js';
import { targetColumn } from './target-column.js';
import { checkVersion, writeTask } from './tasks.js';
import { taskExtras } from './task-select.js';

/**
 * The trash: DELETE /api/tasks/:id moves a card here (with its comments and
 * checklists) for the retention time, after which a job deletes it for good.
 * Owners and editors restore; owners empty. To the task routes a card in the
 * trash does not exist.
 */
export const purgeJobKind = 'task.purge';

/**
 * Each stay in the trash gets a purge job of its own, which does nothing if
 * the card was restored (or purged) meanwhile. Writes under the board lock
 * never touch existing job rows: a runner holds its job's row while it waits
 * for the board lock, so the reverse order could deadlock.
 */
interface PurgePayload {
  task_id: number;
  board_id: number;
  /** Which stay in the trash this job is for (a card restored and deleted again gets a new one). */
  deleted_at: string;
}

export async function trashTask(
  db: Db,
  actor: Actor,
  taskId: number,
  ifMatch: number | undefined,
  retentionMs: number,
): Promise<WriteResult<Task>> {
  return writeTask(db, taskId, actor, async ({ tx, emit, defer }, current) => {
    const boardId = current.board_id;
    checkVersion(ifMatch, current, toTask);
    const row = await tx
      .updateTable('tasks')
      .set({
        deleted_at: sql`now()`,
        deleted_by: actor.id,
        purge_at: sql`now() + ${`${Math.round(retentionMs)} milliseconds`}::interval`,
      })
      .where('id', '=', taskId)
      .returning(['deleted_at', 'purge_at'])
      .executeTakeFirstOrThrow();
    const payload: PurgePayload = {
      task_id: taskId,
      board_id: boardId,
      deleted_at: row.deleted_at!.toISOString(),
    };
    // Its id is not needed: the job row goes out with the event append.
    defer(enqueueJobQuery({ kind: purgeJobKind, runAt: row.purge_at!, payload }).compile(tx));
    const task = toTask(current);
    emit({ type: 'task.deleted', payload: { task, purge_at: row.purge_at!.toISOString() } });
    return task;
  });
}

function trashQuery(db: Db | Tx, boardId: number) {
  return db
    .selectFrom('tasks')
    .selectAll('tasks')
    .select(taskExtras)
    .where('tasks.board_id', '=', boardId)
    .where('tasks.deleted_at', 'is not', null);
}

export async function listTrash(db: Db, actor: Actor, boardId: number): Promise<TrashEntry[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await trashQuery(db, boardId)
    .orderBy('tasks.deleted_at', 'desc')
    .orderBy('tasks.id', 'desc')
    .execute();
  return rows.map((row) => ({
    task: toTask(row),
    deleted_at: row.deleted_at!.toISOString(),
    deleted_by: row.deleted_by!,
    purge_at: row.purge_at!.toISOString(),
  }));
}

async function trashedTask(tx: Tx, boardId: number, taskId: number) {
  const row = await trashQuery(tx, boardId).where('tasks.id', '=', taskId).executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'No such card in the trash.', { task_id: taskId });
  return row;
}

/** Back on the board (or in its archive, if it was archived), as it was. */
export async function restoreTask(
  db: Db,
  actor: Actor,
  boardId: number,
  taskId: number,
): Promise<WriteResult<Task>> {
  return writeBoard(db, boardId, actor, 'trash.restore', async ({ tx, emit }) => {
    const current = await trashedTask(tx, boardId, taskId);
    const column = await tx
      .selectFrom('columns')
      .select('archived_at')
      .where('id', '=', current.column_id)
      .executeTakeFirstOrThrow();
    if (current.archived_at === null && column.archived_at === null) {
      await targetColumn(tx, boardId, { columnId: current.column_id });
    }
    // People who left the board meanwhile cannot stay assigned.
    const members = actor.sharedAccess
      ? null
      : await tx
          .selectFrom('board_members')
          .select('user_id')
          .where('board_id', '=', boardId)
          .execute();
    const assignees = members
      ? current.assignee_ids.filter((id) => members.some((m) => m.user_id === id))
      : current.assignee_ids;
    const row = await tx
      .updateTable('tasks')
      .set({
        deleted_at: null,
        deleted_by: null,
        purge_at: null,
        assignee_ids: assignees,
        version: sql`version + 1`,
        updated_at: sql`now()`,
      })
      .where('id', '=', taskId)
      .returningAll()
      .returning(taskExtras)
      .executeTakeFirstOrThrow();
    const task = toTask(row);
    emit({ type: 'task.restored', payload: { task } });
    return task;
  });
}

async function purge(ctx: WriteContext, taskIds: number[], expired: boolean) {
  if (taskIds.length === 0) return 0;
  const rows = await ctx.tx
    .deleteFrom('tasks')
    .where('id', 'in', taskIds)
    .where('deleted_at', 'is not', null)
    .returning(['id', 'title'])
    .execute();
  for (const row of rows.sort((a, b) => a.id - b.id)) {
    ctx.emit({ type: 'task.purged', payload: { task_id: row.id, title: row.title, expired } });
  }
  return rows.length;
}

/** Deletes one card in the trash for good (comments and checklists go with it). */
export async function purgeTask(
  db: Db,
  actor: Actor,
  boardId: number,
  taskId: number,
): Promise<WriteResult<number>> {
  return writeBoard(db, boardId, actor, 'trash.empty', async (ctx) => {
    await trashedTask(ctx.tx, boardId, taskId);
    return purge(ctx, [taskId], false);
  });
}

/** Empties the board's trash for good. */
export async function emptyTrash(
  db: Db,
  actor: Actor,
  boardId: number,
): Promise<WriteResult<number>> {
  return writeBoard(db, boardId, actor, 'trash.empty', async (ctx) => {
    const rows = await ctx.tx
      .selectFrom('tasks')
      .select('id')
      .where('board_id', '=', boardId)
      .where('deleted_at', 'is not', null)
      .execute();
    return purge(
      ctx,
      rows.map((r) => r.id),
      false,
    );
  });
}

/**
 * The purge job: deletes the card if it is still in the same stay in the
 * trash, through the board's write unit (so watchers see task.purged), in the
 * job's transaction. The event is attributed to whoever deleted the card.
 */
export const purgeExpiredTask: JobHandler = async ({ tx, job, committed }) => {
  const payload = job.payload as PurgePayload;
  const task = await tx
    .selectFrom('tasks')
    .select(['deleted_at', 'deleted_by', 'board_id'])
    .where('id', '=', payload.task_id)
    .executeTakeFirst();
  if (!task?.deleted_at || task.deleted_at.toISOString() !== payload.deleted_at) return;
  const board = await tx
    .selectFrom('boards')
    .select('deleted_at')
    .where('id', '=', task.board_id)
    .executeTakeFirst();
  if (!board || board.deleted_at !== null) return;
  const system: Actor = { id: task.deleted_by!, username: 'trash', sharedAccess: true };
  const { events } = await writeBoardIn(
    tx,
    task.board_id,
    system,
    'trash.empty',
    (ctx) => purge(ctx, [payload.task_id], true),
    { allowArchived: true },
  );
  committed(events);
};

import {
  type Column,
  type CreateColumnInput,
  hasPlacement,
  sbError,
  type Task,
  type UpdateColumnInput,
} from '@switchboard/core';
import { generateNKeysBetween } from 'fractional-indexing';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, type WriteContext, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { type ColumnRow, toColumn, toTask, type TaskWithExtras } from './mappers.js';
import { placeAmongSiblings } from './placement.js';
import { taskExtras, taskExtrasSql } from './task-select.js';
import { checkVersion } from './tasks.js';

/** The board's columns in order (archived ones are listed under /archived). */
export async function listColumns(db: Db, actor: Actor, boardId: number): Promise<Column[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await db
    .selectFrom('columns')
    .selectAll()
    .where('board_id', '=', boardId)
    .where('archived_at', 'is', null)
    .orderBy('position')
    .execute();
  return rows.map(toColumn);
}

async function lockedColumn(tx: Tx, boardId: number, columnId: number) {
  const row = await tx
    .selectFrom('columns')
    .selectAll()
    .where('id', '=', columnId)
    .where('board_id', '=', boardId)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Column not found.', { column_id: columnId });
  return row;
}

export async function createColumn(
  db: Db,
  actor: Actor,
  boardId: number,
  input: CreateColumnInput,
): Promise<WriteResult<Column>> {
  return writeBoard(db, boardId, actor, 'column.write', async ({ tx, emit }) => {
    const position = await placeAmongSiblings(
      tx,
      { table: 'columns', parentColumn: 'board_id', parentId: boardId },
      input,
    );
    const row = await tx
      .insertInto('columns')
      .values({
        board_id: boardId,
        title: input.title,
        position,
        wip_limit: input.wip_limit ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const column = toColumn(row);
    emit({ type: 'column.created', payload: { column } });
    return column;
  });
}

/** Archives a column (it and its cards leave the board) or brings it back with them. */
async function archiveColumn(ctx: WriteContext, current: ColumnRow, archived: boolean) {
  if ((current.archived_at !== null) === archived) return toColumn(current);
  const row = await ctx.tx
    .updateTable('columns')
    .set({
      archived_at: archived ? sql`now()` : null,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const column = toColumn(row);
  if (archived) {
    ctx.emit({ type: 'column.archived', payload: { column } });
  } else {
    const tasks = await ctx.tx
      .selectFrom('tasks')
      .selectAll('tasks')
      .select(taskExtras)
      .where('tasks.column_id', '=', current.id)
      .where('tasks.archived_at', 'is', null)
      .where('tasks.deleted_at', 'is', null)
      .orderBy('tasks.position')
      .execute();
    ctx.emit({ type: 'column.unarchived', payload: { column, tasks: tasks.map(toTask) } });
  }
  return column;
}

export async function updateColumn(
  db: Db,
  actor: Actor,
  boardId: number,
  columnId: number,
  input: UpdateColumnInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Column>> {
  return writeBoard(db, boardId, actor, 'column.write', async (ctx) => {
    const { tx, emit } = ctx;
    const current = await lockedColumn(tx, boardId, columnId);
    checkVersion(ifMatch ?? input.version, current, toColumn);
    if (input.archived !== undefined) return archiveColumn(ctx, current, input.archived);
    if (current.archived_at !== null) {
      throw sbError('SB_ERR_ARCHIVED', 'The column is archived; restore it first.', {
        column_id: columnId,
      });
    }
    const set: { title?: string; wip_limit?: number | null; position?: string } = {};
    const changed: string[] = [];
    if (input.title !== undefined && input.title !== current.title) {
      set.title = input.title;
      changed.push('title');
    }
    if (input.wip_limit !== undefined && input.wip_limit !== current.wip_limit) {
      set.wip_limit = input.wip_limit;
      changed.push('wip_limit');
    }
    if (hasPlacement(input)) {
      const position = await placeAmongSiblings(
        tx,
        { table: 'columns', parentColumn: 'board_id', parentId: boardId, movingId: columnId },
        input,
      );
      if (position !== current.position) {
        set.position = position;
        changed.push('position');
      }
    }
    if (changed.length === 0) return toColumn(current);
    const row = await tx
      .updateTable('columns')
      .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', columnId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const column = toColumn(row);
    const before = toColumn(current);
    const changes = Object.fromEntries(
      changed.map((f) => [f, { from: before[f as keyof Column], to: column[f as keyof Column] }]),
    );
    emit({ type: 'column.updated', payload: { column, changed, changes } });
    return column;
  });
}

/**
 * Deletes a column. Its cards on the board go to `moveTo` (required when
 * there are any); its archived and trashed cards follow them, or go to the
 * board's first other column, so they can still be restored.
 */
export async function deleteColumn(
  db: Db,
  actor: Actor,
  boardId: number,
  columnId: number,
  moveTo: number | undefined,
  ifMatch: number | undefined,
): Promise<WriteResult<{ column: Column; moved_tasks: Task[] }>> {
  return writeBoard(db, boardId, actor, 'column.write', async ({ tx, emit }) => {
    const current = await lockedColumn(tx, boardId, columnId);
    checkVersion(ifMatch, current, toColumn);
    const all = await tx
      .selectFrom('tasks')
      .select(['id', 'archived_at', 'deleted_at'])
      .where('column_id', '=', columnId)
      .orderBy('position')
      .execute();
    const live = all.filter((t) => t.archived_at === null && t.deleted_at === null);
    const hidden = all.filter((t) => t.archived_at !== null || t.deleted_at !== null);
    if (live.length > 0 && moveTo === undefined) {
      throw sbError('SB_ERR_COLUMN_NOT_EMPTY', undefined, {
        column_id: columnId,
        tasks: live.length,
      });
    }
    let destination: number | undefined;
    if (moveTo !== undefined && all.length > 0) {
      if (moveTo === columnId) {
        throw sbError('SB_ERR_UNKNOWN_COLUMN', 'move_to must name another column.', {
          move_to: moveTo,
        });
      }
      const target = await tx
        .selectFrom('columns')
        .selectAll()
        .where('id', '=', moveTo)
        .where('board_id', '=', boardId)
        .where('archived_at', 'is', null)
        .executeTakeFirst();
      if (!target) throw sbError('SB_ERR_UNKNOWN_COLUMN', undefined, { move_to: moveTo });
      if (target.wip_limit !== null && live.length > 0) {
        const { count } = await tx
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('column_id', '=', moveTo)
          .where('archived_at', 'is', null)
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow();
        if (Number(count) + live.length > target.wip_limit) {
          throw sbError('SB_ERR_WIP_LIMIT_REACHED', undefined, {
            column_id: moveTo,
            wip_limit: target.wip_limit,
          });
        }
      }
      destination = moveTo;
    } else if (hidden.length > 0) {
      const other = await tx
        .selectFrom('columns')
        .select('id')
        .where('board_id', '=', boardId)
        .where('id', '!=', columnId)
        .orderBy(sql`archived_at IS NOT NULL`)
        .orderBy('position')
        .limit(1)
        .executeTakeFirst();
      if (!other) {
        throw sbError(
          'SB_ERR_COLUMN_NOT_EMPTY',
          'The column holds archived or trashed cards and the board has no other column for them.',
          { column_id: columnId, hidden_tasks: hidden.length },
        );
      }
      destination = other.id;
    }
    let movedTasks: Task[] = [];
    if (destination !== undefined) {
      const last = await tx
        .selectFrom('tasks')
        .select(['position'])
        .where('column_id', '=', destination)
        .orderBy('position', 'desc')
        .limit(1)
        .executeTakeFirst();
      // Keep their order, after the target's last task: one statement for all of them.
      const ids = [...live, ...hidden].map((t) => t.id);
      const keys = generateNKeysBetween(last?.position ?? null, null, ids.length);
      const { rows } = await sql<TaskWithExtras>`
        UPDATE tasks
        SET column_id = ${destination}, position = moved.position, version = version + 1, updated_at = now()
        FROM unnest(${ids}::bigint[], ${keys}::text[]) AS moved (id, position)
        WHERE tasks.id = moved.id
        RETURNING tasks.*, ${taskExtrasSql}`.execute(tx);
      const liveIds = new Set(live.map((t) => t.id));
      movedTasks = rows
        .filter((r) => liveIds.has(r.id))
        .sort((a, b) => (a.position < b.position ? -1 : 1))
        .map(toTask);
    }
    await tx.deleteFrom('columns').where('id', '=', columnId).execute();
    const column = toColumn(current);
    emit({ type: 'column.deleted', payload: { column, moved_tasks: movedTasks } });
    return { column, moved_tasks: movedTasks };
  });
}

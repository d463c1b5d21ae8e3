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
import { type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toColumn, toTask, type TaskRow } from './mappers.js';
import { placeAmongSiblings } from './placement.js';
import { checkVersion } from './tasks.js';

export async function listColumns(db: Db, actor: Actor, boardId: number): Promise<Column[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await db
    .selectFrom('columns')
    .selectAll()
    .where('board_id', '=', boardId)
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

export async function updateColumn(
  db: Db,
  actor: Actor,
  boardId: number,
  columnId: number,
  input: UpdateColumnInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Column>> {
  return writeBoard(db, boardId, actor, 'column.write', async ({ tx, emit }) => {
    const current = await lockedColumn(tx, boardId, columnId);
    checkVersion(ifMatch ?? input.version, current, toColumn);
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
    emit({ type: 'column.updated', payload: { column, changed } });
    return column;
  });
}

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
    const tasks = await tx
      .selectFrom('tasks')
      .select(['id'])
      .where('column_id', '=', columnId)
      .orderBy('position')
      .execute();
    let movedTasks: Task[] = [];
    if (tasks.length > 0) {
      if (moveTo === undefined) {
        throw sbError('SB_ERR_COLUMN_NOT_EMPTY', undefined, {
          column_id: columnId,
          tasks: tasks.length,
        });
      }
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
        .executeTakeFirst();
      if (!target) throw sbError('SB_ERR_UNKNOWN_COLUMN', undefined, { move_to: moveTo });
      const last = await tx
        .selectFrom('tasks')
        .select(['position'])
        .where('column_id', '=', moveTo)
        .orderBy('position', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (target.wip_limit !== null) {
        const { count } = await tx
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('column_id', '=', moveTo)
          .executeTakeFirstOrThrow();
        if (Number(count) + tasks.length > target.wip_limit) {
          throw sbError('SB_ERR_WIP_LIMIT_REACHED', undefined, {
            column_id: moveTo,
            wip_limit: target.wip_limit,
          });
        }
      }
      // Keep their order, after the target's last task: one statement for all of them.
      const keys = generateNKeysBetween(last?.position ?? null, null, tasks.length);
      const { rows } = await sql<TaskRow>`
        UPDATE tasks
        SET column_id = ${moveTo}, position = moved.position, version = version + 1, updated_at = now()
        FROM unnest(${tasks.map((t) => t.id)}::bigint[], ${keys}::text[]) AS moved (id, position)
        WHERE tasks.id = moved.id
        RETURNING tasks.*`.execute(tx);
      rows.sort((a, b) => (a.position < b.position ? -1 : 1));
      movedTasks = rows.map(toTask);
    }
    await tx.deleteFrom('columns').where('id', '=', columnId).execute();
    const column = toColumn(current);
    emit({ type: 'column.deleted', payload: { column, moved_tasks: movedTasks } });
    return { column, moved_tasks: movedTasks };
  });
}

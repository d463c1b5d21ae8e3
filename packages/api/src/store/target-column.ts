import { sbError, wipLimitReached } from '@switchboard/core';
import { type RawBuilder, sql } from 'kysely';
import type { Tx } from './board-write.js';

export interface TargetColumn {
  id: number;
  title: string;
  wip_limit: number | null;
  /** Cards on the board in the column, counted only when it has a WIP limit. */
  task_count: number | null;
  /**
   * Position of its last task, archived and trashed ones included: they keep
   * their keys, so a new key must not land on one of them.
   */
  last_position: string | null;
}

/** Which column a write names: by id, by status (its name, any case), or none (the first). */
export interface ColumnChoice {
  columnId?: number | undefined;
  status?: string | undefined;
}

/**
 * The column a task goes to, with what the WIP check and an append need, in
 * one round trip under the board lock. Archived columns take no cards.
 */
export async function targetColumn(
  tx: Tx,
  boardId: number,
  choice: ColumnChoice,
  options: { checkWip?: boolean } = {},
): Promise<TargetColumn> {
  const { rows } = await targetColumnQuery(tx, boardId, choice).execute();
  return checkTargetColumn(rows, tx, boardId, choice, options);
}

/** targetColumn's read, to send along with other statements (WriteOptions.prefetch). */
export function targetColumnQuery(
  tx: Tx,
  /** The board, or an expression for it (the board of a task not read yet). */
  boardId: number | RawBuilder<number>,
  choice: ColumnChoice,
) {
  const { columnId, status } = choice;
  const where =
    columnId !== undefined
      ? sql`AND c.id = ${columnId}`
      : status !== undefined
        ? sql`AND lower(c.title) = lower(${status})`
        : sql``;
  const query = sql<TargetColumn>`
    SELECT c.id, c.title, c.wip_limit,
      CASE WHEN c.wip_limit IS NULL THEN NULL
        ELSE (SELECT count(*)::int FROM tasks t WHERE t.column_id = c.id
          AND t.archived_at IS NULL AND t.deleted_at IS NULL) END AS task_count,
      (SELECT t.position FROM tasks t WHERE t.column_id = c.id ORDER BY t.position DESC LIMIT 1) AS last_position
    FROM columns c
    WHERE c.board_id = ${boardId} AND c.archived_at IS NULL ${where}
    ORDER BY c.position LIMIT 1`;
  return { compile: () => query.compile(tx), execute: () => query.execute(tx) };
}

/** targetColumn's checks on the rows of its read. */
export async function checkTargetColumn(
  rows: readonly unknown[],
  tx: Tx,
  boardId: number,
  choice: ColumnChoice,
  options: { checkWip?: boolean } = {},
): Promise<TargetColumn> {
  const column = rows[0] as TargetColumn | undefined;
  if (!column) throw await missingColumn(tx, boardId, choice);
  if (options.checkWip !== false && wipLimitReached(column.task_count ?? 0, column.wip_limit)) {
    throw sbError('SB_ERR_WIP_LIMIT_REACHED', undefined, {
      column_id: column.id,
      wip_limit: column.wip_limit,
    });
  }
  return column;
}

async function missingColumn(tx: Tx, boardId: number, choice: ColumnChoice) {
  if (choice.columnId !== undefined) {
    return sbError('SB_ERR_UNKNOWN_COLUMN', undefined, { column_id: choice.columnId });
  }
  if (choice.status === undefined) {
    return sbError('SB_ERR_UNKNOWN_COLUMN', 'The board has no columns; add one first.');
  }
  const names = await tx
    .selectFrom('columns')
    .select('title')
    .where('board_id', '=', boardId)
    .where('archived_at', 'is', null)
    .orderBy('position')
    .execute();
  return sbError(
    'SB_ERR_UNKNOWN_STATUS',
    `No column is called "${choice.status}"; the board has: ${names.map((n) => n.title).join(', ') || 'no columns'}.`,
    { status: choice.status, statuses: names.map((n) => n.title) },
  );
}

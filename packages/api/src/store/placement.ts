import { type Placement, rankBetween, sbError } from '@switchboard/core';
import { type CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { Tx } from './board-write.js';

/**
 * Where an item goes among its siblings (tasks of a column, columns of a
 * board, checklists of a task, items of a checklist). Runs under the board
 * lock, so the neighbours read here are the ones the new key is placed
 * between: keys stay unique and ordered however many clients move at once.
 * Archived and trashed siblings keep their keys and count as neighbours for
 * the key (a new key must not land on theirs), but cannot be named.
 */
/** The parent's id, or an expression for it (the column of a task not read yet). */
type ParentId = number | RawBuilder<number>;

export type Scope =
  | { table: 'tasks'; parentColumn: 'column_id'; parentId: ParentId; movingId?: number }
  | { table: 'columns'; parentColumn: 'board_id'; parentId: ParentId; movingId?: number }
  | { table: 'checklists'; parentColumn: 'task_id'; parentId: ParentId; movingId?: number }
  | {
      table: 'checklist_items';
      parentColumn: 'checklist_id';
      parentId: ParentId;
      movingId?: number;
    };

const nouns: Record<Scope['table'], string> = {
  tasks: 'column',
  columns: 'board',
  checklists: 'card',
  checklist_items: 'checklist',
};

/** Only siblings on view may be named as neighbours. */
function visible(scope: Scope) {
  switch (scope.table) {
    case 'tasks':
      return sql`AND archived_at IS NULL AND deleted_at IS NULL`;
    case 'columns':
      return sql`AND archived_at IS NULL`;
    default:
      return sql``;
  }
}

function checkNotMoving(scope: Scope, id: number, field: string): void {
  if (id === scope.movingId) {
    throw sbError('SB_ERR_BAD_NEIGHBOUR', `${field} names the item being moved.`, { [field]: id });
  }
}

function notInTarget(scope: Scope, id: number, field: string) {
  return sbError(
    'SB_ERR_BAD_NEIGHBOUR',
    `${field} ${id} is not in the target ${nouns[scope.table]}.`,
    { [field]: id },
  );
}

/** The key of a named sibling (null when it cannot be named), as a scalar subquery. */
function positionOf(scope: Scope, id: number) {
  return sql`(SELECT position FROM ${sql.table(scope.table)}
    WHERE id = ${id} AND ${sql.ref(scope.parentColumn)} = ${scope.parentId} ${visible(scope)})`;
}

/** The key next to `of` (an SQL expression; none: the last key) on one side, as a scalar subquery. */
function neighbour(scope: Scope, of: RawBuilder<unknown> | null, side: 'next' | 'previous') {
  const bound =
    of === null ? sql`` : side === 'next' ? sql`AND position > ${of}` : sql`AND position < ${of}`;
  const moving = scope.movingId === undefined ? sql`` : sql`AND id <> ${scope.movingId}`;
  return sql`(SELECT position FROM ${sql.table(scope.table)}
    WHERE ${sql.ref(scope.parentColumn)} = ${scope.parentId} ${bound} ${moving}
    ORDER BY position ${side === 'next' ? sql`ASC` : sql`DESC`} LIMIT 1)`;
}

/**
 * The new key, from one statement that reads the named neighbours and the
 * keys beside them (one round trip whatever is named).
 */
export async function placeAmongSiblings(
  tx: Tx,
  scope: Scope,
  placement: Placement,
): Promise<string> {
  checkNamed(scope, placement);
  const { rows } = await placementRead(scope, placement).execute(tx);
  return placementFrom(rows, scope, placement);
}

/** placeAmongSiblings's read, to send along with others (WriteOptions.prefetch). */
export function placementQuery(tx: Tx, scope: Scope, placement: Placement): CompiledQuery {
  return placementRead(scope, placement).compile(tx);
}

function checkNamed(scope: Scope, placement: Placement): void {
  const afterId = placement.after_id ?? null;
  if (afterId !== null) checkNotMoving(scope, afterId, 'after_id');
  else if (placement.before_id != null) checkNotMoving(scope, placement.before_id, 'before_id');
}

interface Keys {
  lo: string | null;
  hi: string | null;
  named?: string | null;
}

function placementRead(scope: Scope, placement: Placement) {
  const afterId = placement.after_id ?? null;
  const beforeId = placement.before_id ?? null;
  if (afterId !== null) {
    // The neighbour the client saw may have moved; sit right after after_id.
    return sql<Keys>`
      SELECT l.lo, ${neighbour(scope, sql.ref('l.lo'), 'next')} AS hi,
        ${beforeId === null ? sql`NULL` : positionOf(scope, beforeId)} AS named
      FROM (SELECT ${positionOf(scope, afterId)} AS lo) l`;
  }
  if (beforeId !== null) {
    return sql<Keys>`
      SELECT ${neighbour(scope, sql.ref('h.hi'), 'previous')} AS lo, h.hi
      FROM (SELECT ${positionOf(scope, beforeId)} AS hi) h`;
  }
  // No neighbours named: at the end.
  return sql<Keys>`SELECT ${neighbour(scope, null, 'previous')} AS lo, NULL AS hi`;
}

/** The new key from the read's row, or the error the named neighbours call for. */
export function placementFrom(
  rows: readonly unknown[],
  scope: Scope,
  placement: Placement,
): string {
  checkNamed(scope, placement);
  const row = rows[0] as Keys;
  const afterId = placement.after_id ?? null;
  const beforeId = placement.before_id ?? null;
  if (afterId !== null) {
    if (row.lo === null) throw notInTarget(scope, afterId, 'after_id');
    if (beforeId !== null) {
      checkNotMoving(scope, beforeId, 'before_id');
      if (row.named == null) throw notInTarget(scope, beforeId, 'before_id');
      if (row.named <= row.lo) {
        throw sbError('SB_ERR_BAD_NEIGHBOUR', 'after_id must come before before_id.', {
          after_id: afterId,
          before_id: beforeId,
        });
      }
    }
    return rankBetween(row.lo, row.hi);
  }
  if (beforeId !== null && row.hi === null) throw notInTarget(scope, beforeId, 'before_id');
  return rankBetween(row.lo, row.hi);
}

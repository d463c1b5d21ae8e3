import { type Placement, rankBetween, sbError } from '@switchboard/core';
import { sql } from 'kysely';
import type { Tx } from './board-write.js';

/**
 * Where an item goes among its siblings (tasks of a column, columns of a
 * board, checklists of a task, items of a checklist). Runs under the board
 * lock, so the neighbours read here are the ones the new key is placed
 * between: keys stay unique and ordered however many clients move at once.
 * Archived and trashed siblings keep their keys and count as neighbours for
 * the key (a new key must not land on theirs), but cannot be named.
 */
type Scope =
  | { table: 'tasks'; parentColumn: 'column_id'; parentId: number; movingId?: number }
  | { table: 'columns'; parentColumn: 'board_id'; parentId: number; movingId?: number }
  | { table: 'checklists'; parentColumn: 'task_id'; parentId: number; movingId?: number }
  | {
      table: 'checklist_items';
      parentColumn: 'checklist_id';
      parentId: number;
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

async function positionOf(tx: Tx, scope: Scope, id: number, field: string): Promise<string> {
  if (id === scope.movingId) {
    throw sbError('SB_ERR_BAD_NEIGHBOUR', `${field} names the item being moved.`, { [field]: id });
  }
  const { rows } = await sql<{ position: string }>`
    SELECT position FROM ${sql.table(scope.table)}
    WHERE id = ${id} AND ${sql.ref(scope.parentColumn)} = ${scope.parentId} ${visible(scope)}`.execute(
    tx,
  );
  const row = rows[0];
  if (!row) {
    throw sbError(
      'SB_ERR_BAD_NEIGHBOUR',
      `${field} ${id} is not in the target ${nouns[scope.table]}.`,
      {
        [field]: id,
      },
    );
  }
  return row.position;
}

async function neighbour(tx: Tx, scope: Scope, of: string | null, side: 'next' | 'previous') {
  const bound =
    of === null ? sql`` : side === 'next' ? sql`AND position > ${of}` : sql`AND position < ${of}`;
  const moving = scope.movingId === undefined ? sql`` : sql`AND id <> ${scope.movingId}`;
  const { rows } = await sql<{ position: string }>`
    SELECT position FROM ${sql.table(scope.table)}
    WHERE ${sql.ref(scope.parentColumn)} = ${scope.parentId} ${bound} ${moving}
    ORDER BY position ${side === 'next' ? sql`ASC` : sql`DESC`} LIMIT 1`.execute(tx);
  return rows[0]?.position ?? null;
}

export async function placeAmongSiblings(
  tx: Tx,
  scope: Scope,
  placement: Placement,
): Promise<string> {
  if (placement.after_id != null) {
    const lo = await positionOf(tx, scope, placement.after_id, 'after_id');
    // The neighbour the client saw may have moved; sit right after after_id.
    const hi = await neighbour(tx, scope, lo, 'next');
    if (placement.before_id != null) {
      const named = await positionOf(tx, scope, placement.before_id, 'before_id');
      if (named <= lo) {
        throw sbError('SB_ERR_BAD_NEIGHBOUR', 'after_id must come before before_id.', {
          after_id: placement.after_id,
          before_id: placement.before_id,
        });
      }
    }
    return rankBetween(lo, hi);
  }
  if (placement.before_id != null) {
    const hi = await positionOf(tx, scope, placement.before_id, 'before_id');
    return rankBetween(await neighbour(tx, scope, hi, 'previous'), hi);
  }
  // No neighbours named: at the end.
  return rankBetween(await neighbour(tx, scope, null, 'previous'), null);
}

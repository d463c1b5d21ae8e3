import { type Placement, rankBetween, sbError } from '@switchboard/core';
import type { Tx } from './board-write.js';

/**
 * Where an item goes among its siblings (tasks of a column, columns of a
 * board). Runs under the board lock, so the neighbours read here are the ones
 * the new key is placed between: keys stay unique and ordered however many
 * clients move at once.
 */
interface Scope {
  table: 'tasks' | 'columns';
  /** tasks: column_id; columns: board_id. */
  parentColumn: 'column_id' | 'board_id';
  parentId: number;
  /** The item being moved, left out of its own neighbours. */
  movingId?: number;
}

async function positionOf(tx: Tx, scope: Scope, id: number, field: string): Promise<string> {
  if (id === scope.movingId) {
    throw sbError('SB_ERR_BAD_NEIGHBOUR', `${field} names the item being moved.`, { [field]: id });
  }
  const row = await tx
    .selectFrom(scope.table)
    .select('position')
    .where('id', '=', id)
    .where(scope.parentColumn, '=', scope.parentId)
    .executeTakeFirst();
  if (!row) {
    throw sbError(
      'SB_ERR_BAD_NEIGHBOUR',
      `${field} ${id} is not in the target ${scope.table === 'tasks' ? 'column' : 'board'}.`,
      {
        [field]: id,
      },
    );
  }
  return row.position;
}

async function neighbour(tx: Tx, scope: Scope, of: string | null, side: 'next' | 'previous') {
  let query = tx
    .selectFrom(scope.table)
    .select('position')
    .where(scope.parentColumn, '=', scope.parentId)
    .orderBy('position', side === 'next' ? 'asc' : 'desc')
    .limit(1);
  if (of !== null) query = query.where('position', side === 'next' ? '>' : '<', of);
  if (scope.movingId !== undefined) query = query.where('id', '!=', scope.movingId);
  const row = await query.executeTakeFirst();
  return row?.position ?? null;
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

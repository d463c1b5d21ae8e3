import { type Action, authorize, type Role, sbError } from '@switchboard/core';
import { type RawBuilder, sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import type { Db } from './db.js';
import type { BoardRow } from './mappers.js';

export type Executor = Db;

export interface BoardAccess {
  board: BoardRow;
  role: Role;
}

/**
 * Loads a live board with the actor's role on it and checks `action`.
 * Non-members get 404 (the board's existence does not leak). With `lock`, the
 * board row is locked FOR NO KEY UPDATE, which orders all writers of the board.
 */
export async function accessBoard(
  db: Executor,
  boardId: number,
  actor: Actor,
  action: Action,
  options: { lock?: boolean; allowArchived?: boolean } = {},
): Promise<BoardAccess> {
  const row = await accessQuery(db, boardId, actor, options.lock ?? false).executeTakeFirst();
  return checkAccess(row, boardId, actor, action, options);
}

/**
 * The board with the actor's membership, locked or not. `boardId` may be an
 * expression (the board of a task), so a write can lock the board of what it
 * names in the statement that reads it.
 */
export function accessQuery(
  db: Executor,
  boardId: number | RawBuilder<number>,
  actor: Actor,
  lock: boolean,
) {
  const query = db
    .selectFrom('boards')
    .leftJoin('board_members as m', (join) =>
      join.onRef('m.board_id', '=', 'boards.id').on('m.user_id', '=', actor.id),
    )
    .selectAll('boards')
    .select('m.role')
    .where('boards.id', '=', boardId)
    .where('boards.deleted_at', 'is', null);
  return lock ? query.modifyEnd(sql`FOR NO KEY UPDATE OF boards`) : query;
}

export type AccessRow = BoardRow & { role: Role | null };

/** accessBoard's checks on the row accessQuery read. */
export function checkAccess(
  row: AccessRow | undefined,
  boardId: number,
  actor: Actor,
  action: Action,
  options: { allowArchived?: boolean } = {},
): BoardAccess {
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Board not found.', { board_id: boardId });
  const { role: memberRole, ...board } = row;
  const role: Role | null = actor.sharedAccess ? 'owner' : memberRole;
  authorize(role, action);
  if (board.archived && action !== 'board.read' && !options.allowArchived) {
    throw sbError('SB_ERR_BOARD_ARCHIVED', undefined, { board_id: boardId });
  }
  return { board, role };
}

import { sql } from 'kysely';
import type { Db } from '../../store/db.js';

/** The hub's reads. None runs per watcher: per board, per connection set-up, or per poll. */

export interface BoardHead {
  id: number;
  seq: number;
}

/** Current seq of these boards (deleted ones too: their last event is board.deleted). */
export async function boardHeads(db: Db, boardIds: readonly number[]): Promise<BoardHead[]> {
  if (boardIds.length === 0) return [];
  return db
    .selectFrom('boards')
    .select(['id', 'seq'])
    .where(sql<boolean>`id = ANY(${[...boardIds]}::bigint[])`)
    .execute();
}

/** Every live board with its seq (AUTH_MODE=open: everyone reads every board). */
export async function allLiveBoards(db: Db): Promise<BoardHead[]> {
  return db.selectFrom('boards').select(['id', 'seq']).where('deleted_at', 'is', null).execute();
}

export interface Membership {
  user_id: number;
  board_id: number;
  seq: number;
}

/** Live boards these users are members of, optionally only among `boardIds`. */
export async function memberships(
  db: Db,
  userIds: readonly number[],
  boardIds?: readonly number[],
): Promise<Membership[]> {
  if (userIds.length === 0 || boardIds?.length === 0) return [];
  let query = db
    .selectFrom('board_members as m')
    .innerJoin('boards as b', 'b.id', 'm.board_id')
    .select(['m.user_id', 'm.board_id', 'b.seq'])
    .where('b.deleted_at', 'is', null)
    .where(sql<boolean>`m.user_id = ANY(${[...userIds]}::bigint[])`);
  if (boardIds) query = query.where(sql<boolean>`m.board_id = ANY(${[...boardIds]}::bigint[])`);
  return query.execute();
}

/** The seq of the event that made the user a member of the board (the latest such). */
export async function memberAddedSeq(
  db: Db,
  boardId: number,
  userId: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('board_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('board_id', '=', boardId)
    .where('type', '=', 'member.added')
    .where(sql`(payload->'member'->>'user_id')::bigint`, '=', userId)
    .executeTakeFirst();
  return row?.seq ?? undefined;
}

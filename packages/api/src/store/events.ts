import { type EventPage, limits } from '@switchboard/core';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import type { Db } from './db.js';
import { toEvent } from './mappers.js';

/** A page of a board's log after `after` (exclusive), oldest first. */
export async function listEvents(
  db: Db,
  actor: Actor,
  boardId: number,
  after: number,
  limit: number = limits.eventsPageDefault,
): Promise<EventPage> {
  const { board } = await accessBoard(db, boardId, actor, 'board.read');
  const rows = await readLog(db, boardId, after, limit);
  const events = rows.map(toEvent);
  const lastSeq = board.seq;
  const reached = events.at(-1)?.seq ?? after;
  return { events, last_seq: lastSeq, has_more: reached < lastSeq };
}

/** Raw log read, no authorization: for the relay and the WebSocket hub, which check access themselves. */
export async function readLog(db: Db, boardId: number, after: number, limit: number) {
  return db
    .selectFrom('board_events')
    .selectAll()
    .where('board_id', '=', boardId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

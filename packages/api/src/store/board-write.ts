import { randomUUID } from 'node:crypto';
import type { Action, BoardEvent, EventDraft, Role } from '@switchboard/core';
import { sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import type { Db } from './db.js';
import { accessBoard } from './board-access.js';
import { toEvent, type BoardRow } from './mappers.js';
import type { Database } from './schema.js';

/** PostgreSQL channel that wakes every instance when a board's log grows (payload "board:seq"). */
export const eventsChannel = 'sb_board_events';

export type Tx = Transaction<Database>;

export interface WriteContext {
  tx: Tx;
  board: BoardRow;
  role: Role;
  actor: Actor;
  /** Queue an event; it is appended to the log in the same transaction. */
  emit(event: EventDraft): void;
}

export interface WriteResult<T> {
  result: T;
  events: BoardEvent[];
}

/**
 * Appends events to a board's log inside the caller's transaction: bumps the
 * board's seq (the caller holds its row lock, so seqs have no gaps), inserts
 * the rows and queues a NOTIFY that PostgreSQL delivers only on commit.
 */
export async function appendEvents(
  tx: Tx,
  boardId: number,
  actorId: number,
  drafts: readonly EventDraft[],
): Promise<BoardEvent[]> {
  if (drafts.length === 0) return [];
  const { seq: last } = await tx
    .updateTable('boards')
    .set((eb) => ({ seq: eb('seq', '+', drafts.length) }))
    .where('id', '=', boardId)
    .returning('seq')
    .executeTakeFirstOrThrow();
  const first = last - drafts.length + 1;
  const rows = await tx
    .insertInto('board_events')
    .values(
      drafts.map((draft, i) => ({
        board_id: boardId,
        seq: first + i,
        id: randomUUID(),
        type: draft.type,
        actor: actorId,
        payload: JSON.stringify(draft.payload),
      })),
    )
    .returningAll()
    .execute();
  await sql`SELECT pg_notify(${eventsChannel}, ${`${boardId}:${last}`})`.execute(tx);
  return rows.map(toEvent);
}

/**
 * Runs one write to a board as a single transaction: lock the board and check
 * the actor's role, run `fn`, append the events it emitted, commit. Nothing is
 * published before the commit; a failure leaves no trace.
 */
export async function writeBoard<T>(
  db: Db,
  boardId: number,
  actor: Actor,
  action: Action,
  fn: (ctx: WriteContext) => Promise<T>,
  options: { allowArchived?: boolean } = {},
): Promise<WriteResult<T>> {
  return db.transaction().execute(async (tx) => {
    const { board, role } = await accessBoard(tx, boardId, actor, action, {
      lock: true,
      allowArchived: options.allowArchived ?? false,
    });
    const drafts: EventDraft[] = [];
    const result = await fn({ tx, board, role, actor, emit: (event) => drafts.push(event) });
    const events = await appendEvents(tx, boardId, actor.id, drafts);
    return { result, events };
  });
}

import { randomUUID } from 'node:crypto';
import type { Action, BoardEvent, EventDraft, Role } from '@switchboard/core';
import { sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import type { Db } from './db.js';
import { accessBoard } from './board-access.js';
import type { BoardRow } from './mappers.js';
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
 * the rows and queues a NOTIFY that PostgreSQL delivers only on commit. One
 * statement, one round trip: writers of a board queue behind its lock, so
 * every round trip held under it costs the whole board.
 */
export async function appendEvents(
  tx: Tx,
  boardId: number,
  actorId: number,
  drafts: readonly EventDraft[],
): Promise<BoardEvent[]> {
  if (drafts.length === 0) return [];
  const entries = drafts.map((draft) => ({
    id: randomUUID(),
    type: draft.type,
    payload: draft.payload,
  }));
  const { rows } = await sql<{ seq: number; created_at: Date }>`
    WITH bumped AS (
      UPDATE boards SET seq = seq + ${drafts.length} WHERE id = ${boardId} RETURNING seq
    ), inserted AS (
      INSERT INTO board_events (board_id, seq, id, type, actor, payload)
      SELECT ${boardId}, bumped.seq - ${drafts.length} + e.ord, (e.entry->>'id')::uuid, e.entry->>'type',
        ${actorId}, e.entry->'payload'
      FROM bumped, jsonb_array_elements(${JSON.stringify(entries)}::jsonb) WITH ORDINALITY AS e (entry, ord)
      RETURNING seq, created_at
    ), notified AS (
      SELECT pg_notify(${eventsChannel}, ${boardId} || ':' || bumped.seq) FROM bumped
    )
    SELECT inserted.seq, inserted.created_at FROM inserted, notified ORDER BY inserted.seq`.execute(
    tx,
  );
  return rows.map((row, i) => {
    const entry = entries[i]!;
    return {
      id: entry.id,
      board_id: boardId,
      seq: row.seq,
      type: entry.type,
      actor: actorId,
      payload: entry.payload,
      created_at: row.created_at.toISOString(),
    } as BoardEvent;
  });
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
  return db.transaction().execute((tx) => writeBoardIn(tx, boardId, actor, action, fn, options));
}

/**
 * The same unit inside a transaction the caller owns (a job that must commit
 * its work and its own completion together). The caller commits.
 */
export async function writeBoardIn<T>(
  tx: Tx,
  boardId: number,
  actor: Actor,
  action: Action,
  fn: (ctx: WriteContext) => Promise<T>,
  options: { allowArchived?: boolean } = {},
): Promise<WriteResult<T>> {
  const { board, role } = await accessBoard(tx, boardId, actor, action, {
    lock: true,
    allowArchived: options.allowArchived ?? false,
  });
  const drafts: EventDraft[] = [];
  const result = await fn({ tx, board, role, actor, emit: (event) => drafts.push(event) });
  const events = await appendEvents(tx, boardId, actor.id, drafts);
  return { result, events };
}

import type { Action, BoardEvent, EventDraft, Role } from '@switchboard/core';
import { type CompiledQuery, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import type { Db } from './db.js';
import { type AccessRow, accessQuery, checkAccess } from './board-access.js';
import { runPipelined } from './pipelined-driver.js';
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
  /** Rows of the reads sent with the board lock (WriteOptions.prefetch), in order. */
  prefetched: readonly Rows[];
  /** Queue an event; it is appended to the log in the same transaction. */
  emit(event: EventDraft): void;
  /**
   * Queue a statement whose answer the write does not need (a job row): it
   * goes out with the event append, in the same transaction and round trip.
   * If it fails, the whole write fails.
   */
  defer(query: CompiledQuery): void;
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
 * every round trip held under it costs the whole board. `before` are
 * statements sent ahead of it in the same trip; with `commit`, the
 * transaction's COMMIT follows in that trip too (pipelined-driver.ts).
 */
export async function appendEvents(
  tx: Tx,
  boardId: number,
  actorId: number,
  drafts: readonly EventDraft[],
  options: { before?: readonly CompiledQuery[]; commit?: boolean } = {},
): Promise<BoardEvent[]> {
  const before = options.before ?? [];
  if (drafts.length === 0) {
    if (before.length > 0 || options.commit) await runPipelined(tx, before, options);
    return [];
  }
  const entries = drafts.map((draft) => ({ type: draft.type, payload: draft.payload }));
  const append = appendStatement(boardId, actorId, entries).compile(tx);
  const results = await runPipelined(tx, [...before, append], options);
  const rows = results.at(-1)!.rows as { id: string; seq: number; created_at: Date }[];
  return rows.map((row, i) => {
    const entry = entries[i]!;
    return {
      id: row.id,
      board_id: boardId,
      seq: row.seq,
      type: entry.type,
      actor: actorId,
      payload: entry.payload,
      created_at: row.created_at.toISOString(),
    } as BoardEvent;
  });
}

/** What a write may do beyond its own statements. */
export interface WriteOptions {
  /** A write to an archived board (restoring it, for one). */
  allowArchived?: boolean;
  /**
   * Reads sent with the board lock, in the same round trip (they run after
   * it, under it); their rows are ctx.prefetched, in order. Run even when
   * the access check then fails: reads only.
   */
  prefetch?: (tx: Tx) => readonly CompiledQuery[];
}

/**
 * Runs one write to a board as a single transaction: lock the board and check
 * the actor's role, run `fn`, append the events it emitted, commit. Nothing is
 * published before the commit; a failure leaves no trace. BEGIN goes out with
 * the lock and COMMIT with the event append, so a write that reads nothing
 * more than the lock (and its prefetch) and writes one statement takes three
 * round trips: lock, write, append.
 */
export async function writeBoard<T>(
  db: Db,
  boardId: number,
  actor: Actor,
  action: Action,
  fn: (ctx: WriteContext) => Promise<T>,
  options: WriteOptions = {},
): Promise<WriteResult<T>> {
  return db
    .transaction()
    .execute((tx) => runWrite(tx, boardId, actor, action, fn, { ...options, commit: true }));
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
  options: WriteOptions = {},
): Promise<WriteResult<T>> {
  return runWrite(tx, boardId, actor, action, fn, { ...options, commit: false });
}

/**
 * The unit where the board is given by an expression (the board of a task),
 * locked in the statement that finds it. `resolve` sees the locked row and
 * the prefetched rows before the access check: it says which board id the
 * write was for (for errors), or throws (the task is gone).
 */
export async function writeBoardOf<T>(
  db: Db,
  board: RawBuilder<number>,
  actor: Actor,
  action: Action,
  fn: (ctx: WriteContext) => Promise<T>,
  options: WriteOptions & {
    resolve: (row: AccessRow | undefined, prefetched: readonly Rows[]) => number;
  },
): Promise<WriteResult<T>> {
  return db
    .transaction()
    .execute((tx) => runWrite(tx, board, actor, action, fn, { ...options, commit: true }));
}

export type Rows = readonly Record<string, unknown>[];

async function runWrite<T>(
  tx: Tx,
  board: number | RawBuilder<number>,
  actor: Actor,
  action: Action,
  fn: (ctx: WriteContext) => Promise<T>,
  options: WriteOptions & {
    commit: boolean;
    resolve?: (row: AccessRow | undefined, prefetched: readonly Rows[]) => number;
  },
): Promise<WriteResult<T>> {
  const lock = accessQuery(tx, board, actor, true).compile();
  const [locked, ...rest] = await runPipelined(tx, [lock, ...(options.prefetch?.(tx) ?? [])]);
  const row = locked!.rows[0] as AccessRow | undefined;
  const prefetched = rest.map((r) => r.rows);
  const boardId = options.resolve ? options.resolve(row, prefetched) : (board as number);
  const access = checkAccess(row, boardId, actor, action, {
    allowArchived: options.allowArchived ?? false,
  });
  const drafts: EventDraft[] = [];
  const deferred: CompiledQuery[] = [];
  const result = await fn({
    tx,
    board: access.board,
    role: access.role,
    actor,
    prefetched,
    emit: (event) => drafts.push(event),
    defer: (query) => deferred.push(query),
  });
  const events = await appendEvents(tx, boardId, actor.id, drafts, {
    before: deferred,
    commit: options.commit,
  });
  return { result, events };
}

/**
 * The append: seq bumped, rows inserted with ids made by the server, NOTIFY
 * queued. Exported for write-statements.ts (the bench runs it as it is).
 */
export function appendStatement(
  boardId: number,
  actorId: number,
  entries: readonly { type: string; payload: unknown }[],
) {
  return sql<{ id: string; seq: number; created_at: Date }>`
    WITH bumped AS (
      UPDATE boards SET seq = seq + ${entries.length} WHERE id = ${boardId} RETURNING seq
    ), inserted AS (
      INSERT INTO board_events (board_id, seq, id, type, actor, payload)
      SELECT ${boardId}, bumped.seq - ${entries.length} + e.ord, gen_random_uuid(), e.entry->>'type',
        ${actorId}, e.entry->'payload'
      FROM bumped, jsonb_array_elements(${JSON.stringify(entries)}::jsonb) WITH ORDINALITY AS e (entry, ord)
      RETURNING id, seq, created_at
    ), notified AS (
      SELECT pg_notify(${eventsChannel}, ${boardId} || ':' || bumped.seq) FROM bumped
    )
    SELECT inserted.id, inserted.seq, inserted.created_at FROM inserted, notified ORDER BY inserted.seq`;
}

import type { BoardEvent } from '@switchboard/core';
import type { Db } from '../../store/db.js';
import { readLog } from '../../store/events.js';
import { toEvent } from '../../store/mappers.js';
import type { WireEvent } from './bus.js';

export function wireEvent(event: BoardEvent): WireEvent {
  return { event, json: JSON.stringify(event) };
}

/** Committed events of a board after `after`, oldest first, serialized once (the relay and the hub read the log so). */
export async function readWireLog(
  db: Db,
  boardId: number,
  after: number,
  limit: number,
): Promise<WireEvent[]> {
  const rows = await readLog(db, boardId, after, limit);
  return rows.map((row) => wireEvent(toEvent(row)));
}

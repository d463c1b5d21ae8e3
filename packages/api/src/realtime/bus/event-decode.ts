import { type BoardEvent, eventTypes } from '@switchboard/core';
import type { WireEvent } from './bus.js';

const knownTypes = new Set<string>(eventTypes);

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/**
 * An event as it comes off the bus. The relay wrote it from the log, so a
 * structural check is enough; anything else on our subjects is ignored (the
 * log remains the truth and fills the gap). The JSON text is kept as is.
 */
export function parseWireEvent(json: string): WireEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (
    typeof e.id !== 'string' ||
    !isId(e.board_id) ||
    !isId(e.seq) ||
    !isId(e.actor) ||
    typeof e.type !== 'string' ||
    !knownTypes.has(e.type) ||
    typeof e.payload !== 'object' ||
    e.payload === null ||
    typeof e.created_at !== 'string'
  ) {
    return undefined;
  }
  return { event: value as BoardEvent, json };
}

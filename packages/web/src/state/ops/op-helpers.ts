import type { Column, Task } from '@switchboard/core';
import type { Confirmed, Tombstones } from './op-spec';

export const nowIso = () => new Date().toISOString();

/** The server's answer shows unless the draft already has something newer. */
export function putIfNewer<T extends { id: number; version: number }>(
  current: T | undefined,
  result: T,
  put: (value: T) => void,
): void {
  if (!current || current.version < result.version) put(result);
}

/** A patch without its undefined fields (so they do not overwrite). */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** after_id wins over before_id, as on the server; neither means "at the end". */
export function placement(afterId: number | null, beforeId: number | null) {
  if (afterId !== null) return { after_id: afterId };
  if (beforeId !== null) return { before_id: beforeId };
  return {};
}

type Table = 'tasks' | 'columns';

/** A create settles once its item is in the confirmed state (or was deleted since). */
export function createSettled(
  table: Table,
  result: Task | Column | undefined,
  confirmed: Confirmed,
  gone: Tombstones,
): boolean {
  return !result || result.id in confirmed[table] || gone[table].has(result.id);
}

/** An edit settles once the confirmed item is at least at the version the server answered. */
export function versionSettled(
  table: Table,
  id: number,
  result: { version: number } | undefined,
  confirmed: Confirmed,
): boolean {
  const item = confirmed[table][id];
  return !result || !item || item.version >= result.version;
}

/** A delete settles once the item is gone from the confirmed state. */
export function deleteSettled(
  table: Table,
  id: number,
  confirmed: Confirmed,
  gone: Tombstones,
): boolean {
  return gone[table].has(id) || !(id in confirmed[table]);
}

/** The version of the server's current item in a 409 (to write on top of it). */
export function versionOf(current: object): number | undefined {
  const v = (current as { version?: unknown }).version;
  return typeof v === 'number' ? v : undefined;
}

import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { sbError } from './errors.js';

/**
 * Positions are fractional-index strings: a key between two neighbours always
 * exists, so a move never renumbers a column. Keys compare with plain string
 * comparison (byte order, which is how PostgreSQL compares them under COLLATE "C").
 */
export function rankBetween(before: string | null, after: string | null): string {
  if (before !== null && after !== null && before >= after) {
    throw sbError('SB_ERR_BAD_NEIGHBOUR', 'The neighbours given are not in order.', {
      before,
      after,
    });
  }
  return generateKeyBetween(before, after);
}

export function initialRanks(count: number): string[] {
  return generateNKeysBetween(null, null, count);
}

export function compareRanks(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Neighbour ids as given by a client; both absent means "at the end". */
export interface Placement {
  after_id?: number | null | undefined;
  before_id?: number | null | undefined;
}

export function hasPlacement(p: Placement): boolean {
  return p.after_id != null || p.before_id != null;
}

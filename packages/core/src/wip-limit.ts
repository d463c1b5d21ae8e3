/**
 * A column's work-in-progress limit, the one rule both sides apply: the
 * server refuses a card arriving in a full column (SB_ERR_WIP_LIMIT_REACHED)
 * and the web app says so while a card is dragged, before the drop.
 */
export type WipState = 'ok' | 'at' | 'over';

/** Does a column holding `count` live cards take one more from elsewhere? */
export function wipLimitReached(count: number, limit: number | null): boolean {
  return limit !== null && count >= limit;
}

/** How full a column is: `over` after the limit was lowered under its count. */
export function wipState(count: number, limit: number | null): WipState {
  if (limit === null) return 'ok';
  if (count > limit) return 'over';
  return count === limit ? 'at' : 'ok';
}

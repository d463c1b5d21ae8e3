import { wipLimitReached, type Column } from '@switchboard/core';
import type { BoardView } from '../state/store-types';

export { wipState, type WipState } from '@switchboard/core';

export interface WipRefusal {
  column: Column;
  limit: number;
}

/**
 * Would the server refuse task `taskId`, coming from `fromColumnId`, in
 * `columnId`? As on the server: a column with a limit takes a task from
 * elsewhere only while it holds fewer than the limit; moves within a column
 * are always fine. Used to say so while dragging, before the drop.
 */
export function wipRefusal(
  view: Pick<BoardView, 'columns' | 'tasksByColumn'>,
  taskId: number,
  fromColumnId: number,
  columnId: number,
): WipRefusal | null {
  if (columnId === fromColumnId) return null;
  const column = view.columns.find((c) => c.id === columnId);
  if (!column || column.wip_limit === null) return null;
  const tasks = view.tasksByColumn.get(columnId) ?? [];
  const count = tasks.filter((t) => t.id !== taskId).length;
  return wipLimitReached(count, column.wip_limit) ? { column, limit: column.wip_limit } : null;
}

export function refusalText(refusal: WipRefusal): string {
  return `“${refusal.column.title}” is at its WIP limit of ${refusal.limit}`;
}

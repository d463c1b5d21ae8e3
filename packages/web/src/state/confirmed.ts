import {
  applyBoardEvent,
  type BoardEvent,
  type BoardState,
  eventTaskId,
  type Task,
} from '@switchboard/core';
import { buildTaskIndex, replaceInIndex, type TaskIndex, withoutColumn } from './task-index';

export interface ConfirmedStep {
  state: BoardState;
  index: TaskIndex;
  /** A task or column the event took off the board (tombstones for settling ops). */
  goneTask?: number;
  goneColumn?: number;
  /** Set when the event takes the board away from the viewer. */
  accessLost?: string;
}

/** Above this many changed cards one rebuild is cheaper than copying groups card by card. */
const REBUILD_AT = 64;

/** Events that may change many cards at once (renames, deletions of labels and fields). */
function touchesMany(event: BoardEvent): boolean {
  return (
    event.type.startsWith('column.') ||
    event.type.startsWith('label.') ||
    event.type.startsWith('custom_field.')
  );
}

/** The column index after `before` became `after` (only the cards that changed are touched). */
function reindex(
  index: TaskIndex,
  before: Readonly<Record<number, Task>>,
  after: Readonly<Record<number, Task>>,
  event: BoardEvent,
): TaskIndex {
  const one = touchesMany(event) ? null : eventTaskId(event);
  if (one !== null) return replaceInIndex(index, before[one], after[one]);
  const changed: number[] = [];
  for (const key of Object.keys(before)) {
    const id = Number(key);
    if (before[id] !== after[id]) changed.push(id);
  }
  for (const key of Object.keys(after)) if (!(key in before)) changed.push(Number(key));
  if (changed.length > REBUILD_AT) return buildTaskIndex(Object.values(after));
  let out = index;
  for (const id of changed) out = replaceInIndex(out, before[id], after[id]);
  return out;
}

/**
 * Applies one in-order event with core's applyBoardEvent (which knows every
 * event type), and keeps the per-column index in step with the cards it
 * changed. Called exactly once per seq (the store judges the sequence first).
 */
export function applyConfirmedEvent(
  state: BoardState,
  index: TaskIndex,
  event: BoardEvent,
  viewerId: number,
): ConfirmedStep {
  const next = applyBoardEvent(state, event, viewerId);
  let nextIndex =
    next.tasks === state.tasks ? index : reindex(index, state.tasks, next.tasks, event);
  switch (event.type) {
    case 'task.deleted':
    case 'task.archived':
    case 'task.moved_out':
      return { state: next, index: nextIndex, goneTask: event.payload.task.id };
    case 'task.purged':
      return { state: next, index: nextIndex, goneTask: event.payload.task_id };
    case 'column.deleted':
    case 'column.archived':
      nextIndex = withoutColumn(nextIndex, event.payload.column.id);
      return { state: next, index: nextIndex, goneColumn: event.payload.column.id };
    case 'member.removed':
      return event.payload.member.user_id === viewerId
        ? { state: next, index: nextIndex, accessLost: 'You were removed from this board.' }
        : { state: next, index: nextIndex };
    case 'board.deleted':
      return { state: next, index: nextIndex, accessLost: 'This board was deleted.' };
    default:
      return { state: next, index: nextIndex };
  }
}

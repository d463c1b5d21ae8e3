import { applyBoardEvent, type BoardEvent, type BoardState } from '@switchboard/core';
import { replaceInIndex, type TaskIndex, withoutColumn } from './task-index';

export interface ConfirmedStep {
  state: BoardState;
  index: TaskIndex;
  /** A task or column the event deleted (tombstones for settling ops). */
  goneTask?: number;
  goneColumn?: number;
  /** Set when the event takes the board away from the viewer. */
  accessLost?: string;
}

/**
 * Applies one in-order event with core's applyBoardEvent, and keeps the
 * per-column index in step by touching only the tasks the event names.
 */
export function applyConfirmedEvent(
  state: BoardState,
  index: TaskIndex,
  event: BoardEvent,
  viewerId: number,
): ConfirmedStep {
  const next = applyBoardEvent(state, event, viewerId);
  switch (event.type) {
    case 'task.created':
    case 'task.updated':
    case 'task.moved': {
      const task = event.payload.task;
      return { state: next, index: replaceInIndex(index, state.tasks[task.id], task) };
    }
    case 'task.deleted': {
      const id = event.payload.task.id;
      return {
        state: next,
        index: replaceInIndex(index, state.tasks[id], undefined),
        goneTask: id,
      };
    }
    case 'column.deleted': {
      let nextIndex = index;
      for (const task of event.payload.moved_tasks) {
        nextIndex = replaceInIndex(nextIndex, state.tasks[task.id], task);
      }
      return {
        state: next,
        index: withoutColumn(nextIndex, event.payload.column.id),
        goneColumn: event.payload.column.id,
      };
    }
    case 'member.removed':
      return event.payload.member.user_id === viewerId
        ? { state: next, index, accessLost: 'You were removed from this board.' }
        : { state: next, index };
    case 'board.deleted':
      return { state: next, index, accessLost: 'This board was deleted.' };
    default:
      return { state: next, index };
  }
}

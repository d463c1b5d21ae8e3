import { compareRanks } from './ranks.js';
import type { Board, BoardDetail } from './schemas/board.js';
import type { Column } from './schemas/column.js';
import type { BoardEvent } from './schemas/event.js';
import type { Member } from './schemas/member.js';
import type { Task } from './schemas/task.js';

/**
 * A board as a client holds it, and the pure function that applies one event
 * to it. The web app and the tests share this, so "what an event means" is
 * written once.
 */
export interface BoardState {
  board: Board;
  columns: Readonly<Record<number, Column>>;
  tasks: Readonly<Record<number, Task>>;
  members: Readonly<Record<number, Member>>;
  /** The last seq applied. */
  seq: number;
  deleted: boolean;
}

function byId<T>(items: readonly T[], id: (item: T) => number): Record<number, T> {
  const out: Record<number, T> = {};
  for (const item of items) out[id(item)] = item;
  return out;
}

export function boardStateFromDetail(detail: BoardDetail): BoardState {
  const { columns, tasks, members, ...board } = detail;
  return {
    board,
    columns: byId(columns, (c) => c.id),
    tasks: byId(tasks, (t) => t.id),
    members: byId(members, (m) => m.user_id),
    seq: board.seq,
    deleted: false,
  };
}

function without<T>(record: Readonly<Record<number, T>>, id: number): Record<number, T> {
  const copy = { ...record };
  delete copy[id];
  return copy;
}

/**
 * Applies one event. The caller checks the seq first (see judgeSequence); this
 * function trusts it. `viewerId` lets a member.updated about the viewer change
 * the viewer's own role.
 */
export function applyBoardEvent(
  state: BoardState,
  event: BoardEvent,
  viewerId?: number,
): BoardState {
  const next = { ...state, seq: event.seq, board: { ...state.board, seq: event.seq } };
  switch (event.type) {
    case 'task.created':
    case 'task.updated':
    case 'task.moved':
      return { ...next, tasks: { ...state.tasks, [event.payload.task.id]: event.payload.task } };
    case 'task.deleted':
      return { ...next, tasks: without(state.tasks, event.payload.task.id) };
    case 'column.created':
    case 'column.updated':
      return {
        ...next,
        columns: { ...state.columns, [event.payload.column.id]: event.payload.column },
      };
    case 'column.deleted': {
      const tasks = { ...state.tasks };
      for (const task of event.payload.moved_tasks) tasks[task.id] = task;
      return { ...next, columns: without(state.columns, event.payload.column.id), tasks };
    }
    case 'board.created':
    case 'board.updated':
      return {
        ...next,
        board: { ...next.board, ...event.payload.board, role: state.board.role, seq: event.seq },
      };
    case 'board.deleted':
      return { ...next, deleted: true };
    case 'member.added':
    case 'member.updated': {
      const member = event.payload.member;
      const board = member.user_id === viewerId ? { ...next.board, role: member.role } : next.board;
      return { ...next, board, members: { ...state.members, [member.user_id]: member } };
    }
    case 'member.removed':
      return { ...next, members: without(state.members, event.payload.member.user_id) };
  }
}

export function sortedColumns(state: Pick<BoardState, 'columns'>): Column[] {
  return Object.values(state.columns).sort((a, b) => compareRanks(a.position, b.position));
}

/** Tasks grouped by column, each group in position order. */
export function tasksByColumn(state: Pick<BoardState, 'tasks'>): Map<number, Task[]> {
  const groups = new Map<number, Task[]>();
  for (const task of Object.values(state.tasks)) {
    const group = groups.get(task.column_id);
    if (group) group.push(task);
    else groups.set(task.column_id, [task]);
  }
  for (const group of groups.values()) group.sort((a, b) => compareRanks(a.position, b.position));
  return groups;
}

/** The board back in wire form, e.g. to compare a client's state with the server's. */
export function boardStateToDetail(state: BoardState): BoardDetail {
  return {
    ...state.board,
    columns: sortedColumns(state),
    tasks: Object.values(state.tasks).sort((a, b) => a.id - b.id),
    members: Object.values(state.members).sort((a, b) => a.user_id - b.user_id),
  };
}

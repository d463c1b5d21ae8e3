import type { Board, BoardEvent, Column, Member, Role, Task, User } from '@switchboard/core';
import type { Selectable } from 'kysely';
import type {
  BoardEventsTable,
  BoardsTable,
  ColumnsTable,
  TasksTable,
  UsersTable,
} from './schema.js';

/** Rows as they come from PostgreSQL → objects as they go on the wire. */

const iso = (value: Date | string): string =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();

export type TaskRow = Selectable<TasksTable>;
export type ColumnRow = Selectable<ColumnsTable>;
export type BoardRow = Selectable<BoardsTable>;
export type UserRow = Selectable<UsersTable>;
export type EventRow = Selectable<BoardEventsTable>;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    board_id: row.board_id,
    column_id: row.column_id,
    title: row.title,
    description: row.description,
    completed: row.completed,
    position: row.position,
    assignee_ids: row.assignee_ids.map(Number),
    labels: row.labels,
    due_at: row.due_at ? iso(row.due_at) : null,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toColumn(row: ColumnRow): Column {
  return {
    id: row.id,
    board_id: row.board_id,
    title: row.title,
    position: row.position,
    wip_limit: row.wip_limit,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toBoardFields(row: BoardRow): Omit<Board, 'role'> {
  return {
    id: row.id,
    title: row.title,
    archived: row.archived,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
    seq: row.seq,
  };
}

export function toBoard(row: BoardRow, role: Role): Board {
  return { ...toBoardFields(row), role };
}

export function toUser(row: Pick<UserRow, 'id' | 'username' | 'created_at'>): User {
  return { id: row.id, username: row.username, created_at: iso(row.created_at) };
}

export function toMember(row: {
  user_id: number;
  username: string;
  role: Role;
  added_at: Date | string;
}): Member {
  return {
    user_id: row.user_id,
    username: row.username,
    role: row.role,
    added_at: iso(row.added_at),
  };
}

export function toEvent(row: EventRow): BoardEvent {
  return {
    id: row.id,
    board_id: row.board_id,
    seq: row.seq,
    type: row.type,
    actor: row.actor,
    payload: row.payload,
    created_at: iso(row.created_at),
  } as BoardEvent;
}

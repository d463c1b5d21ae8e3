import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables (see migrations/). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string | null;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Date | null;
}

export interface BoardsTable {
  id: Generated<number>;
  title: string;
  archived: Generated<boolean>;
  created_by: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  seq: Generated<number>;
  deleted_at: Date | null;
}

export interface BoardMembersTable {
  board_id: number;
  user_id: number;
  role: 'owner' | 'editor' | 'viewer';
  added_at: Timestamp;
}

export interface ColumnsTable {
  id: Generated<number>;
  board_id: number;
  title: string;
  position: string;
  wip_limit: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface TasksTable {
  id: Generated<number>;
  board_id: number;
  column_id: number;
  title: string;
  description: Generated<string>;
  completed: Generated<boolean>;
  position: string;
  assignee_ids: ColumnType<number[], number[] | undefined, number[]>;
  labels: ColumnType<string[], string[] | undefined, string[]>;
  due_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_by: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface BoardEventsTable {
  board_id: number;
  seq: number;
  id: string;
  type: string;
  actor: number;
  payload: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  boards: BoardsTable;
  board_members: BoardMembersTable;
  columns: ColumnsTable;
  tasks: TasksTable;
  board_events: BoardEventsTable;
  settings: SettingsTable;
}

import type {
  BoardBackground,
  CustomFieldType,
  CustomFieldValues,
  LabelColor,
  SelectOption,
} from '@switchboard/core';
import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables (see migrations/). */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

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
  /** jsonb, written as JSON text; null: none (migration 0006). */
  background: ColumnType<BoardBackground, string | null | undefined, string | null>;
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
  archived_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
  label_ids: ColumnType<number[], number[] | undefined, number[]>;
  due_at: NullableTimestamp;
  /** YYYY-MM-DD (parsed as text, see db.ts). */
  due_date: ColumnType<string | null, string | null | undefined, string | null>;
  due_time: ColumnType<string | null, string | null | undefined, string | null>;
  due_tz: ColumnType<string | null, string | null | undefined, string | null>;
  start_date: ColumnType<string | null, string | null | undefined, string | null>;
  custom_fields: ColumnType<CustomFieldValues, string | undefined, string>;
  comment_count: Generated<number>;
  checklist_done: Generated<number>;
  checklist_total: Generated<number>;
  attachment_count: Generated<number>;
  cover_attachment_id: ColumnType<number | null, number | null | undefined, number | null>;
  cover_removed: Generated<boolean>;
  archived_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  deleted_by: ColumnType<number | null, number | null | undefined, number | null>;
  purge_at: NullableTimestamp;
  created_by: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface LabelsTable {
  id: Generated<number>;
  board_id: number;
  name: string;
  color: LabelColor;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CustomFieldsTable {
  id: Generated<number>;
  board_id: number;
  name: string;
  type: CustomFieldType;
  options: ColumnType<SelectOption[], string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CommentsTable {
  id: Generated<number>;
  task_id: number;
  board_id: number;
  author_id: number;
  body: string;
  mention_ids: ColumnType<number[], number[] | undefined, number[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  edited_at: NullableTimestamp;
  version: Generated<number>;
}

export interface ChecklistsTable {
  id: Generated<number>;
  task_id: number;
  board_id: number;
  title: string;
  position: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface ChecklistItemsTable {
  id: Generated<number>;
  checklist_id: number;
  task_id: number;
  board_id: number;
  title: string;
  done: Generated<boolean>;
  position: string;
  done_by: ColumnType<number | null, number | null | undefined, number | null>;
  done_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface AttachmentsTable {
  id: Generated<number>;
  board_id: number;
  task_id: number;
  name: string;
  content_type: string;
  size: Generated<number>;
  sha256: string | null;
  storage: Generated<string>;
  storage_key: string | null;
  chunk_size: number;
  width: number | null;
  height: number | null;
  thumbnail: Buffer | null;
  complete: Generated<boolean>;
  uploaded_by: number | null;
  created_at: Generated<Date>;
}

export interface FileDeletionsTable {
  storage_key: string;
  deleted_at: Generated<Date>;
}

export interface AttachmentChunksTable {
  attachment_id: number;
  n: number;
  data: Buffer;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  run_at: Timestamp;
  payload: ColumnType<unknown, string | undefined, string>;
  dedupe_key: string | null;
  state: Generated<'pending' | 'failed'>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BoardEventsTable {
  board_id: number;
  seq: number;
  id: string;
  type: string;
  actor: number;
  payload: ColumnType<unknown, string, string>;
  created_at: Timestamp;
  /** Generated from the payload: the card the event is about. */
  task_id: ColumnType<number | null, never, never>;
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
  labels: LabelsTable;
  custom_fields: CustomFieldsTable;
  comments: CommentsTable;
  checklists: ChecklistsTable;
  checklist_items: ChecklistItemsTable;
  jobs: JobsTable;
  attachments: AttachmentsTable;
  attachment_chunks: AttachmentChunksTable;
  file_deletions: FileDeletionsTable;
}

import {
  attachmentUrls,
  type Board,
  type BoardEvent,
  type Checklist,
  type ChecklistItem,
  type Column,
  type Comment,
  type CustomField,
  type Label,
  type Member,
  type Role,
  type Task,
  type User,
} from '@switchboard/core';
import type { Selectable } from 'kysely';
import type {
  BoardEventsTable,
  BoardsTable,
  ChecklistItemsTable,
  ChecklistsTable,
  ColumnsTable,
  CommentsTable,
  CustomFieldsTable,
  LabelsTable,
  TasksTable,
  UsersTable,
} from './schema.js';

/** Rows as they come from PostgreSQL → objects as they go on the wire. */

const isoForm = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A timestamp as the wire has it; text already in that form (see isoText) is kept as is. */
const iso = (value: Date | string): string =>
  value instanceof Date
    ? value.toISOString()
    : isoForm.test(value)
      ? value
      : new Date(value).toISOString();

export type TaskRow = Selectable<TasksTable>;
export type ColumnRow = Selectable<ColumnsTable>;
export type BoardRow = Selectable<BoardsTable>;
export type UserRow = Selectable<UsersTable>;
export type EventRow = Selectable<BoardEventsTable>;
export type LabelRow = Selectable<LabelsTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
export type CommentRow = Selectable<CommentsTable>;
export type ChecklistRow = Selectable<ChecklistsTable>;
export type ChecklistItemRow = Selectable<ChecklistItemsTable>;

/** What a task's wire form takes from other rows: its column's name and its labels' names. */
export interface TaskExtras {
  status: string;
  label_names: string[];
}
export type TaskWithExtras = TaskRow & TaskExtras;

/** The columns a task's wire form is made of (the trash bookkeeping is not). */
export const taskWireColumns = [
  'id',
  'board_id',
  'column_id',
  'title',
  'description',
  'completed',
  'position',
  'assignee_ids',
  'label_ids',
  'due_at',
  'due_date',
  'due_time',
  'due_tz',
  'start_date',
  'custom_fields',
  'comment_count',
  'checklist_done',
  'checklist_total',
  'attachment_count',
  'cover_attachment_id',
  'archived_at',
  'created_by',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof TaskRow)[];
type Timestamps = 'due_at' | 'archived_at' | 'created_at' | 'updated_at';
/** A task row as the wire form needs it; timestamps may come as ISO text (big boards). */
export type TaskWireRow = Omit<Pick<TaskRow, (typeof taskWireColumns)[number]>, Timestamps> & {
  due_at: Date | string | null;
  archived_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

export function toTask(row: TaskWithExtras): Task {
  return taskFromRow(row, row.status, row.label_names);
}

/** The wire form from a row and what it takes from other rows (no copies: big boards map 5 000). */
export function taskFromRow(row: TaskWireRow, status: string, labels: string[]): Task {
  return {
    id: row.id,
    board_id: row.board_id,
    column_id: row.column_id,
    status,
    title: row.title,
    description: row.description,
    completed: row.completed,
    position: row.position,
    // int8[] is parsed to numbers (db.ts).
    assignee_ids: row.assignee_ids,
    label_ids: row.label_ids,
    labels,
    due_at: row.due_at ? iso(row.due_at) : null,
    due: row.due_date ? { date: row.due_date, time: row.due_time, time_zone: row.due_tz } : null,
    start_date: row.start_date,
    custom_fields: row.custom_fields,
    comment_count: row.comment_count,
    checklist: { done: row.checklist_done, total: row.checklist_total },
    attachment_count: row.attachment_count,
    cover:
      row.cover_attachment_id === null
        ? null
        : {
            attachment_id: row.cover_attachment_id,
            url: attachmentUrls.thumbnail(row.cover_attachment_id),
          },
    archived_at: row.archived_at ? iso(row.archived_at) : null,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toLabel(row: LabelRow): Label {
  return {
    id: row.id,
    board_id: row.board_id,
    name: row.name,
    color: row.color,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toCustomField(row: CustomFieldRow): CustomField {
  return {
    id: row.id,
    board_id: row.board_id,
    name: row.name,
    type: row.type,
    options: row.options,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toComment(row: CommentRow & { author_username: string | null }): Comment {
  return {
    id: row.id,
    task_id: row.task_id,
    board_id: row.board_id,
    author_id: row.author_id,
    author_username: row.author_username ?? '',
    body: row.body,
    mention_ids: row.mention_ids.map(Number),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    edited_at: row.edited_at ? iso(row.edited_at) : null,
    version: row.version,
  };
}

export function toChecklist(row: ChecklistRow): Checklist {
  return {
    id: row.id,
    task_id: row.task_id,
    title: row.title,
    position: row.position,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
  };
}

export function toChecklistItem(row: ChecklistItemRow): ChecklistItem {
  return {
    id: row.id,
    checklist_id: row.checklist_id,
    task_id: row.task_id,
    title: row.title,
    done: row.done,
    position: row.position,
    done_by: row.done_by,
    done_at: row.done_at ? iso(row.done_at) : null,
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
    archived_at: row.archived_at ? iso(row.archived_at) : null,
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
    background: row.background ?? null,
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

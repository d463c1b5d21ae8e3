import { z } from 'zod';
import { limits } from '../limits.js';
import { attachmentSchema, coverSchema } from './attachment.js';
import { boardSchema } from './board.js';
import { checklistItemSchema, checklistSchema, checklistWithItemsSchema } from './checklist.js';
import { columnSchema } from './column.js';
import { commentSchema } from './comment.js';
import { eventIdSchema, idSchema, timestampSchema } from './common.js';
import { customFieldSchema } from './custom-field.js';
import { labelSchema } from './label.js';
import { memberSchema } from './member.js';
import { checklistProgressSchema, taskSchema } from './task.js';

/** Field → its value before and after the change (events written before 2026-12 lack it). */
export const fieldChangesSchema = z.record(
  z.string(),
  z.object({ from: z.unknown(), to: z.unknown() }),
);
export type FieldChanges = z.infer<typeof fieldChangesSchema>;

/**
 * Board events: one row of board_events each, appended in the same transaction
 * as the change. Payloads carry the new state so a client can apply an event
 * without asking for anything else. An event about one card carries it as
 * `task` or names it as `task_id` (the log indexes either, for card history);
 * events that change a card's comment count or checklist progress carry the
 * new figure, so applying them needs no arithmetic.
 */
export const eventPayloadSchemas = {
  'task.created': z.object({
    task: taskSchema,
    /** Set when the card was a checklist item of another card. */
    from_checklist_item: z.object({ id: idSchema, task_id: idSchema }).optional(),
    /**
     * Set when the card came from another card: a copy (`copied`, a new card
     * with the source's comments and checklists) or a move from another board
     * (the same card, same id).
     */
    from_board: z
      .object({
        id: idSchema,
        title: z.string(),
        task_id: idSchema,
        copied: z.boolean(),
      })
      .optional(),
  }),
  'task.updated': z.object({
    task: taskSchema,
    changed: z.array(z.string()),
    changes: fieldChangesSchema.optional(),
  }),
  'task.moved': z.object({
    task: taskSchema,
    from_column_id: idSchema,
    /** The name of the column it left, as it was then. */
    from_status: z.string().optional(),
    changed: z.array(z.string()),
    changes: fieldChangesSchema.optional(),
  }),
  /** The card went to the trash (seed 001's delete); restorable until purge_at. */
  'task.deleted': z.object({ task: taskSchema, purge_at: timestampSchema.optional() }),
  'task.archived': z.object({ task: taskSchema }),
  'task.unarchived': z.object({ task: taskSchema }),
  /** Back from the trash, with its comments and checklists. */
  'task.restored': z.object({ task: taskSchema }),
  /** Deleted for good: emptied from the trash, or kept there past its time (expired). */
  'task.purged': z.object({ task_id: idSchema, title: z.string(), expired: z.boolean() }),
  'attachment.created': z.object({
    task_id: idSchema,
    attachment: attachmentSchema,
    attachment_count: z.int().nonnegative(),
    cover: coverSchema.nullable(),
  }),
  'attachment.deleted': z.object({
    task_id: idSchema,
    attachment_id: idSchema,
    name: z.string(),
    attachment_count: z.int().nonnegative(),
    cover: coverSchema.nullable(),
  }),
  /** The card went to another board (with its comments and checklists): gone from this one. */
  'task.moved_out': z.object({
    task: taskSchema,
    to_board: z.object({ id: idSchema, title: z.string() }),
  }),
  'column.created': z.object({ column: columnSchema }),
  'column.updated': z.object({
    column: columnSchema,
    changed: z.array(z.string()),
    changes: fieldChangesSchema.optional(),
  }),
  'column.archived': z.object({ column: columnSchema }),
  /** The column is back; `tasks` are its cards, back on the board with it. */
  'column.unarchived': z.object({ column: columnSchema, tasks: z.array(taskSchema) }),
  'column.deleted': z.object({
    column: columnSchema,
    /** Tasks moved out of the column before it went, in their new places. */
    moved_tasks: z.array(taskSchema),
  }),
  'board.created': z.object({ board: boardSchema.omit({ role: true }) }),
  'board.updated': z.object({
    board: boardSchema.omit({ role: true }),
    changed: z.array(z.string()),
  }),
  'board.deleted': z.object({ board_id: idSchema }),
  'member.added': z.object({ member: memberSchema }),
  'member.updated': z.object({ member: memberSchema }),
  'member.removed': z.object({ member: memberSchema }),
  'comment.created': z.object({
    task_id: idSchema,
    comment: commentSchema,
    comment_count: z.int().nonnegative(),
  }),
  'comment.updated': z.object({
    task_id: idSchema,
    comment: commentSchema,
    changes: fieldChangesSchema,
  }),
  'comment.deleted': z.object({
    task_id: idSchema,
    comment_id: idSchema,
    author_id: idSchema,
    comment_count: z.int().nonnegative(),
  }),
  'checklist.created': z.object({
    task_id: idSchema,
    checklist: checklistWithItemsSchema,
    progress: checklistProgressSchema,
  }),
  'checklist.updated': z.object({
    task_id: idSchema,
    checklist: checklistSchema,
    changed: z.array(z.string()),
    changes: fieldChangesSchema,
  }),
  'checklist.deleted': z.object({
    task_id: idSchema,
    checklist: checklistSchema,
    progress: checklistProgressSchema,
  }),
  'checklist_item.created': z.object({
    task_id: idSchema,
    item: checklistItemSchema,
    progress: checklistProgressSchema,
  }),
  'checklist_item.updated': z.object({
    task_id: idSchema,
    item: checklistItemSchema,
    changed: z.array(z.string()),
    changes: fieldChangesSchema,
    progress: checklistProgressSchema,
  }),
  'checklist_item.deleted': z.object({
    task_id: idSchema,
    item: checklistItemSchema,
    progress: checklistProgressSchema,
  }),
  'label.created': z.object({ label: labelSchema }),
  'label.updated': z.object({ label: labelSchema, changes: fieldChangesSchema }),
  /** The label is gone and off every card (without an event per card). */
  'label.deleted': z.object({ label: labelSchema }),
  'custom_field.created': z.object({ field: customFieldSchema }),
  /** Values that no longer fit (a removed option) are cleared on every card. */
  'custom_field.updated': z.object({ field: customFieldSchema, changes: fieldChangesSchema }),
  'custom_field.deleted': z.object({ field: customFieldSchema }),
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export const eventTypes = Object.keys(eventPayloadSchemas) as EventType[];
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

const eventBase = {
  id: eventIdSchema,
  board_id: idSchema,
  seq: z.int().positive(),
  /** The user who made the change. */
  actor: idSchema,
  created_at: timestampSchema,
};

function eventVariant<T extends EventType>(type: T) {
  return z.object({ ...eventBase, type: z.literal(type), payload: eventPayloadSchemas[type] });
}

export const boardEventSchema = z.discriminatedUnion('type', [
  eventVariant('task.created'),
  eventVariant('task.updated'),
  eventVariant('task.moved'),
  eventVariant('task.deleted'),
  eventVariant('task.archived'),
  eventVariant('task.unarchived'),
  eventVariant('task.restored'),
  eventVariant('task.purged'),
  eventVariant('task.moved_out'),
  eventVariant('attachment.created'),
  eventVariant('attachment.deleted'),
  eventVariant('column.created'),
  eventVariant('column.updated'),
  eventVariant('column.archived'),
  eventVariant('column.unarchived'),
  eventVariant('column.deleted'),
  eventVariant('board.created'),
  eventVariant('board.updated'),
  eventVariant('board.deleted'),
  eventVariant('member.added'),
  eventVariant('member.updated'),
  eventVariant('member.removed'),
  eventVariant('comment.created'),
  eventVariant('comment.updated'),
  eventVariant('comment.deleted'),
  eventVariant('checklist.created'),
  eventVariant('checklist.updated'),
  eventVariant('checklist.deleted'),
  eventVariant('checklist_item.created'),
  eventVariant('checklist_item.updated'),
  eventVariant('checklist_item.deleted'),
  eventVariant('label.created'),
  eventVariant('label.updated'),
  eventVariant('label.deleted'),
  eventVariant('custom_field.created'),
  eventVariant('custom_field.updated'),
  eventVariant('custom_field.deleted'),
]);

/** The card an event is about, if any (what the log's task_id column holds). */
export function eventTaskId(event: Pick<BoardEvent, 'type' | 'payload'>): number | null {
  const payload = event.payload as { task?: { id: number }; task_id?: number };
  return payload.task?.id ?? payload.task_id ?? null;
}
export type BoardEvent = z.infer<typeof boardEventSchema>;

/** An event before the store gives it an id, a seq and a time. */
export type EventDraft = {
  [T in EventType]: { type: T; payload: EventPayload<T> };
}[EventType];

export const listEventsQuerySchema = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(limits.eventsPageMax))
    .optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

export const eventPageSchema = z.object({
  events: z.array(boardEventSchema),
  /** The board's latest seq; more pages remain while the last event's seq is below it. */
  last_seq: z.int().nonnegative(),
  has_more: z.boolean(),
});
export type EventPage = z.infer<typeof eventPageSchema>;

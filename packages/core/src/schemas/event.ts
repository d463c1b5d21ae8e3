import { z } from 'zod';
import { limits } from '../limits.js';
import { boardSchema } from './board.js';
import { columnSchema } from './column.js';
import { eventIdSchema, idSchema, timestampSchema } from './common.js';
import { memberSchema } from './member.js';
import { taskSchema } from './task.js';

/**
 * Board events: one row of board_events each, appended in the same transaction
 * as the change. Payloads carry the new state so a client can apply an event
 * without asking for anything else.
 */
export const eventPayloadSchemas = {
  'task.created': z.object({ task: taskSchema }),
  'task.updated': z.object({ task: taskSchema, changed: z.array(z.string()) }),
  'task.moved': z.object({
    task: taskSchema,
    from_column_id: idSchema,
    changed: z.array(z.string()),
  }),
  'task.deleted': z.object({ task: taskSchema }),
  'column.created': z.object({ column: columnSchema }),
  'column.updated': z.object({ column: columnSchema, changed: z.array(z.string()) }),
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
  eventVariant('column.created'),
  eventVariant('column.updated'),
  eventVariant('column.deleted'),
  eventVariant('board.created'),
  eventVariant('board.updated'),
  eventVariant('board.deleted'),
  eventVariant('member.added'),
  eventVariant('member.updated'),
  eventVariant('member.removed'),
]);
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

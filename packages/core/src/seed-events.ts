import { z } from 'zod';
import { idSchema } from './schemas/common.js';
import type { BoardEvent } from './schemas/event.js';

/**
 * Seed 001's task events: what its gateway published on NATS `tasks.<type>`
 * and sent to WebSocket clients. Switchboard speaks them for clients built
 * on that contract: plain WebSocket listeners and `tasks.>` subscribers.
 */
export const seedEventTypes = ['created', 'updated', 'deleted'] as const;
export type SeedEventType = (typeof seedEventTypes)[number];

export const seedTaskEventSchema = z.strictObject({
  type: z.enum(seedEventTypes),
  task_id: idSchema,
  board_id: idSchema,
  title: z.string(),
  /** Present only when true, as the seed's `omitempty` did. */
  completed: z.literal(true).optional(),
  /** Unix seconds. */
  timestamp: z.int().nonnegative(),
});
export type SeedTaskEvent = z.infer<typeof seedTaskEventSchema>;

/**
 * The seed event a board event stands for, if any. A move is an update of
 * the task (the seed had no columns); column, board and member events have no
 * seed counterpart. Keys in the seed's order.
 */
export function seedTaskEvent(event: BoardEvent): SeedTaskEvent | undefined {
  let type: SeedEventType;
  switch (event.type) {
    case 'task.created':
      type = 'created';
      break;
    case 'task.updated':
    case 'task.moved':
      type = 'updated';
      break;
    case 'task.deleted':
    case 'task.moved_out':
      // Seed 001's clients know boards only by id: a card that left this board is gone from it.
      type = 'deleted';
      break;
    default:
      return undefined;
  }
  const task = event.payload.task;
  return {
    type,
    task_id: task.id,
    board_id: event.board_id,
    title: task.title,
    ...(task.completed ? { completed: true as const } : {}),
    timestamp: Math.floor(Date.parse(event.created_at) / 1000),
  };
}

import { z } from 'zod';
import { columnSchema } from './column.js';
import { idSchema, timestampSchema } from './common.js';
import { taskSchema } from './task.js';

/** GET /api/boards/:id/archived: what archiving took off the board. */
export const archivedListSchema = z.object({
  /** Archived columns; their cards come back with them. */
  columns: z.array(columnSchema),
  /** Archived cards (not those only hidden by an archived column). */
  tasks: z.array(taskSchema),
});
export type ArchivedList = z.infer<typeof archivedListSchema>;

export const trashEntrySchema = z.object({
  task: taskSchema,
  deleted_at: timestampSchema,
  deleted_by: idSchema,
  /** When the card is deleted for good unless restored first. */
  purge_at: timestampSchema,
});
export type TrashEntry = z.infer<typeof trashEntrySchema>;

export const trashListSchema = z.object({ entries: z.array(trashEntrySchema) });

export const purgedSchema = z.object({ purged: z.int().nonnegative() });

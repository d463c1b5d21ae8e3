import { z } from 'zod';
import { limits } from '../limits.js';
import {
  cursorParamSchema,
  eventIdSchema,
  idSchema,
  pageLimitSchema,
  timestampSchema,
} from './common.js';

export const activityQuerySchema = z.strictObject({
  /** Entries before this seq (exclusive); omitted: from the latest. */
  before_seq: cursorParamSchema.optional(),
  limit: pageLimitSchema(limits.activityPageMax).optional(),
});
export type ActivityQuery = z.infer<typeof activityQuerySchema>;

export const fieldChangeSchema = z.object({
  field: z.string(),
  from: z.unknown(),
  to: z.unknown(),
});
export type FieldChange = z.infer<typeof fieldChangeSchema>;

/** One event of the log in human words (see describeEvent in core). */
export const activityEntrySchema = z.object({
  seq: z.int().positive(),
  event_id: eventIdSchema,
  type: z.string(),
  created_at: timestampSchema,
  actor: z.object({ id: idSchema, username: z.string().nullable() }),
  task_id: idSchema.nullable(),
  /** Markdown: card titles in *emphasis*, user text escaped. */
  text: z.string(),
  /** Which fields changed, before → after, where the event carries them. */
  changes: z.array(fieldChangeSchema),
});
export type ActivityEntry = z.infer<typeof activityEntrySchema>;

export const activityPageSchema = z.object({
  entries: z.array(activityEntrySchema),
  /** Pass as before_seq for older entries; null when there are none. */
  next_before_seq: z.int().positive().nullable(),
});
export type ActivityPage = z.infer<typeof activityPageSchema>;

import { z } from 'zod';
import { limits } from '../limits.js';
import { idSchema, textSchema, timestampSchema, versionSchema } from './common.js';

const titleSchema = textSchema.trim().min(1).max(limits.checklistTitleMax);

const placementShape = {
  /** The sibling this one goes just after. */
  after_id: idSchema.nullable().optional(),
  /** The sibling this one goes just before. */
  before_id: idSchema.nullable().optional(),
};

export const checklistItemSchema = z.object({
  id: idSchema,
  checklist_id: idSchema,
  task_id: idSchema,
  title: z.string(),
  done: z.boolean(),
  position: z.string().meta({ description: 'Fractional-index key within the checklist' }),
  /** Who ticked it, while done. */
  done_by: idSchema.nullable(),
  done_at: timestampSchema.nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type ChecklistItem = z.infer<typeof checklistItemSchema>;

export const checklistSchema = z.object({
  id: idSchema,
  task_id: idSchema,
  title: z.string(),
  position: z.string().meta({ description: 'Fractional-index key within the card' }),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type Checklist = z.infer<typeof checklistSchema>;

export const checklistWithItemsSchema = checklistSchema.extend({
  items: z.array(checklistItemSchema),
});
export type ChecklistWithItems = z.infer<typeof checklistWithItemsSchema>;

export const checklistListSchema = z.object({ checklists: z.array(checklistWithItemsSchema) });

export const createChecklistSchema = z.strictObject({
  title: titleSchema,
  /** Items to start with, in order. */
  items: z.array(titleSchema).max(limits.checklistItemsPerChecklist).optional(),
  ...placementShape,
});
export type CreateChecklistInput = z.infer<typeof createChecklistSchema>;

export const updateChecklistSchema = z.strictObject({
  title: titleSchema.optional(),
  version: versionSchema.optional(),
  ...placementShape,
});
export type UpdateChecklistInput = z.infer<typeof updateChecklistSchema>;

export const createChecklistItemSchema = z.strictObject({
  title: titleSchema,
  done: z.boolean().optional(),
  ...placementShape,
});
export type CreateChecklistItemInput = z.infer<typeof createChecklistItemSchema>;

export const updateChecklistItemSchema = z.strictObject({
  title: titleSchema.optional(),
  done: z.boolean().optional(),
  /** Move to another checklist of the same card (last, or between after_id/before_id there). */
  checklist_id: idSchema.optional(),
  version: versionSchema.optional(),
  ...placementShape,
});
export type UpdateChecklistItemInput = z.infer<typeof updateChecklistItemSchema>;

/** Turns an item into a card of its own; the item goes. Same column as its card unless named. */
export const convertChecklistItemSchema = z.strictObject({
  column_id: idSchema.optional(),
  version: versionSchema.optional(),
});
export type ConvertChecklistItemInput = z.infer<typeof convertChecklistItemSchema>;

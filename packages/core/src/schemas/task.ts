import { z } from 'zod';
import { limits } from '../limits.js';
import { idParamSchema, idSchema, timestampSchema, versionSchema, textSchema } from './common.js';

const titleSchema = textSchema.trim().min(1).max(limits.taskTitleMax);
const descriptionSchema = textSchema.max(limits.taskDescriptionMax);
const labelSchema = textSchema.trim().min(1).max(limits.labelMax);
const labelsSchema = z
  .array(labelSchema)
  .max(limits.labelsPerTask)
  .transform((labels) => [...new Set(labels)]);
const assigneesSchema = z
  .array(idSchema)
  .max(limits.assigneesPerTask)
  .transform((ids) => [...new Set(ids)]);
const dueAtSchema = timestampSchema.nullable();

export const taskSchema = z.object({
  id: idSchema,
  board_id: idSchema,
  column_id: idSchema,
  title: z.string(),
  description: z.string(),
  completed: z.boolean(),
  position: z
    .string()
    .meta({ description: 'Fractional-index key; tasks sort by it within a column' }),
  assignee_ids: z.array(idSchema),
  labels: z.array(z.string()),
  due_at: timestampSchema.nullable(),
  created_by: idSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type Task = z.infer<typeof taskSchema>;

/** Where to put a task: between named neighbours of the target column. */
const placementShape = {
  /** The task that will sit just above this one. */
  after_id: idSchema.nullable().optional(),
  /** The task that will sit just below this one. */
  before_id: idSchema.nullable().optional(),
};

export const createTaskSchema = z.strictObject({
  board_id: idSchema,
  title: titleSchema,
  description: descriptionSchema.optional(),
  column_id: idSchema.optional(),
  completed: z.boolean().optional(),
  /** For clients without accounts (open mode) to say who made the task; with accounts it must be the caller's own id. */
  created_by: idSchema.optional(),
  assignee_ids: assigneesSchema.optional(),
  labels: labelsSchema.optional(),
  due_at: dueAtSchema.optional(),
  ...placementShape,
});
export type CreateTaskInput = z.infer<typeof createTaskSchema>;

/** PUT and PATCH both take a partial task, so a client may PUT just {"completed": true}. */
export const updateTaskSchema = z.strictObject({
  title: titleSchema.optional(),
  description: descriptionSchema.optional(),
  completed: z.boolean().optional(),
  column_id: idSchema.optional(),
  assignee_ids: assigneesSchema.optional(),
  labels: labelsSchema.optional(),
  due_at: dueAtSchema.optional(),
  /** The version the client saw; stale → 409 with the current task. Same as If-Match. */
  version: versionSchema.optional(),
  ...placementShape,
});
export type UpdateTaskInput = z.infer<typeof updateTaskSchema>;

const booleanQuerySchema = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listTasksQuerySchema = z.strictObject({
  board_id: idParamSchema.optional(),
  column_id: idParamSchema.optional(),
  completed: booleanQuerySchema.optional(),
  page: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .optional(),
  page_size: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(limits.pageSizeMax))
    .optional(),
});
export type ListTasksQuery = z.infer<typeof listTasksQuerySchema>;

export const taskPageSchema = z.object({
  tasks: z.array(taskSchema),
  total_count: z.int().nonnegative(),
  page: z.int().positive(),
  page_size: z.int().positive(),
});
export type TaskPage = z.infer<typeof taskPageSchema>;

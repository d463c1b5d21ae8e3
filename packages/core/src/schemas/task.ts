import { z } from 'zod';
import { coverSchema } from './attachment.js';
import { limits } from '../limits.js';
import {
  idParamSchema,
  idSchema,
  isoDateSchema,
  pageLimitSchema,
  textSchema,
  timeOfDaySchema,
  timestampSchema,
  timeZoneSchema,
  versionSchema,
} from './common.js';
import { customFieldValuesInputSchema, customFieldValuesSchema } from './custom-field.js';
import { labelNameSchema } from './label.js';

const titleSchema = textSchema.trim().min(1).max(limits.taskTitleMax);
const descriptionSchema = textSchema.max(limits.taskDescriptionMax);
const labelNamesSchema = z
  .array(labelNameSchema)
  .max(limits.labelsPerTask)
  .transform((labels) => [...new Set(labels)]);
const labelIdsSchema = z
  .array(idSchema)
  .max(limits.labelsPerTask)
  .transform((ids) => [...new Set(ids)]);
const assigneesSchema = z
  .array(idSchema)
  .max(limits.assigneesPerTask)
  .transform((ids) => [...new Set(ids)]);
const dueAtSchema = timestampSchema.nullable();
const statusSchema = textSchema.trim().min(1).max(limits.columnTitleMax);

/** A due date as entered: the date, maybe a time, in a time zone (UTC when none). */
export const dueSchema = z.object({
  date: z.string().meta({ description: 'YYYY-MM-DD' }),
  time: z.string().nullable().meta({ description: 'HH:MM; null: due at the end of the day' }),
  time_zone: z.string().nullable().meta({ description: 'IANA zone; null: UTC' }),
});

export const dueInputSchema = z.strictObject({
  date: isoDateSchema,
  time: timeOfDaySchema.nullable().optional(),
  time_zone: timeZoneSchema.nullable().optional(),
});
export type DueInput = z.infer<typeof dueInputSchema>;

export const checklistProgressSchema = z.object({
  done: z.int().nonnegative(),
  total: z.int().nonnegative(),
});
export type ChecklistProgress = z.infer<typeof checklistProgressSchema>;

export const taskSchema = z.object({
  id: idSchema,
  board_id: idSchema,
  column_id: idSchema,
  /** The name of the task's column (seeds 000 and 002 call it status). */
  status: z.string(),
  title: z.string(),
  description: z.string(),
  completed: z.boolean(),
  position: z
    .string()
    .meta({ description: 'Fractional-index key; tasks sort by it within a column' }),
  assignee_ids: z.array(idSchema),
  /** The board labels on the task, by id (see the board's labels). */
  label_ids: z.array(idSchema),
  /** Their names, in the same order: read-only, follows renames. */
  labels: z.array(z.string()),
  /** The due instant (from `due`), for sorting and the overdue rule. */
  due_at: timestampSchema.nullable(),
  due: dueSchema.nullable(),
  start_date: z.string().nullable().meta({ description: 'YYYY-MM-DD' }),
  /** Custom field id → value; unset fields are absent. */
  custom_fields: customFieldValuesSchema,
  comment_count: z.int().nonnegative(),
  /** Checklist items done and in all, over the task's checklists. */
  checklist: checklistProgressSchema,
  attachment_count: z.int().nonnegative(),
  /** The image shown on the card face (the first image by default; chosen or removed by hand). */
  cover: coverSchema.nullable(),
  /** Set while archived: hidden from the board, listed under its archived cards. */
  archived_at: timestampSchema.nullable(),
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

/** Fields a create and an update share. */
const taskFieldsShape = {
  description: descriptionSchema.optional(),
  completed: z.boolean().optional(),
  /** Place the task in the column with this name (any case); 422 SB_ERR_UNKNOWN_STATUS if none. */
  status: statusSchema.optional(),
  assignee_ids: assigneesSchema.optional(),
  label_ids: labelIdsSchema.optional(),
  /** Label names: board labels of that name (any case), created when missing. */
  labels: labelNamesSchema.optional(),
  /** The due instant; older clients send it. Prefer `due`. */
  due_at: dueAtSchema.optional(),
  due: dueInputSchema.nullable().optional(),
  start_date: isoDateSchema.nullable().optional(),
  /** Field id → value (null clears); checked against the field's type. */
  custom_fields: customFieldValuesInputSchema.optional(),
};

interface Exclusive {
  column_id?: number | undefined;
  status?: string | undefined;
  labels?: string[] | undefined;
  label_ids?: number[] | undefined;
  due?: unknown;
  due_at?: unknown;
}

/** Pairs of fields that say the same thing two ways: send one of each. */
function oneOfEach(input: Exclusive, ctx: z.RefinementCtx) {
  const pairs: [keyof Exclusive, keyof Exclusive][] = [
    ['column_id', 'status'],
    ['label_ids', 'labels'],
    ['due', 'due_at'],
  ];
  for (const [a, b] of pairs) {
    if (input[a] !== undefined && input[b] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [b], message: `send ${a} or ${b}, not both` });
    }
  }
}

export const createTaskSchema = z
  .strictObject({
    board_id: idSchema,
    title: titleSchema,
    column_id: idSchema.optional(),
    /** For clients without accounts (open mode) to say who made the task; with accounts it must be the caller's own id. */
    created_by: idSchema.optional(),
    ...taskFieldsShape,
    ...placementShape,
  })
  .superRefine(oneOfEach);
export type CreateTaskInput = z.infer<typeof createTaskSchema>;

/**
 * Copy a card (to its own board: a duplicate) or move it to another board:
 * the target board, and optionally its column (by id or name) and place.
 */
export const transferTaskSchema = z
  .strictObject({
    board_id: idSchema,
    column_id: idSchema.optional(),
    status: statusSchema.optional(),
    /** A copy's title (default: the card's). */
    title: titleSchema.optional(),
    /** A copy takes the comments along unless false (checklists always come). */
    keep_comments: z.boolean().optional(),
    ...placementShape,
  })
  .superRefine((input, ctx) => {
    if (input.column_id !== undefined && input.status !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: 'send column_id or status, not both',
      });
    }
  });
export type TransferTaskInput = z.infer<typeof transferTaskSchema>;

/** PUT and PATCH both take a partial task, so a client may PUT just {"completed": true}. */
export const updateTaskSchema = z
  .strictObject({
    title: titleSchema.optional(),
    column_id: idSchema.optional(),
    ...taskFieldsShape,
    /** Archive (hide from the board) or restore. */
    archived: z.boolean().optional(),
    /** Choose the cover among the card's images; null removes it (no image becomes one by itself then). */
    cover_attachment_id: idSchema.nullable().optional(),
    /** The version the client saw; stale → 409 with the current task. Same as If-Match. */
    version: versionSchema.optional(),
    ...placementShape,
  })
  .superRefine(oneOfEach)
  .superRefine((input, ctx) => {
    const others = Object.keys(input).filter(
      (k) => k !== 'archived' && k !== 'version' && input[k as keyof typeof input] !== undefined,
    );
    if (input.archived !== undefined && others.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['archived'],
        message: `archive or restore on its own, not with ${others.join(', ')}`,
      });
    }
  });
export type UpdateTaskInput = z.infer<typeof updateTaskSchema>;

const booleanQuerySchema = z.enum(['true', 'false']).transform((v) => v === 'true');
const oneOrMany = z.union([z.string(), z.array(z.string()).max(20)]);

export const listTasksQuerySchema = z.strictObject({
  board_id: idParamSchema.optional(),
  column_id: idParamSchema.optional(),
  completed: booleanQuerySchema.optional(),
  /** Tasks in the column of this name (any case). */
  status: z.string().max(limits.columnTitleMax).optional(),
  /** Label id(s), comma-separated: tasks carrying all of them. */
  label: z
    .string()
    .regex(/^[1-9]\d{0,14}(,[1-9]\d{0,14}){0,19}$/, 'must be label ids separated by commas')
    .transform((s) => [...new Set(s.split(',').map(Number))])
    .optional(),
  /** `<field id>:<value>`, repeatable: text contains (any case), others equal; checkbox true/false. */
  field: oneOrMany.optional(),
  /** overdue or due_soon (see dueStatus in core). */
  due: z.enum(['overdue', 'due_soon']).optional(),
  /** false (default): cards on the board; true: archived ones (or in archived columns); all. */
  archived: z.enum(['true', 'false', 'all']).optional(),
  page: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .optional(),
  page_size: pageLimitSchema(limits.pageSizeMax).optional(),
});
export type ListTasksQuery = z.infer<typeof listTasksQuerySchema>;

export const taskPageSchema = z.object({
  tasks: z.array(taskSchema),
  total_count: z.int().nonnegative(),
  page: z.int().positive(),
  page_size: z.int().positive(),
});
export type TaskPage = z.infer<typeof taskPageSchema>;

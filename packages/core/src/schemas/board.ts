import { z } from 'zod';
import { limits } from '../limits.js';
import { columnSchema } from './column.js';
import { customFieldSchema } from './custom-field.js';
import { labelSchema } from './label.js';
import { idSchema, timestampSchema, versionSchema, textSchema } from './common.js';
import { memberSchema, roleSchema } from './member.js';
import { taskSchema } from './task.js';

const titleSchema = textSchema.trim().min(1).max(limits.boardTitleMax);

export const boardSchema = z.object({
  id: idSchema,
  title: z.string(),
  archived: z.boolean(),
  created_by: idSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
  /** Sequence number of the board's latest event. */
  seq: z.int().nonnegative(),
  /** The caller's role on the board. */
  role: roleSchema,
});
export type Board = z.infer<typeof boardSchema>;

/**
 * A board with everything on it: what GET /api/boards/:id and snapshots carry.
 * Archived columns and cards, and cards in the trash, are left out.
 */
export const boardDetailSchema = boardSchema.extend({
  columns: z.array(columnSchema),
  tasks: z.array(taskSchema),
  members: z.array(memberSchema),
  labels: z.array(labelSchema),
  custom_fields: z.array(customFieldSchema),
});
export type BoardDetail = z.infer<typeof boardDetailSchema>;

export const createBoardSchema = z.strictObject({
  title: titleSchema,
  /** Column titles to start with; default To do / In progress / Done. */
  columns: z.array(textSchema.trim().min(1).max(limits.columnTitleMax)).max(20).optional(),
});
export type CreateBoardInput = z.infer<typeof createBoardSchema>;

export const updateBoardSchema = z.strictObject({
  title: titleSchema.optional(),
  archived: z.boolean().optional(),
  version: versionSchema.optional(),
});
export type UpdateBoardInput = z.infer<typeof updateBoardSchema>;

export const listBoardsQuerySchema = z.strictObject({
  archived: z
    .enum(['true', 'false', 'all'])
    .optional()
    .meta({ description: 'false (default): active boards; true: archived; all: both' }),
});
export type ListBoardsQuery = z.infer<typeof listBoardsQuerySchema>;

export const boardListSchema = z.object({ boards: z.array(boardSchema) });

export const defaultColumnTitles = ['To do', 'In progress', 'Done'] as const;

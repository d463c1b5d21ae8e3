import { z } from 'zod';
import { limits } from '../limits.js';
import { idSchema, timestampSchema, versionSchema, textSchema } from './common.js';

const titleSchema = textSchema.trim().min(1).max(limits.columnTitleMax);
const wipLimitSchema = z.int().min(1).max(limits.wipLimitMax).nullable();

export const columnSchema = z.object({
  id: idSchema,
  board_id: idSchema,
  title: z.string(),
  position: z.string(),
  wip_limit: z.int().nullable(),
  /** Set while archived: the column and its cards are hidden from the board. */
  archived_at: timestampSchema.nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type Column = z.infer<typeof columnSchema>;

export const createColumnSchema = z.strictObject({
  title: titleSchema,
  wip_limit: wipLimitSchema.optional(),
  /** Place after this column; omitted with before_id too, the column goes last. */
  after_id: idSchema.nullable().optional(),
  before_id: idSchema.nullable().optional(),
});
export type CreateColumnInput = z.infer<typeof createColumnSchema>;

export const updateColumnSchema = z
  .strictObject({
    title: titleSchema.optional(),
    wip_limit: wipLimitSchema.optional(),
    /** Reorder: name the neighbour(s) the column should sit between. */
    after_id: idSchema.nullable().optional(),
    before_id: idSchema.nullable().optional(),
    /** Archive (hide with its cards) or restore. */
    archived: z.boolean().optional(),
    version: versionSchema.optional(),
  })
  .refine(
    (input) =>
      input.archived === undefined ||
      Object.entries(input).every(
        ([k, v]) => v === undefined || k === 'archived' || k === 'version',
      ),
    { path: ['archived'], message: 'archive or restore on its own' },
  );
export type UpdateColumnInput = z.infer<typeof updateColumnSchema>;

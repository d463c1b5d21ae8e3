import { z } from 'zod';
import { labelColors } from '../label-palette.js';
import { limits } from '../limits.js';
import { idSchema, textSchema, timestampSchema, versionSchema } from './common.js';

export const labelColorSchema = z.enum(labelColors);
export const labelNameSchema = textSchema.trim().min(1).max(limits.labelMax);

/** A board's label; tasks refer to it by id, so a rename or recolour shows everywhere at once. */
export const labelSchema = z.object({
  id: idSchema,
  board_id: idSchema,
  name: z.string(),
  color: labelColorSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type Label = z.infer<typeof labelSchema>;

export const createLabelSchema = z.strictObject({
  name: labelNameSchema,
  /** Default: the palette colour the board uses least. */
  color: labelColorSchema.optional(),
});
export type CreateLabelInput = z.infer<typeof createLabelSchema>;

export const updateLabelSchema = z.strictObject({
  name: labelNameSchema.optional(),
  color: labelColorSchema.optional(),
  version: versionSchema.optional(),
});
export type UpdateLabelInput = z.infer<typeof updateLabelSchema>;

export const labelListSchema = z.object({ labels: z.array(labelSchema) });

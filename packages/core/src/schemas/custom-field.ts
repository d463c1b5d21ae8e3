import { z } from 'zod';
import { limits } from '../limits.js';
import { idSchema, textSchema, timestampSchema, versionSchema } from './common.js';
import { labelColorSchema } from './label.js';

export const customFieldTypes = ['text', 'number', 'date', 'single_select', 'checkbox'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

const fieldNameSchema = textSchema.trim().min(1).max(limits.customFieldNameMax);
const optionNameSchema = textSchema.trim().min(1).max(limits.labelMax);
/** Option ids are short strings the server assigns ("1", "2", …), stable across renames. */
const optionIdSchema = z.string().regex(/^[1-9]\d{0,5}$/, 'must be an option id such as "3"');

export const selectOptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: labelColorSchema.nullable(),
});
export type SelectOption = z.infer<typeof selectOptionSchema>;

/** A board-level field every card of the board may fill in. */
export const customFieldSchema = z.object({
  id: idSchema,
  board_id: idSchema,
  name: z.string(),
  type: z.enum(customFieldTypes),
  /** single_select only: the choices; values refer to an option's id. */
  options: z.array(selectOptionSchema),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
});
export type CustomField = z.infer<typeof customFieldSchema>;

const optionInputSchema = z.strictObject({
  /** An existing option's id (keep, rename or recolour it); omit for a new option. */
  id: optionIdSchema.optional(),
  name: optionNameSchema,
  color: labelColorSchema.nullable().optional(),
});
export type SelectOptionInput = z.infer<typeof optionInputSchema>;

const optionsInputSchema = z.array(optionInputSchema).max(limits.customFieldOptionsMax);

export const createCustomFieldSchema = z.strictObject({
  name: fieldNameSchema,
  type: z.enum(customFieldTypes),
  options: optionsInputSchema.optional(),
});
export type CreateCustomFieldInput = z.infer<typeof createCustomFieldSchema>;

/** The type cannot change (values would not fit); options replace the list, keeping ids given. */
export const updateCustomFieldSchema = z.strictObject({
  name: fieldNameSchema.optional(),
  options: optionsInputSchema.optional(),
  version: versionSchema.optional(),
});
export type UpdateCustomFieldInput = z.infer<typeof updateCustomFieldSchema>;

export const customFieldListSchema = z.object({ custom_fields: z.array(customFieldSchema) });

/** A stored value: text, number, date (YYYY-MM-DD), option id, or true (checked). */
export const customFieldValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export type CustomFieldValue = z.infer<typeof customFieldValueSchema>;

/** Field id (as a string key) → value. Unset fields are absent. */
export const customFieldValuesSchema = z.record(z.string(), customFieldValueSchema);
export type CustomFieldValues = z.infer<typeof customFieldValuesSchema>;

/** What a write sends: field id → new value, or null to clear it. Checked by type in core. */
export const customFieldValuesInputSchema = z
  .record(
    z.string().regex(/^[1-9]\d{0,14}$/, 'keys must be custom field ids'),
    z.union([
      textSchema.max(limits.customFieldTextMax),
      z.number().refine(Number.isFinite, 'must be finite'),
      z.boolean(),
      z.null(),
    ]),
  )
  .refine((r) => Object.keys(r).length <= limits.customFieldsPerBoard, 'too many fields');
export type CustomFieldValuesInput = z.infer<typeof customFieldValuesInputSchema>;

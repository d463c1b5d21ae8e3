import { sbError } from './errors.js';
import type { LabelColor } from './label-palette.js';
import { isoDateSchema } from './schemas/common.js';
import type {
  CustomField,
  CustomFieldType,
  CustomFieldValue,
  CustomFieldValues,
  CustomFieldValuesInput,
  SelectOption,
  SelectOptionInput,
} from './schemas/custom-field.js';

/**
 * Custom-field rules: which options a single-select keeps, and whether a
 * value fits its field. The API applies them before writing; the reducer
 * applies `keepValidValues` to stay equal to the server after a field changes.
 */

function validation(path: string, message: string): never {
  throw sbError('SB_ERR_VALIDATION', `${path}: ${message}`, { issues: [{ path, message }] });
}

/**
 * The option list after a create or update: options named by id keep it, new
 * ones get the next free id. Only single_select fields have options.
 */
export function resolveOptions(
  type: CustomFieldType,
  existing: readonly SelectOption[],
  incoming: readonly SelectOptionInput[] | undefined,
): SelectOption[] {
  if (incoming === undefined) return [...existing];
  if (type !== 'single_select' && incoming.length > 0) {
    validation('body.options', `only single_select fields have options, not ${type}`);
  }
  const known = new Map(existing.map((o) => [o.id, o]));
  let next = Math.max(0, ...existing.map((o) => Number(o.id))) + 1;
  const names = new Set<string>();
  const seenIds = new Set<string>();
  return incoming.map((option, i) => {
    const key = option.name.toLowerCase();
    if (names.has(key)) validation(`body.options.${i}.name`, 'option names must be unique');
    names.add(key);
    let id: string;
    if (option.id !== undefined) {
      if (!known.has(option.id) || seenIds.has(option.id)) {
        validation(`body.options.${i}.id`, `${option.id} is not an option of this field`);
      }
      id = option.id;
    } else {
      id = String(next++);
    }
    seenIds.add(id);
    const color: LabelColor | null =
      option.color !== undefined ? option.color : (known.get(id)?.color ?? null);
    return { id, name: option.name, color };
  });
}

function invalid(field: CustomField, value: unknown, expected: string): never {
  throw sbError('SB_ERR_INVALID_FIELD_VALUE', `${field.name} (${field.type}) needs ${expected}.`, {
    field_id: field.id,
    value,
  });
}

/**
 * One value checked against its field; returns what is stored, or undefined
 * to clear it (empty text, an unticked checkbox). A single-select takes an
 * option's id or, for convenience, its name (any case).
 */
export function normalizeFieldValue(
  field: CustomField,
  value: string | number | boolean,
): CustomFieldValue | undefined {
  switch (field.type) {
    case 'text':
      if (typeof value !== 'string') return invalid(field, value, 'text');
      return value.trim() === '' ? undefined : value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return invalid(field, value, 'a number');
      }
      return value;
    case 'date':
      if (typeof value !== 'string' || !isoDateSchema.safeParse(value).success) {
        return invalid(field, value, 'a date as YYYY-MM-DD');
      }
      return value;
    case 'checkbox':
      if (typeof value !== 'boolean') return invalid(field, value, 'true or false');
      return value ? true : undefined;
    case 'single_select': {
      if (typeof value !== 'string') return invalid(field, value, 'one of its options');
      const option =
        field.options.find((o) => o.id === value) ??
        field.options.find((o) => o.name.toLowerCase() === value.toLowerCase());
      if (!option) {
        return invalid(field, value, `one of: ${field.options.map((o) => o.name).join(', ')}`);
      }
      return option.id;
    }
  }
}

/** A task's values after a write: given fields set or cleared (null), the rest kept. */
export function applyFieldValues(
  fields: readonly CustomField[],
  current: CustomFieldValues,
  input: CustomFieldValuesInput,
): CustomFieldValues {
  const byId = new Map(fields.map((f) => [String(f.id), f]));
  const next: CustomFieldValues = { ...current };
  for (const [key, value] of Object.entries(input)) {
    const field = byId.get(key);
    if (!field) throw sbError('SB_ERR_UNKNOWN_FIELD', undefined, { field_id: Number(key) });
    const stored = value === null ? undefined : normalizeFieldValue(field, value);
    if (stored === undefined) delete next[key];
    else next[key] = stored;
  }
  return next;
}

/**
 * Values that still fit after a field changed or went: a deleted field's value
 * and a single-select value whose option was removed are dropped. The API
 * does the same in SQL, so clients and server agree without an event per task.
 */
export function keepValidValues(
  values: CustomFieldValues,
  fieldId: number,
  field: CustomField | undefined,
): CustomFieldValues {
  const key = String(fieldId);
  if (!(key in values)) return values;
  if (
    field &&
    (field.type !== 'single_select' || field.options.some((o) => o.id === values[key]))
  ) {
    return values;
  }
  const next = { ...values };
  delete next[key];
  return next;
}

/** `?field=<id>:<value>` of GET /api/tasks. */
export interface FieldFilter {
  fieldId: number;
  value: string;
}

export function parseFieldFilter(raw: string): FieldFilter | undefined {
  const match = /^([1-9]\d{0,14}):(.*)$/s.exec(raw);
  if (!match) return undefined;
  return { fieldId: Number(match[1]), value: match[2]! };
}

export function sameFieldValues(a: CustomFieldValues, b: CustomFieldValues): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

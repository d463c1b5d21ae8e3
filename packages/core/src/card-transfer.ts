import type { CustomField, CustomFieldValues } from './schemas/custom-field.js';

type FieldShape = Pick<CustomField, 'id' | 'name' | 'type' | 'options'>;

/**
 * A card's custom-field values as they land on another board: each value
 * goes to the target's field of the same name (any case) and type; a
 * single-select value to the option of the same name. What has no
 * counterpart is left behind — the target board's fields are its owners'.
 */
export function mapFieldValues(
  values: CustomFieldValues,
  from: readonly FieldShape[],
  to: readonly FieldShape[],
): CustomFieldValues {
  const targets = new Map(to.map((f) => [`${f.type}:${f.name.trim().toLowerCase()}`, f]));
  const out: CustomFieldValues = {};
  for (const source of from) {
    const value = values[String(source.id)];
    if (value === undefined) continue;
    const target = targets.get(`${source.type}:${source.name.trim().toLowerCase()}`);
    if (!target) continue;
    if (source.type === 'single_select') {
      const name = source.options
        .find((o) => o.id === value)
        ?.name.trim()
        .toLowerCase();
      const option = target.options.find((o) => o.name.trim().toLowerCase() === name);
      if (option) out[String(target.id)] = option.id;
      continue;
    }
    out[String(target.id)] = value;
  }
  return out;
}

/**
 * Label names of a card, in order and once each (any case), for a board
 * that resolves them by name (creating the ones it lacks).
 */
export function labelNamesToCarry(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    const key = name.trim().toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(name.trim());
  }
  return out;
}

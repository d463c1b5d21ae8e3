import type { CustomField, CustomFieldValue } from '@switchboard/core';
import { shortDate } from './format';

/** A field's value as text (select options by name, dates short, checkbox as a tick). */
export function fieldValueText(field: CustomField, value: CustomFieldValue | undefined): string {
  if (value === undefined) return '';
  switch (field.type) {
    case 'single_select':
      return field.options.find((o) => o.id === String(value))?.name ?? '';
    case 'checkbox':
      return value === true ? '✓' : '';
    case 'date':
      return typeof value === 'string' ? shortDate(`${value}T12:00:00`) : '';
    default:
      return String(value);
  }
}

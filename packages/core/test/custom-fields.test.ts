import { describe, expect, it } from 'vitest';
import {
  applyFieldValues,
  type CodedError,
  type CustomField,
  keepValidValues,
  parseFieldFilter,
  resolveOptions,
} from '../src/index.js';

const at = '2026-12-01T00:00:00.000Z';
const field = (id: number, type: CustomField['type'], extra: Partial<CustomField> = {}) =>
  ({
    id,
    board_id: 1,
    name: `F${id}`,
    type,
    options: [],
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  }) satisfies CustomField;

const priority = field(4, 'single_select', {
  name: 'Priority',
  options: [
    { id: '1', name: 'High', color: 'red' },
    { id: '2', name: 'Low', color: null },
  ],
});
const fields = [
  field(1, 'text'),
  field(2, 'number'),
  field(3, 'date'),
  priority,
  field(5, 'checkbox'),
];

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as CodedError).code;
  }
}

describe('custom field values', () => {
  it('keeps values that fit their type, normalised', () => {
    expect(
      applyFieldValues(
        fields,
        { '1': 'old' },
        {
          '2': 2.5,
          '3': '2026-12-24',
          '4': 'high',
          '5': true,
        },
      ),
    ).toEqual({ '1': 'old', '2': 2.5, '3': '2026-12-24', '4': '1', '5': true });
  });

  it('null, empty text and an unticked box clear a value', () => {
    expect(
      applyFieldValues(
        fields,
        { '1': 'x', '2': 3, '5': true },
        { '1': '  ', '2': null, '5': false },
      ),
    ).toEqual({});
  });

  it('refuses values of the wrong type and unknown fields', () => {
    expect(code(() => applyFieldValues(fields, {}, { '2': 'ten' }))).toBe(
      'SB_ERR_INVALID_FIELD_VALUE',
    );
    expect(code(() => applyFieldValues(fields, {}, { '3': '2026-02-30' }))).toBe(
      'SB_ERR_INVALID_FIELD_VALUE',
    );
    expect(code(() => applyFieldValues(fields, {}, { '4': 'Medium' }))).toBe(
      'SB_ERR_INVALID_FIELD_VALUE',
    );
    expect(code(() => applyFieldValues(fields, {}, { '5': 'yes' }))).toBe(
      'SB_ERR_INVALID_FIELD_VALUE',
    );
    expect(code(() => applyFieldValues(fields, {}, { '1': 7 }))).toBe('SB_ERR_INVALID_FIELD_VALUE');
    expect(code(() => applyFieldValues(fields, {}, { '99': 'x' }))).toBe('SB_ERR_UNKNOWN_FIELD');
  });

  it('options keep their ids across renames; new ones get the next id', () => {
    const next = resolveOptions('single_select', priority.options, [
      { id: '2', name: 'Lowest' },
      { name: 'Medium', color: 'yellow' },
    ]);
    expect(next).toEqual([
      { id: '2', name: 'Lowest', color: null },
      { id: '3', name: 'Medium', color: 'yellow' },
    ]);
    expect(code(() => resolveOptions('single_select', [], [{ id: '9', name: 'x' }]))).toBe(
      'SB_ERR_VALIDATION',
    );
    expect(code(() => resolveOptions('single_select', [], [{ name: 'a' }, { name: 'A' }]))).toBe(
      'SB_ERR_VALIDATION',
    );
    expect(code(() => resolveOptions('text', [], [{ name: 'a' }]))).toBe('SB_ERR_VALIDATION');
  });

  it('drops values a changed or deleted field no longer allows', () => {
    const values = { '4': '1', '1': 'keep' };
    const withoutHigh = { ...priority, options: [priority.options[1]!] };
    expect(keepValidValues(values, 4, priority)).toBe(values);
    expect(keepValidValues(values, 4, withoutHigh)).toEqual({ '1': 'keep' });
    expect(keepValidValues(values, 1, undefined)).toEqual({ '4': '1' });
  });

  it('parses id:value filters', () => {
    expect(parseFieldFilter('12:a:b')).toEqual({ fieldId: 12, value: 'a:b' });
    expect(parseFieldFilter('x:1')).toBeUndefined();
  });
});

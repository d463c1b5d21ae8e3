import { describe, expect, it } from 'vitest';
import { labelNamesToCarry, mapFieldValues } from '../src/card-transfer.js';

const field = (
  id: number,
  name: string,
  type: 'text' | 'number' | 'date' | 'single_select' | 'checkbox',
  options: { id: string; name: string }[] = [],
) => ({ id, name, type, options: options.map((o) => ({ ...o, color: null })) });

describe('a card carried to another board', () => {
  it('keeps values of fields with the same name and type, select options by name', () => {
    const from = [
      field(1, 'Estimate', 'number'),
      field(2, 'Priority', 'single_select', [
        { id: '1', name: 'High' },
        { id: '2', name: 'Low' },
      ]),
      field(3, 'Owner team', 'text'),
      field(4, 'Due review', 'date'),
      field(5, 'Risky', 'checkbox'),
    ];
    const to = [
      field(10, 'estimate', 'number'),
      field(11, 'Priority', 'single_select', [
        { id: '7', name: 'low' },
        { id: '8', name: 'high' },
      ]),
      field(12, 'Owner team', 'number'), // same name, other type: not carried
      field(13, 'Risky', 'checkbox'),
    ];
    expect(
      mapFieldValues({ '1': 3, '2': '1', '3': 'web', '4': '2026-12-24', '5': true }, from, to),
    ).toEqual({ '10': 3, '11': '8', '13': true });
  });

  it('drops a select value whose option the target lacks', () => {
    const from = [field(1, 'Stage', 'single_select', [{ id: '1', name: 'Beta' }])];
    const to = [field(2, 'Stage', 'single_select', [{ id: '1', name: 'GA' }])];
    expect(mapFieldValues({ '1': '1' }, from, to)).toEqual({});
  });

  it('carries label names once each, in order', () => {
    expect(labelNamesToCarry(['Bug', ' ux ', 'bug', 'UX', ''])).toEqual(['Bug', 'ux']);
  });
});

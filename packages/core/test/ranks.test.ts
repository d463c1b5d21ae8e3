import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodedError, compareRanks, initialRanks, rankBetween } from '../src/index.js';

describe('ranks', () => {
  it('initial ranks are strictly increasing', () => {
    const ranks = initialRanks(10);
    for (let i = 1; i < ranks.length; i++) expect(ranks[i - 1]! < ranks[i]!).toBe(true);
  });

  it('a key between two neighbours sorts strictly between them', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 200 }), (picks) => {
        // Insert repeatedly at random gaps; the list must stay strictly ordered.
        const list: string[] = [];
        for (const pick of picks) {
          const at = pick % (list.length + 1);
          const key = rankBetween(list[at - 1] ?? null, list[at] ?? null);
          list.splice(at, 0, key);
        }
        for (let i = 1; i < list.length; i++) expect(compareRanks(list[i - 1]!, list[i]!)).toBe(-1);
        expect(new Set(list).size).toBe(list.length);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses neighbours out of order with a coded error', () => {
    const [a, b] = initialRanks(2) as [string, string];
    expect(() => rankBetween(b, a)).toThrow(CodedError);
    expect(() => rankBetween(a, a)).toThrowError(/not in order/);
  });
});

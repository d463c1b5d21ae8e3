import { describe, expect, it } from 'vitest';
import { wipLimitReached, wipState } from '../src/wip-limit.js';

describe('a column’s WIP limit', () => {
  it('refuses one more card only once the count reaches the limit', () => {
    expect(wipLimitReached(0, null)).toBe(false);
    expect(wipLimitReached(10_000, null)).toBe(false);
    expect(wipLimitReached(2, 3)).toBe(false);
    expect(wipLimitReached(3, 3)).toBe(true);
    expect(wipLimitReached(5, 3)).toBe(true);
  });

  it('says ok, at or over', () => {
    expect(wipState(4, null)).toBe('ok');
    expect(wipState(2, 3)).toBe('ok');
    expect(wipState(3, 3)).toBe('at');
    expect(wipState(4, 3)).toBe('over');
  });
});

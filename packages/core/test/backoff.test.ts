import { describe, expect, it } from 'vitest';
import { backoffDelay, mulberry32 } from '../src/index.js';

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1_000 }));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('stays at the cap however many attempts (no overflow to Infinity or NaN)', () => {
    expect(backoffDelay(5_000, { baseMs: 100, maxMs: 30_000 })).toBe(30_000);
    expect(backoffDelay(-3, { baseMs: 100, maxMs: 30_000 })).toBe(100);
  });

  it('equal jitter keeps half of the delay and randomises the rest', () => {
    const at = (r: number) =>
      backoffDelay(3, { baseMs: 500, maxMs: 15_000, jitter: 0.5, random: () => r });
    expect(at(0)).toBe(2_000);
    expect(at(0.5)).toBe(3_000);
    expect(at(0.999_999)).toBe(4_000);
  });

  it('full jitter may go down to zero', () => {
    expect(backoffDelay(2, { baseMs: 100, maxMs: 1_000, jitter: 1, random: () => 0 })).toBe(0);
  });
});

describe('mulberry32', () => {
  it('replays the same numbers from the same seed, in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(first[0]);
  });

  it('is the published mulberry32 (first value of seed 1)', () => {
    // Reference value of the widely used JavaScript mulberry32 for seed 1.
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
  });
});

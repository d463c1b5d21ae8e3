import { describe, expect, it } from 'vitest';
import { strategyFrom } from '../src/admin/admin-api';
import { appendSample, latestTotal, rates, type Sample, timeWindow } from '../src/admin/rates';

const sample = (t: number, totals: Record<string, number>): Sample => ({ t, totals, classes: {} });

describe('admin rate maths', () => {
  it('turns cumulative counters into per-second rates between samples', () => {
    const samples = [
      sample(100, { a: 10, b: 0 }),
      sample(102, { a: 30, b: 4 }),
      sample(106, { a: 30, b: 16 }),
    ];
    expect(rates(samples, ['a', 'b'], (s) => s.totals)).toEqual([
      [102, 106],
      [10, 0],
      [2, 3],
    ]);
  });

  it('reads a counter that went down (backend re-added, proxy restarted) as 0, not negative', () => {
    const data = rates([sample(0, { a: 50 }), sample(1, { a: 5 })], ['a'], (s) => s.totals);
    expect(data[1]).toEqual([0]);
  });

  it('counts a backend missing from one sample as 0 there', () => {
    const data = rates([sample(0, {}), sample(2, { new: 8 })], ['new'], (s) => s.totals);
    expect(data[1]).toEqual([4]);
  });

  it('sums the latest rates, and has none before two samples', () => {
    expect(latestTotal(rates([sample(0, { a: 1 })], ['a'], (s) => s.totals))).toBeNull();
    expect(
      latestTotal([
        [1, 2],
        [5, 1.5],
        [0, 2],
      ]),
    ).toBe(3.5);
  });

  it('keeps the newest samples only', () => {
    let samples: Sample[] = [];
    for (let t = 0; t < 5; t++) samples = appendSample(samples, sample(t, {}), 3);
    expect(samples.map((s) => s.t)).toEqual([2, 3, 4]);
  });

  it('spans "now" while there is no data, instead of an auto-scaled range of years', () => {
    expect(timeWindow([], 300, 1_000_000)).toEqual([999_700, 1_000_000]);
    expect(timeWindow([999_990], 300, 1_000_000)).toEqual([999_700, 1_000_000]);
    expect(timeWindow([10, 20, 400], 300, 1_000_000)).toEqual([100, 400]);
    expect(timeWindow([10, 20], 300, 1_000_000)).toEqual([10, 20]);
  });
});

describe('the strategy list', () => {
  it('offers what the proxy says it has, and the current one', () => {
    expect(strategyFrom({ name: 'p2c', available: ['p2c', 'maglev'] }).available).toEqual([
      'p2c',
      'maglev',
    ]);
    expect(strategyFrom({ name: 'new-one', available: ['p2c'] }).available).toEqual([
      'p2c',
      'new-one',
    ]);
  });

  it('falls back to the known names when the proxy sends no list', () => {
    const info = strategyFrom({ pool: 'api', name: 'random' });
    expect(info.pool).toBe('api');
    expect(info.available).toContain('round-robin');
    expect(info.available).toContain('random');
  });
});

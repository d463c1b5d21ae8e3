import { describe, expect, it } from 'vitest';
import { dueInstant, duePartsFromInstant, dueStatus, limits } from '../src/index.js';

describe('due dates', () => {
  it('turns a wall-clock time in a zone into the instant, across daylight saving', () => {
    expect(dueInstant({ date: '2026-01-15', time: '17:00', time_zone: 'Europe/Berlin' })).toBe(
      '2026-01-15T16:00:00.000Z',
    );
    expect(dueInstant({ date: '2026-07-15', time: '17:00', time_zone: 'Europe/Berlin' })).toBe(
      '2026-07-15T15:00:00.000Z',
    );
    expect(dueInstant({ date: '2026-03-08', time: '09:30', time_zone: 'America/New_York' })).toBe(
      '2026-03-08T13:30:00.000Z',
    );
    expect(dueInstant({ date: '2026-12-24', time: '08:00:30', time_zone: null })).toBe(
      '2026-12-24T08:00:30.000Z',
    );
  });

  it('a date without a time is due at the end of that day in its zone', () => {
    expect(dueInstant({ date: '2026-12-24', time: null, time_zone: 'Asia/Tokyo' })).toBe(
      '2026-12-24T14:59:59.999Z',
    );
    expect(dueInstant({ date: '2026-12-24', time: null, time_zone: null })).toBe(
      '2026-12-24T23:59:59.999Z',
    );
  });

  it('an instant from an older client round-trips through its UTC parts', () => {
    for (const iso of [
      '2026-12-24T17:30:00.000Z',
      '2026-12-24T17:30:05.000Z',
      '2026-12-24T17:30:05.123Z',
    ]) {
      expect(dueInstant(duePartsFromInstant(iso))).toBe(iso);
    }
    expect(duePartsFromInstant('2026-12-24T17:30:00.000Z')).toEqual({
      date: '2026-12-24',
      time: '17:30',
      time_zone: null,
    });
  });

  it('overdue, due soon, upcoming, done', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    const soon = limits.dueSoonHours * 3_600_000;
    expect(dueStatus({ due_at: null, completed: false }, now)).toBeNull();
    expect(dueStatus({ due_at: at(-1), completed: false }, now)).toBe('overdue');
    expect(dueStatus({ due_at: at(-1), completed: true }, now)).toBe('done');
    expect(dueStatus({ due_at: at(0), completed: false }, now)).toBe('due_soon');
    expect(dueStatus({ due_at: at(soon - 1), completed: false }, now)).toBe('due_soon');
    expect(dueStatus({ due_at: at(soon), completed: false }, now)).toBe('upcoming');
  });
});

import { limits } from './limits.js';

/**
 * Due dates as people enter them — a calendar date, maybe a time, in their
 * time zone — and the instant that means, which is what sorting and the
 * overdue and due-soon rules use. A date without a time is due at the end of
 * that day in its zone. Pure: Intl only.
 */
export interface DueParts {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM (or with seconds); null: all day. */
  time: string | null;
  /** IANA zone; null: UTC. */
  time_zone: string | null;
}

function wallClock(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
    ((utcMs % 1000) + 1000) % 1000,
  );
}

/** The zone's offset from UTC at that instant, in ms (Berlin in winter: +3 600 000). */
function offsetAt(utcMs: number, timeZone: string): number {
  return wallClock(utcMs, timeZone) - utcMs;
}

/** The instant (ISO, UTC) of a wall-clock date and time in a zone. */
export function dueInstant(due: DueParts): string {
  const [y, m, d] = due.date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss] = (due.time ?? '23:59:59.999').split(':') as [string, string, string?];
  const seconds = Number(ss ?? '0');
  const local = Date.UTC(
    y,
    m - 1,
    d,
    Number(hh),
    Number(mm),
    Math.floor(seconds),
    Math.round((seconds % 1) * 1000),
  );
  const zone = due.time_zone ?? 'UTC';
  if (zone === 'UTC') return new Date(local).toISOString();
  // Two passes settle the offset across a daylight-saving change; a wall time
  // that a spring-forward skips lands one offset later, as calendars do.
  const first = local - offsetAt(local, zone);
  const second = local - offsetAt(first, zone);
  return new Date(second).toISOString();
}

/** An instant given as due_at (older clients), as a UTC date and time. */
export function duePartsFromInstant(iso: string): DueParts {
  const text = new Date(iso).toISOString();
  const time = text.slice(11, 23);
  return {
    date: text.slice(0, 10),
    time: time.endsWith(':00.000')
      ? time.slice(0, 5)
      : time.endsWith('.000')
        ? time.slice(0, 8)
        : time,
    time_zone: null,
  };
}

export type DueStatus = 'overdue' | 'due_soon' | 'upcoming' | 'done';

/**
 * The chip a card shows: done once completed, overdue past its due instant,
 * due soon within limits.dueSoonHours of it, otherwise upcoming; null without
 * a due date.
 */
export function dueStatus(
  task: { due_at: string | null; completed: boolean },
  now: number | Date = Date.now(),
): DueStatus | null {
  if (task.due_at === null) return null;
  if (task.completed) return 'done';
  const at = Date.parse(task.due_at);
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (at < nowMs) return 'overdue';
  if (at < nowMs + limits.dueSoonHours * 3_600_000) return 'due_soon';
  return 'upcoming';
}

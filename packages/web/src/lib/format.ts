const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

const dateFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function shortDate(iso: string): string {
  return dateFmt.format(new Date(iso));
}

export function fullDate(iso: string): string {
  return fullFmt.format(new Date(iso));
}

export type DueState = 'overdue' | 'soon' | 'later' | 'done';

export function dueState(dueAt: string, completed: boolean, now = Date.now()): DueState {
  if (completed) return 'done';
  const ms = Date.parse(dueAt) - now;
  if (ms < 0) return 'overdue';
  if (ms < 2 * 24 * 3600 * 1000) return 'soon';
  return 'later';
}

/** <input type="date"> value ↔ due_at: a date means the end of that day, local time. */
export function dueToDateInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function dateInputToDue(value: string): string | null {
  if (!value) return null;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 23, 59, 0).toISOString();
}

/** Stable colour slot (0–7) for a name: avatars, backend chips, labels. */
export function colorSlot(name: string, slots = 8): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % slots;
}

export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0]![0]! + parts[1]![0]! : name.slice(0, 2);
  return letters.toUpperCase();
}

import {
  type CustomField,
  type DueStatus,
  dueStatus,
  type Member,
  type Task,
} from '@switchboard/core';
import { fieldValueText } from './field-text';

/**
 * The board filter: words match a task's title, labels or assignees;
 * `#bug` or `label:bug` (`label:"needs review"`) a label, `@ann` an assignee,
 * `is:done` / `is:open` the state, `due:overdue` / `due:soon` / `has:due` the
 * due date (core's dueStatus), `field:name=value` a custom field's value
 * (contains, any case). Every term must match.
 */
export interface TaskFilter {
  words: string[];
  labels: string[];
  people: string[];
  done: boolean | null;
  due: (DueStatus | 'any')[];
  fields: { field: CustomField; value: string }[];
}

/** Terms split on spaces, except inside double quotes (which are dropped). */
function terms(query: string): string[] {
  return [...query.toLowerCase().matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) =>
    m[0].replace(/"/g, ''),
  );
}

export function parseFilter(query: string, fields: readonly CustomField[] = []): TaskFilter | null {
  const filter: TaskFilter = {
    words: [],
    labels: [],
    people: [],
    done: null,
    due: [],
    fields: [],
  };
  for (const raw of terms(query)) {
    if (!raw) continue;
    const field = /^field:(.+?)=(.*)$/.exec(raw);
    if (field) {
      const def = fields.find((f) => f.name.toLowerCase() === field[1]);
      if (def) {
        filter.fields.push({ field: def, value: field[2] ?? '' });
        continue;
      }
    }
    if (raw === 'due:overdue') filter.due.push('overdue');
    else if (raw === 'due:soon') filter.due.push('due_soon');
    else if (raw === 'has:due') filter.due.push('any');
    else if (raw.startsWith('#') && raw.length > 1) filter.labels.push(raw.slice(1));
    else if (raw.startsWith('label:') && raw.length > 6) filter.labels.push(raw.slice(6));
    else if (raw.startsWith('@') && raw.length > 1) filter.people.push(raw.slice(1));
    else if (raw === 'is:done' || raw === 'is:completed') filter.done = true;
    else if (raw === 'is:open' || raw === 'is:todo') filter.done = false;
    else filter.words.push(raw);
  }
  const empty =
    filter.words.length +
      filter.labels.length +
      filter.people.length +
      filter.due.length +
      filter.fields.length ===
      0 && filter.done === null;
  return empty ? null : filter;
}

export function matchesFilter(
  filter: TaskFilter,
  task: Task,
  members: Readonly<Record<number, Member>>,
): boolean {
  if (filter.done !== null && task.completed !== filter.done) return false;
  if (filter.due.length > 0) {
    const status = dueStatus(task);
    for (const want of filter.due) {
      if (want === 'any' ? status === null : status !== want) return false;
    }
  }
  for (const { field, value } of filter.fields) {
    if (field.type === 'checkbox') {
      const want = value === 'true' || value === 'yes' || value === '✓';
      if ((task.custom_fields[String(field.id)] === true) !== want) return false;
      continue;
    }
    const text = fieldValueText(field, task.custom_fields[String(field.id)]).toLowerCase();
    if (value === '' ? text === '' : !text.includes(value)) return false;
  }
  const labels = task.labels.map((l) => l.toLowerCase());
  const people = task.assignee_ids.map((id) => members[id]?.username.toLowerCase() ?? '');
  for (const label of filter.labels) {
    if (!labels.some((l) => l.includes(label))) return false;
  }
  for (const person of filter.people) {
    if (!people.some((p) => p.includes(person))) return false;
  }
  if (filter.words.length > 0) {
    const title = task.title.toLowerCase();
    for (const word of filter.words) {
      if (
        !title.includes(word) &&
        !labels.some((l) => l.includes(word)) &&
        !people.some((p) => p.includes(word))
      ) {
        return false;
      }
    }
  }
  return true;
}

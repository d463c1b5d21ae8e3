import type { Member, Task } from '@switchboard/core';

/**
 * The board filter: words match a task's title, labels or assignees;
 * `#bug` or `label:bug` a label, `@ann` an assignee, `is:done` / `is:open`
 * the state. Every term must match.
 */
export interface TaskFilter {
  words: string[];
  labels: string[];
  people: string[];
  done: boolean | null;
}

export function parseFilter(query: string): TaskFilter | null {
  const filter: TaskFilter = { words: [], labels: [], people: [], done: null };
  for (const raw of query.toLowerCase().split(/\s+/)) {
    if (!raw) continue;
    if (raw.startsWith('#') && raw.length > 1) filter.labels.push(raw.slice(1));
    else if (raw.startsWith('label:') && raw.length > 6) filter.labels.push(raw.slice(6));
    else if (raw.startsWith('@') && raw.length > 1) filter.people.push(raw.slice(1));
    else if (raw === 'is:done' || raw === 'is:completed') filter.done = true;
    else if (raw === 'is:open' || raw === 'is:todo') filter.done = false;
    else filter.words.push(raw);
  }
  const empty =
    filter.words.length + filter.labels.length + filter.people.length === 0 && filter.done === null;
  return empty ? null : filter;
}

export function matchesFilter(
  filter: TaskFilter,
  task: Task,
  members: Readonly<Record<number, Member>>,
): boolean {
  if (filter.done !== null && task.completed !== filter.done) return false;
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

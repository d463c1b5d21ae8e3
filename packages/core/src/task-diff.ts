import type { FieldChanges } from './schemas/event.js';
import type { Task } from './schemas/task.js';

/**
 * What a write changed on a task, field by field with the values before and
 * after: the `changed` and `changes` of task.updated and task.moved events,
 * which the activity and history views read. Derived fields are listed with
 * the field they follow (status with column_id, labels with label_ids, due_at
 * with due).
 */
const comparedFields = [
  'title',
  'description',
  'completed',
  'column_id',
  'status',
  'position',
  'assignee_ids',
  'label_ids',
  'labels',
  'due',
  'due_at',
  'start_date',
  'custom_fields',
  'cover',
] as const satisfies readonly (keyof Task)[];

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

export function diffTask(before: Task, after: Task): { changed: string[]; changes: FieldChanges } {
  const changed: string[] = [];
  const changes: FieldChanges = {};
  for (const field of comparedFields) {
    if (!equal(before[field], after[field])) {
      changed.push(field);
      changes[field] = { from: before[field], to: after[field] };
    }
  }
  return { changed, changes };
}

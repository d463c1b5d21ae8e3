import type { Task } from '@switchboard/core';

/**
 * Tasks grouped by column, each group sorted by (position, id). Updates copy
 * only the groups they touch, so a change to one card leaves every other
 * column's array — and its memoized rendering — untouched.
 */
export type TaskIndex = ReadonlyMap<number, readonly Task[]>;

export function compareTasks(a: Task, b: Task): number {
  if (a.position < b.position) return -1;
  if (a.position > b.position) return 1;
  return a.id - b.id;
}

export function buildTaskIndex(tasks: Iterable<Task>): TaskIndex {
  const groups = new Map<number, Task[]>();
  for (const task of tasks) {
    const group = groups.get(task.column_id);
    if (group) group.push(task);
    else groups.set(task.column_id, [task]);
  }
  for (const group of groups.values()) group.sort(compareTasks);
  return groups;
}

/** First index whose task sorts at or after `task`. */
function lowerBound(group: readonly Task[], task: Task): number {
  let lo = 0;
  let hi = group.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareTasks(group[mid] as Task, task) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOfTask(group: readonly Task[], task: Task): number {
  const at = lowerBound(group, task);
  if (group[at]?.id === task.id) return at;
  // The stored copy may differ from `task` (stale caller): fall back to a scan.
  return group.findIndex((t) => t.id === task.id);
}

/**
 * The index with `before` (the task as the index holds it, if any) replaced by
 * `after` (its new state, or undefined when it is gone).
 */
export function replaceInIndex(
  index: TaskIndex,
  before: Task | undefined,
  after: Task | undefined,
): TaskIndex {
  if (before === after) return index;
  const next = new Map(index);
  if (
    before &&
    after &&
    before.column_id === after.column_id &&
    before.position === after.position
  ) {
    const group = [...(index.get(before.column_id) ?? [])];
    const at = indexOfTask(group, before);
    if (at >= 0) {
      group[at] = after;
      next.set(after.column_id, group);
      return next;
    }
  }
  if (before) {
    const source = index.get(before.column_id);
    if (source) {
      const at = indexOfTask(source, before);
      if (at >= 0) {
        const group = source.slice();
        group.splice(at, 1);
        next.set(before.column_id, group);
      }
    }
  }
  if (after) {
    const group = (next.get(after.column_id) ?? []).slice();
    // A stale copy of the same id must not survive alongside the new one.
    const dup = group.findIndex((t) => t.id === after.id);
    if (dup >= 0) group.splice(dup, 1);
    group.splice(lowerBound(group, after), 0, after);
    next.set(after.column_id, group);
  }
  return next;
}

/** Drops the groups of columns that no longer exist (their tasks moved away first). */
export function withoutColumn(index: TaskIndex, columnId: number): TaskIndex {
  if (!index.has(columnId)) return index;
  const next = new Map(index);
  next.delete(columnId);
  return next;
}

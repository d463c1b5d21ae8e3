import type { Board, Column, Label, Member, Task } from '@switchboard/core';
import { compareRanks, rankBetween } from '@switchboard/core';
import { replaceInIndex, type TaskIndex, withoutColumn } from './task-index';

/**
 * A board being edited: the confirmed state plus pending operations are
 * applied to one of these to get what the user sees. Records and groups are
 * copied on first write only.
 */
export class BoardDraft {
  board: Board;
  tasks: Readonly<Record<number, Task>>;
  columns: Readonly<Record<number, Column>>;
  members: Readonly<Record<number, Member>>;
  /** Read-only here: labels change only by events. */
  labels: Readonly<Record<number, Label>>;
  index: TaskIndex;
  private tasksOwned = false;
  private columnsOwned = false;

  constructor(source: {
    board: Board;
    tasks: Readonly<Record<number, Task>>;
    columns: Readonly<Record<number, Column>>;
    members: Readonly<Record<number, Member>>;
    labels?: Readonly<Record<number, Label>>;
    index: TaskIndex;
  }) {
    this.board = source.board;
    this.tasks = source.tasks;
    this.columns = source.columns;
    this.members = source.members;
    this.labels = source.labels ?? {};
    this.index = source.index;
  }

  putTask(task: Task): void {
    const before = this.tasks[task.id];
    if (before === task) return;
    this.ownTasks()[task.id] = task;
    this.index = replaceInIndex(this.index, before, task);
  }

  removeTask(id: number): void {
    const before = this.tasks[id];
    if (!before) return;
    delete this.ownTasks()[id];
    this.index = replaceInIndex(this.index, before, undefined);
  }

  putColumn(column: Column): void {
    if (!this.columnsOwned) {
      this.columns = { ...this.columns };
      this.columnsOwned = true;
    }
    (this.columns as Record<number, Column>)[column.id] = column;
  }

  removeColumn(id: number): void {
    if (!this.columns[id]) return;
    if (!this.columnsOwned) {
      this.columns = { ...this.columns };
      this.columnsOwned = true;
    }
    delete (this.columns as Record<number, Column>)[id];
    this.index = withoutColumn(this.index, id);
  }

  group(columnId: number): readonly Task[] {
    return this.index.get(columnId) ?? [];
  }

  /**
   * A position in `columnId` between the named neighbours, as the server would
   * compute it (after_id wins, like the server's placement). `movingId` is left
   * out of its own neighbours.
   */
  taskPositionBetween(
    columnId: number,
    afterId: number | null | undefined,
    beforeId: number | null | undefined,
    movingId?: number,
  ): string {
    const group = this.group(columnId).filter((t) => t.id !== movingId);
    return positionAmong(
      group.map((t) => ({ id: t.id, position: t.position })),
      afterId,
      beforeId,
    );
  }

  sortedColumnList(): { id: number; position: string }[] {
    return Object.values(this.columns).sort((a, b) => compareRanks(a.position, b.position));
  }

  private ownTasks(): Record<number, Task> {
    if (!this.tasksOwned) {
      this.tasks = { ...this.tasks };
      this.tasksOwned = true;
    }
    return this.tasks as Record<number, Task>;
  }
}

/** Where an item goes among sorted siblings: after `afterId`, else before `beforeId`, else last. */
export function positionAmong(
  siblings: readonly { id: number; position: string }[],
  afterId: number | null | undefined,
  beforeId: number | null | undefined,
): string {
  try {
    if (afterId != null) {
      const at = siblings.findIndex((s) => s.id === afterId);
      if (at >= 0) {
        return rankBetween(siblings[at]!.position, siblings[at + 1]?.position ?? null);
      }
    }
    if (beforeId != null) {
      const at = siblings.findIndex((s) => s.id === beforeId);
      if (at >= 0) {
        return rankBetween(siblings[at - 1]?.position ?? null, siblings[at]!.position);
      }
    }
    return rankBetween(siblings[siblings.length - 1]?.position ?? null, null);
  } catch {
    // Neighbours out of order (a race mid-flight): the end is a safe place to show it.
    return rankBetween(siblings[siblings.length - 1]?.position ?? null, null);
  }
}

import {
  type Announcements,
  closestCenter,
  closestCorners,
  type Collision,
  type CollisionDetection,
  type DroppableContainer,
  type KeyboardCoordinateGetter,
  pointerWithin,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import type { Column, Task } from '@switchboard/core';

export type DragKind = 'task' | 'column' | 'column-body';

export function kindOf(container: { data: { current?: Record<string, unknown> | undefined } }) {
  return container.data.current?.type as DragKind | undefined;
}

export function columnOf(container: { data: { current?: Record<string, unknown> | undefined } }) {
  return container.data.current?.columnId as number | undefined;
}

export interface CollisionState {
  /** The last target found, kept while the pointer is between targets. */
  lastOverId: UniqueIdentifier | null;
  /** Set for a frame after the card jumped to another column, while layout settles. */
  justMoved: boolean;
}

/**
 * Columns only collide with columns. A task prefers the card under the
 * pointer; over a column's empty space, the nearest card of that column (or
 * the column itself when it is empty). Between columns (in the gap) and for a
 * frame after the card jumped columns, the previous target stands — otherwise
 * the card would flip back and forth between two columns. Without a pointer
 * (keyboard), the closest corners.
 */
export function createBoardCollisions(state: CollisionState): CollisionDetection {
  const remember = (result: Collision[]): Collision[] => {
    state.lastOverId = result[0]?.id ?? null;
    return result;
  };
  return (args) => {
    const type = args.active.data.current?.type as DragKind | undefined;
    if (type === 'column') {
      return closestCenter({
        ...args,
        droppableContainers: args.droppableContainers.filter((c) => kindOf(c) === 'column'),
      });
    }
    const targets = args.droppableContainers.filter(
      (c) => kindOf(c) === 'task' || kindOf(c) === 'column-body',
    );
    const last = state.lastOverId;
    if (state.justMoved && last !== null && targets.some((t) => t.id === last)) {
      return [{ id: last }];
    }
    if (!args.pointerCoordinates) {
      return remember(closestCorners({ ...args, droppableContainers: targets }));
    }
    // Which column is the pointer in? Then only that column's cards.
    const bodies = targets.filter((c) => kindOf(c) === 'column-body');
    const [body] = pointerWithin({ ...args, droppableContainers: bodies });
    if (!body) {
      return last !== null && targets.some((t) => t.id === last) ? [{ id: last }] : [];
    }
    const container = bodies.find((b) => b.id === body.id) as DroppableContainer;
    const cards = targets.filter(
      (t) => kindOf(t) === 'task' && columnOf(t) === columnOf(container),
    );
    const hit = pointerWithin({
      ...args,
      droppableContainers: cards.filter((c) => c.id !== args.active.id),
    })[0];
    if (hit) return remember([hit]);
    if (cards.length === 0) return remember([body]);
    return remember(closestCenter({ ...args, droppableContainers: cards }));
  };
}

/** Neighbours of `id` in `list` once it sits at `index` (for after_id/before_id). */
export function neighboursAt(
  list: readonly { id: number }[],
  id: number,
  index: number,
): { afterId: number | null; beforeId: number | null } {
  const without = list.filter((t) => t.id !== id);
  const at = Math.max(0, Math.min(index, without.length));
  return { afterId: without[at - 1]?.id ?? null, beforeId: without[at]?.id ?? null };
}

/** Screen-reader announcements in words: task titles, column names, positions. */
export function boardAnnouncements(lookup: {
  task(id: number): Task | undefined;
  column(id: number): Column | undefined;
  position(taskId: number): { index: number; count: number; columnId: number } | null;
  columnPosition(columnId: number): { index: number; count: number } | null;
  /** Why a drop of the task into that column would be refused (its WIP limit), if it would. */
  refusal(taskId: number, columnId: number): string | null;
}): Announcements {
  const describe = (id: string | number) => {
    if (typeof id === 'number') {
      const task = lookup.task(id);
      const at = lookup.position(id);
      const column = at ? lookup.column(at.columnId) : undefined;
      if (!task || !at) return 'the task';
      return `task “${task.title}” in “${column?.title ?? 'a column'}”, position ${at.index + 1} of ${at.count}`;
    }
    const columnId = Number(String(id).split(':')[1]);
    const column = lookup.column(columnId);
    const at = lookup.columnPosition(columnId);
    return `column “${column?.title ?? ''}”${at ? `, position ${at.index + 1} of ${at.count}` : ''}`;
  };
  const refused = (active: { id: string | number }, over: Parameters<typeof columnOf>[0]) => {
    const columnId = columnOf(over);
    return typeof active.id === 'number' && columnId !== undefined
      ? lookup.refusal(active.id, columnId)
      : null;
  };
  return {
    onDragStart: ({ active }) => `Picked up ${describe(active.id)}.`,
    onDragOver: ({ active, over }) => {
      if (over?.id === active.id) return undefined;
      if (!over) return 'Not over a drop area.';
      const why = refused(active, over);
      if (why) return `${why}: dropping here would not move the task.`;
      return `Moving: now ${describe(active.id)}.`;
    },
    onDragEnd: ({ active, over }) => {
      if (!over) return 'Dropped outside; nothing moved.';
      const why = refused(active, over);
      if (why) return `Not moved: ${why}. ${capital(describe(active.id))}.`;
      return `Dropped. ${capital(describe(active.id))}.`;
    },
    onDragCancel: ({ active }) => `Moving cancelled. ${capital(describe(active.id))}.`,
  };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const screenReaderInstructions = {
  draggable:
    'To move a task or column, press Space to pick it up. Use the arrow keys to move it, ' +
    'Space or Enter to drop it, or Escape to cancel. Press Enter on a task to open it.',
};

interface RectLike {
  top: number;
  left: number;
  width: number;
  height: number;
}

/**
 * Arrow keys for a picked-up item, board-aware (dnd-kit's generic getter
 * considers every droppable and can pick a card in the same column for →):
 * ←/→ go to the neighbouring column at the same height (or its empty body),
 * ↑/↓ to the previous/next card of the same column. Columns move with ←/→.
 */
export function boardKeyboardCoordinates(
  currentColumn: (taskId: number) => number | undefined,
): KeyboardCoordinateGetter {
  return (event, { context }) => {
    const { active, collisionRect, droppableRects, droppableContainers } = context;
    const key = event.code;
    if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(key)) return undefined;
    event.preventDefault();
    if (!active || !collisionRect) return undefined;
    const all = droppableContainers
      .getEnabled()
      .map((c) => ({ c, rect: droppableRects.get(c.id) as RectLike | undefined }))
      .filter((x): x is { c: DroppableContainer; rect: RectLike } => x.rect !== undefined);
    const horizontal = key === 'ArrowLeft' || key === 'ArrowRight';
    const sign = key === 'ArrowRight' || key === 'ArrowDown' ? 1 : -1;

    if (active.data.current?.type === 'column') {
      if (!horizontal) return undefined;
      const next = all
        .filter((x) => kindOf(x.c) === 'column' && x.c.id !== active.id)
        .filter((x) => sign * (x.rect.left - collisionRect.left) > 1)
        .sort((a, b) => sign * (a.rect.left - b.rect.left))[0];
      return next ? { x: next.rect.left, y: collisionRect.top } : undefined;
    }

    const taskId = active.id as number;
    const columnId = currentColumn(taskId);
    const bodies = all
      .filter((x) => kindOf(x.c) === 'column-body')
      .sort((a, b) => a.rect.left - b.rect.left);
    const cardsOf = (col: number | undefined) =>
      all.filter((x) => kindOf(x.c) === 'task' && columnOf(x.c) === col && x.c.id !== taskId);

    if (!horizontal) {
      const next = cardsOf(columnId)
        .filter((x) => sign * (x.rect.top - collisionRect.top) > 1)
        .sort((a, b) => sign * (a.rect.top - b.rect.top))[0];
      if (!next) return undefined;
      // Moving down lines the bottoms up, as dnd-kit's sortable expects.
      const y = sign > 0 ? next.rect.top + next.rect.height - collisionRect.height : next.rect.top;
      return { x: next.rect.left, y };
    }
    const at = bodies.findIndex((x) => columnOf(x.c) === columnId);
    const target = bodies[at + sign];
    if (!target) return undefined;
    const targetColumn = columnOf(target.c);
    const nearest = cardsOf(targetColumn).sort(
      (a, b) => Math.abs(a.rect.top - collisionRect.top) - Math.abs(b.rect.top - collisionRect.top),
    )[0];
    if (nearest) return { x: nearest.rect.left, y: nearest.rect.top };
    return { x: target.rect.left + 4, y: target.rect.top + 4 };
  };
}

import {
  DndContext,
  type DragEndEvent,
  type DragOverEvent,
  DragOverlay,
  type DragStartEvent,
  KeyboardSensor,
  MeasuringStrategy,
  MouseSensor,
  TouchSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import { arrayMove, horizontalListSortingStrategy, SortableContext } from '@dnd-kit/sortable';
import type { Column, Task } from '@switchboard/core';
import { useMemo, useRef, useState } from 'react';
import { matchesFilter, type TaskFilter } from '../lib/filter';
import { useServices } from '../services-context';
import type { BoardView } from '../state/board-store';
import { useBoard } from './board-context';
import { AddColumn } from './add-column';
import { ColumnView } from './column-view';
import {
  boardAnnouncements,
  type CollisionState,
  createBoardCollisions,
  boardKeyboardCoordinates,
  columnOf,
  kindOf,
  neighboursAt,
  screenReaderInstructions,
} from './dnd';
import { CardBody } from './task-card';
import { refusalText, wipRefusal } from './wip';

const NO_TASKS: readonly Task[] = [];

interface Origin {
  columnId: number;
  afterId: number | null;
  beforeId: number | null;
}

/** The columns and the drag-and-drop that moves tasks and columns. */
export function BoardCanvas({
  view,
  filter,
  composeColumnId,
  onComposeEnd,
}: {
  view: BoardView;
  filter: TaskFilter | null;
  composeColumnId: number | null;
  onComposeEnd: () => void;
}) {
  const { store, canWrite, canManageColumns, membersById, boardId } = useBoard();
  const { toasts } = useServices();
  const [active, setActive] = useState<{ kind: 'task' | 'column'; id: number } | null>(null);
  /** The column that would refuse the dragged task (WIP limit), shown before the drop. */
  const [refusedColumn, setRefusedColumn] = useState<number | null>(null);
  const origin = useRef<Origin | null>(null);
  /** Where the dragged task started; kept after the drop for the announcement. */
  const draggedFrom = useRef<number | null>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const refusalAt = (taskId: number, columnId: number) =>
    draggedFrom.current === null
      ? null
      : wipRefusal(viewRef.current, taskId, draggedFrom.current, columnId);

  const collisionState = useRef<CollisionState>({ lastOverId: null, justMoved: false });
  const collisions = useMemo(() => createBoardCollisions(collisionState.current), []);
  const keyboardCoordinates = useMemo(
    () => boardKeyboardCoordinates((id) => viewRef.current.tasks[id]?.column_id),
    [],
  );
  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 5 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 220, tolerance: 8 } }),
    useSensor(KeyboardSensor, {
      coordinateGetter: keyboardCoordinates,
      keyboardCodes: { start: ['Space'], cancel: ['Escape'], end: ['Space', 'Enter'] },
    }),
  );

  const columnIds = useMemo(() => view.columns.map((c) => `col:${c.id}`), [view.columns]);

  const announcements = useMemo(
    () =>
      boardAnnouncements({
        task: (id) => viewRef.current.tasks[id],
        column: (id) => viewRef.current.columns.find((c) => c.id === id),
        position: (taskId) => {
          const task = viewRef.current.tasks[taskId];
          if (!task) return null;
          const list = viewRef.current.tasksByColumn.get(task.column_id) ?? [];
          return {
            index: list.findIndex((t) => t.id === taskId),
            count: list.length,
            columnId: task.column_id,
          };
        },
        columnPosition: (columnId) => {
          const list = viewRef.current.columns;
          return { index: list.findIndex((c) => c.id === columnId), count: list.length };
        },
        refusal: (taskId, columnId) => {
          const refusal = refusalAt(taskId, columnId);
          return refusal ? refusalText(refusal) : null;
        },
      }),
    // refusalAt reads refs only.
    [],
  );

  const listOf = (columnId: number): readonly Task[] =>
    viewRef.current.tasksByColumn.get(columnId) ?? NO_TASKS;

  const onDragStart = ({ active: a }: DragStartEvent) => {
    collisionState.current.lastOverId = null;
    collisionState.current.justMoved = false;
    if (kindOf(a) === 'column') {
      setActive({ kind: 'column', id: columnOf(a) as number });
      return;
    }
    const id = a.id as number;
    const task = viewRef.current.tasks[id];
    if (!task) return;
    const list = listOf(task.column_id);
    const index = list.findIndex((t) => t.id === id);
    origin.current = {
      columnId: task.column_id,
      ...neighboursAt(list, id, index),
    };
    draggedFrom.current = task.column_id;
    setActive({ kind: 'task', id });
  };

  const onDragOver = ({ active: a, over }: DragOverEvent) => {
    if (!over || kindOf(a) !== 'task') return;
    const id = a.id as number;
    const task = viewRef.current.tasks[id];
    const overColumn = columnOf(over);
    // A full column says so now, and the card stays home: the drop would be refused.
    const refusal = overColumn === undefined ? null : refusalAt(id, overColumn);
    setRefusedColumn(refusal ? refusal.column.id : null);
    if (refusal) {
      store.clearDragPreview();
      return;
    }
    if (!task || overColumn === undefined || overColumn === task.column_id) return;
    // Into another column: show the card there (a preview, not sent yet), and
    // hold the target for a frame while the columns re-layout.
    collisionState.current.justMoved = true;
    requestAnimationFrame(() => (collisionState.current.justMoved = false));
    if (kindOf(over) === 'task') {
      const translated = a.rect.current.translated;
      const below = translated ? translated.top > over.rect.top + over.rect.height / 2 : false;
      const overId = over.id as number;
      store.setDragPreview(id, overColumn, below ? overId : null, below ? null : overId);
    } else {
      const list = listOf(overColumn);
      store.setDragPreview(id, overColumn, list[list.length - 1]?.id ?? null, null);
    }
  };

  const onDragEnd = ({ active: a, over }: DragEndEvent) => {
    setActive(null);
    setRefusedColumn(null);
    if (kindOf(a) === 'column') {
      const columnId = columnOf(a) as number;
      const overColumn = over ? columnOf(over) : undefined;
      if (overColumn === undefined || overColumn === columnId) return;
      const list = viewRef.current.columns;
      const from = list.findIndex((c) => c.id === columnId);
      const to = list.findIndex((c) => c.id === overColumn);
      const moved = arrayMove([...list], from, to);
      const { afterId, beforeId } = neighboursAt(
        moved,
        columnId,
        moved.findIndex((c) => c.id === columnId),
      );
      store.moveColumn(columnId, afterId, beforeId);
      return;
    }
    const id = a.id as number;
    const start = origin.current;
    origin.current = null;
    const task = viewRef.current.tasks[id];
    if (!over || !task || !start) {
      store.clearDragPreview();
      return;
    }
    const overColumn = columnOf(over);
    const refusal = overColumn === undefined ? null : refusalAt(id, overColumn);
    if (refusal) {
      // Not sent: the server would refuse it. Same words as the announcement.
      store.clearDragPreview();
      toasts.show({
        kind: 'info',
        message: `${refusalText(refusal)}: the task stays where it was.`,
      });
      return;
    }
    const columnId = task.column_id;
    // Work in what the user sees (the filtered list) so neighbours are cards they dropped between.
    const full = listOf(columnId);
    const list = filterList(full, viewRef.current);
    const from = list.findIndex((t) => t.id === id);
    let to = from;
    if (kindOf(over) === 'task' && over.id !== id) {
      const overIndex = list.findIndex((t) => t.id === over.id);
      if (overIndex >= 0) to = overIndex;
    }
    const moved = from >= 0 ? arrayMove([...list], from, to) : [...list];
    const at = moved.findIndex((t) => t.id === id);
    const { afterId, beforeId } = neighboursAt(moved, id, at < 0 ? moved.length : at);
    store.clearDragPreview();
    if (
      columnId === start.columnId &&
      afterId === start.afterId &&
      (beforeId === start.beforeId || afterId !== null)
    ) {
      return;
    }
    store.moveTask(id, columnId, afterId, beforeId);
  };

  // The filter in effect while dragging; the list helper needs it outside render.
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const filterList = (list: readonly Task[], v: BoardView): readonly Task[] => {
    const f = filterRef.current;
    if (!f) return list;
    return list.filter((t) => t.id === active?.id || matches(f, t, v));
  };

  const activeTask = active?.kind === 'task' ? view.tasks[active.id] : undefined;
  const activeColumn: Column | undefined =
    active?.kind === 'column' ? view.columns.find((c) => c.id === active.id) : undefined;

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collisions}
      measuring={{ droppable: { strategy: MeasuringStrategy.WhileDragging } }}
      accessibility={{ announcements, screenReaderInstructions }}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={onDragEnd}
      onDragCancel={() => {
        setActive(null);
        setRefusedColumn(null);
        origin.current = null;
        store.clearDragPreview();
      }}
    >
      <div className="canvas" id="board-canvas" aria-label="Board columns">
        <SortableContext items={columnIds} strategy={horizontalListSortingStrategy}>
          {view.columns.map((column) => (
            <ColumnView
              key={column.id}
              column={column}
              tasks={view.tasksByColumn.get(column.id) ?? NO_TASKS}
              filter={filter}
              membersById={membersById}
              pendingIds={view.pendingTaskIds}
              composing={composeColumnId === column.id}
              dropRefused={refusedColumn === column.id}
              onComposeEnd={onComposeEnd}
              columns={view.columns}
            />
          ))}
        </SortableContext>
        {canManageColumns && <AddColumn />}
        {view.columns.length === 0 && !canManageColumns && (
          <p className="empty">This board has no columns yet.</p>
        )}
      </div>
      <DragOverlay dropAnimation={{ duration: 160, easing: 'cubic-bezier(0.2, 0.8, 0.2, 1)' }}>
        {activeTask ? (
          <div className={refusedColumn !== null ? 'drag-refused' : undefined}>
            <CardBody
              task={activeTask}
              membersById={membersById}
              labelsById={view.labelsById}
              fields={view.customFields}
              pending={false}
              overlay
              canWrite={canWrite}
              boardId={boardId}
            />
          </div>
        ) : activeColumn ? (
          <div className="column column-overlay">
            <header className="column-header">
              <strong className="column-title">{activeColumn.title}</strong>
              <span className="count">{view.tasksByColumn.get(activeColumn.id)?.length ?? 0}</span>
            </header>
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}

function matches(filter: TaskFilter, task: Task, view: BoardView): boolean {
  return matchesFilter(filter, task, view.membersById);
}

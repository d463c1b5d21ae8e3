import { useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { Column, Member, Task } from '@switchboard/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef, useState } from 'react';
import { errorText } from '../api/error-text';
import { matchesFilter, type TaskFilter } from '../lib/filter';
import { useServices } from '../services-context';
import { Icon } from '../ui/icons';
import { Menu } from '../ui/menu';
import { useBoard } from './board-context';
import { ColumnDialogs, type ColumnDialog } from './column-dialogs';
import { InlineTitle } from './inline-title';
import { TaskCard } from './task-card';
import { TaskComposer } from './task-composer';
import { wipState } from './wip';

interface ColumnViewProps {
  column: Column;
  tasks: readonly Task[];
  filter: TaskFilter | null;
  membersById: Readonly<Record<number, Member>>;
  pendingIds: ReadonlySet<number>;
  composing: boolean;
  onComposeEnd: () => void;
  columns: readonly Column[];
  /** A task is dragged over this column, which is full: the drop would be refused. */
  dropRefused: boolean;
}

const ESTIMATED_CARD = 62;

/** One column: header with count and WIP state, a virtualized sortable list, a composer. */
export const ColumnView = memo(function ColumnView({
  column,
  tasks,
  filter,
  membersById,
  pendingIds,
  composing,
  onComposeEnd,
  columns,
  dropRefused,
}: ColumnViewProps) {
  const { store, canWrite, canManageColumns, boardId } = useBoard();
  const { api, toasts } = useServices();
  const [dialog, setDialog] = useState<ColumnDialog>(null);
  const [renaming, setRenaming] = useState(false);
  const saving = column.id < 0;

  const sortable = useSortable({
    id: `col:${column.id}`,
    data: { type: 'column', columnId: column.id },
    disabled: !canManageColumns || saving,
  });
  const body = useDroppable({
    id: `colbody:${column.id}`,
    data: { type: 'column-body', columnId: column.id },
    disabled: !canWrite,
  });

  const visible = useMemo(
    () => (filter ? tasks.filter((t) => matchesFilter(filter, t, membersById)) : tasks),
    [tasks, filter, membersById],
  );

  const scrollRef = useRef<HTMLDivElement | null>(null);
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_CARD,
    overscan: 4,
    getItemKey: (index) => visible[index]?.id ?? index,
  });

  // Only the rendered window takes part in sorting: dnd-kit measures and
  // re-sorts every item it is given, and a 1 000-card column would make each
  // drag move (and each preview into another column) cost O(column).
  const virtualItems = virtualizer.getVirtualItems();
  const windowIds = virtualItems.map((item) => (visible[item.index] as Task).id);

  const wip = wipState(tasks.length, column.wip_limit);
  const titleId = `column-title-${column.id}`;
  const countLabel =
    column.wip_limit === null ? `${tasks.length}` : `${tasks.length} / ${column.wip_limit}`;

  return (
    <section
      ref={sortable.setNodeRef}
      style={{
        transform: CSS.Translate.toString(sortable.transform),
        transition: sortable.transition,
      }}
      className={`column${sortable.isDragging ? ' is-dragging' : ''}${wip !== 'ok' ? ` wip-${wip}` : ''}${dropRefused ? ' drop-refused' : ''}`}
      aria-labelledby={titleId}
      data-column-id={column.id}
    >
      <header className="column-header">
        {canManageColumns && (
          <button
            type="button"
            ref={sortable.setActivatorNodeRef}
            className="btn btn-ghost btn-icon btn-sm column-grip"
            {...sortable.attributes}
            {...sortable.listeners}
            aria-label={`Move column ${column.title}`}
            aria-roledescription="draggable column"
            role={undefined}
            aria-pressed={undefined}
          >
            <Icon name="grip" />
          </button>
        )}
        <InlineTitle
          id={titleId}
          className="column-title"
          value={column.title}
          editing={renaming}
          onEditingChange={setRenaming}
          canEdit={canManageColumns && !saving}
          maxLength={60}
          label="Column name"
          onSave={(title) => store.updateColumn(column.id, { title }, column.version)}
        />
        <span
          className={`count${wip !== 'ok' ? ` wip-${wip}` : ''}`}
          title={
            column.wip_limit === null
              ? `${tasks.length} tasks`
              : `${tasks.length} tasks, WIP limit ${column.wip_limit}`
          }
          aria-label={
            column.wip_limit === null
              ? `${tasks.length} tasks`
              : `${tasks.length} of ${column.wip_limit} allowed tasks`
          }
        >
          {filter && visible.length !== tasks.length ? `${visible.length} of ` : ''}
          {countLabel}
        </span>
        {canManageColumns && !saving && (
          <Menu
            label={`Column actions: ${column.title}`}
            items={[
              { label: 'Rename', icon: <Icon name="edit" />, onSelect: () => setRenaming(true) },
              {
                label: column.wip_limit === null ? 'Set WIP limit…' : 'Change WIP limit…',
                icon: <Icon name="alert" />,
                onSelect: () => setDialog('wip'),
              },
              {
                label: 'Archive column',
                icon: <Icon name="archive" />,
                onSelect: () =>
                  void api.updateColumn(boardId, column.id, { archived: true }).then(
                    () =>
                      toasts.show({
                        kind: 'info',
                        message: `Column “${column.title}” archived with its cards.`,
                      }),
                    (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
                  ),
              },
              'separator',
              {
                label: 'Delete column…',
                icon: <Icon name="trash" />,
                danger: true,
                onSelect: () => setDialog('delete'),
              },
            ]}
          />
        )}
      </header>
      {dropRefused ? (
        // The drag's live region says it in words; this is for the eyes.
        <p className="wip-note wip-refused" aria-hidden="true">
          Full: at its WIP limit of {column.wip_limit}. A task dropped here goes back.
        </p>
      ) : (
        wip !== 'ok' && (
          <p className={`wip-note wip-${wip}`} role="status">
            {wip === 'at'
              ? `At the WIP limit (${column.wip_limit}): finish something before pulling more.`
              : `Over the WIP limit of ${column.wip_limit}.`}
          </p>
        )
      )}
      <div
        ref={(node) => {
          scrollRef.current = node;
          body.setNodeRef(node);
        }}
        className={`column-body${body.isOver ? ' is-over' : ''}`}
        role="list"
        aria-label={`${column.title} tasks`}
      >
        {visible.length === 0 ? (
          <div className="column-empty">
            {filter ? 'No matching tasks' : canWrite ? 'Drop tasks here' : 'No tasks'}
          </div>
        ) : (
          <SortableContext
            id={`col-${column.id}`}
            items={windowIds}
            strategy={verticalListSortingStrategy}
          >
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualItems.map((item) => {
                const task = visible[item.index] as Task;
                return (
                  <div
                    key={item.key}
                    data-index={item.index}
                    ref={virtualizer.measureElement}
                    role="listitem"
                    style={{
                      position: 'absolute',
                      top: item.start,
                      left: 0,
                      width: '100%',
                    }}
                  >
                    <TaskCard task={task} pending={pendingIds.has(task.id)} />
                  </div>
                );
              })}
            </div>
          </SortableContext>
        )}
      </div>
      {canWrite && (
        <div className="column-footer">
          <TaskComposer
            column={column}
            open={composing}
            onClose={onComposeEnd}
            atLimit={wip !== 'ok'}
            onAdded={() => {
              const el = scrollRef.current;
              if (el && !filter) {
                requestAnimationFrame(() => el.scrollTo({ top: el.scrollHeight }));
              }
            }}
          />
        </div>
      )}
      <ColumnDialogs
        dialog={dialog}
        onClose={() => setDialog(null)}
        column={column}
        taskCount={tasks.length}
        columns={columns}
      />
    </section>
  );
});

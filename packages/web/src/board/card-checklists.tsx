import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  MouseSensor,
  TouchSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import type { ChecklistItem, ChecklistWithItems } from '@switchboard/core';
import { useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import type { BoardStore } from '../state/board-store';
import { isPending, progressOf } from '../state/cards/checklists-state';
import { itemDrop } from '../state/cards/item-drop';
import { useChecklists } from '../state/cards/use-card-data';
import { Icon } from '../ui/icons';
import { Menu } from '../ui/menu';

type Dispatch = ReturnType<typeof useChecklists>['dispatch'];

/**
 * A card's checklists: add, rename, reorder (items by drag with mouse, touch
 * or keyboard, and by buttons; lists by their menu), tick (shown at once),
 * delete, turn an item into a card. Progress matches
 * the "3/5" chip on the card face.
 */
export function CardChecklists({
  store,
  taskId,
  canWrite,
}: {
  store: BoardStore;
  taskId: number;
  canWrite: boolean;
}) {
  const { api, toasts } = useServices();
  const { state, dispatch, reload } = useChecklists(store, taskId);
  const [adding, setAdding] = useState(false);
  const [title, setTitle] = useState('');
  const fail = (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) });

  const addList = async () => {
    const t = title.trim();
    if (!t) return;
    try {
      const list = await api.createChecklist(taskId, { title: t });
      dispatch({ type: 'list', list });
      setTitle('');
      setAdding(false);
    } catch (error) {
      fail(error);
    }
  };
  const { done, total } = progressOf(state.lists);

  return (
    <section className="section card-checklists" aria-labelledby={`checklists-${taskId}`}>
      <h3 className="section-title" id={`checklists-${taskId}`}>
        <Icon name="check" /> Checklists
        {total > 0 && (
          <span className="count" aria-label={`${done} of ${total} done`}>
            {done}/{total}
          </span>
        )}
        {canWrite && !adding && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAdding(true)}>
            <Icon name="plus" /> Add checklist
          </button>
        )}
      </h3>
      {adding && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void addList();
          }}
        >
          <label htmlFor={`new-checklist-${taskId}`} className="visually-hidden">
            Checklist title
          </label>
          <input
            id={`new-checklist-${taskId}`}
            className="input"
            autoFocus
            placeholder="Checklist title"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                e.preventDefault();
                setAdding(false);
              }
            }}
          />
          <button type="submit" className="btn btn-primary btn-sm">
            Add
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAdding(false)}>
            Cancel
          </button>
        </form>
      )}
      {state.lists.map((list, i) => (
        <ChecklistView
          key={list.id}
          list={list}
          prev={state.lists[i - 1]}
          next={state.lists[i + 1]}
          canWrite={canWrite}
          dispatch={dispatch}
          onError={(error) => {
            fail(error);
            reload();
          }}
        />
      ))}
      {state.loaded && state.lists.length === 0 && !adding && (
        <p className="hint">No checklists.</p>
      )}
    </section>
  );
}

function ChecklistView({
  list,
  prev,
  next,
  canWrite,
  dispatch,
  onError,
}: {
  list: ChecklistWithItems;
  prev: ChecklistWithItems | undefined;
  next: ChecklistWithItems | undefined;
  canWrite: boolean;
  dispatch: Dispatch;
  onError: (error: unknown) => void;
}) {
  const { api } = useServices();
  const [item, setItem] = useState('');
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(list.title);
  const { done, total } = progressOf([list]);
  const percent = total === 0 ? 0 : Math.round((done / total) * 100);

  const run = async <T,>(call: () => Promise<T>, then?: (value: T) => void) => {
    try {
      const value = await call();
      then?.(value);
    } catch (error) {
      onError(error);
    }
  };
  const addItem = () => {
    const t = item.trim();
    if (!t) return;
    setItem('');
    void run(
      () => api.createChecklistItem(list.id, { title: t }),
      (created) => dispatch({ type: 'item', item: created }),
    );
  };
  const rename = () => {
    setRenaming(false);
    const t = title.trim();
    if (!t || t === list.title) return;
    void run(
      () => api.updateChecklist(list.id, { title: t }),
      (saved) => dispatch({ type: 'list', list: saved }),
    );
  };
  const moveList = (placement: { after_id?: number; before_id?: number }) =>
    void run(
      () => api.updateChecklist(list.id, placement),
      (saved) => dispatch({ type: 'list', list: saved }),
    );
  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 5 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 220, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over) return;
    const drop = itemDrop(list.items, Number(active.id), Number(over.id));
    if (!drop) return;
    const id = Number(active.id);
    // The item takes its place at once; the server's answer (or a reload on refusal) settles it.
    dispatch({ type: 'optimistic', itemId: id, patch: { position: drop.position } });
    void run(
      () => api.updateChecklistItem(id, drop.placement),
      (saved) => dispatch({ type: 'item', item: saved }),
    );
  };

  return (
    <div className="checklist" role="group" aria-label={`Checklist ${list.title}`}>
      <div className="checklist-head">
        {renaming ? (
          <input
            className="input"
            aria-label="Checklist title"
            autoFocus
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            onBlur={rename}
            onKeyDown={(e) => {
              if (e.key === 'Enter') rename();
              if (e.key === 'Escape') {
                e.stopPropagation();
                e.preventDefault();
                setTitle(list.title);
                setRenaming(false);
              }
            }}
          />
        ) : (
          <h4 className="checklist-title">{list.title}</h4>
        )}
        <span className="checklist-count">
          {done}/{total}
        </span>
        {canWrite && (
          <Menu
            label={`Checklist actions: ${list.title}`}
            items={[
              {
                label: 'Rename',
                icon: <Icon name="edit" />,
                onSelect: () => {
                  setTitle(list.title);
                  setRenaming(true);
                },
              },
              {
                label: 'Move up',
                icon: <Icon name="up" />,
                hidden: !prev,
                onSelect: () => prev && moveList({ before_id: prev.id }),
              },
              {
                label: 'Move down',
                icon: <Icon name="down" />,
                hidden: !next,
                onSelect: () => next && moveList({ after_id: next.id }),
              },
              'separator',
              {
                label: 'Delete checklist',
                icon: <Icon name="trash" />,
                danger: true,
                onSelect: () =>
                  void run(
                    () => api.deleteChecklist(list.id),
                    () => dispatch({ type: 'listRemoved', id: list.id }),
                  ),
              },
            ]}
          />
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label={`${list.title} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span style={{ width: `${percent}%` }} />
      </div>
      <DndContext
        sensors={sensors}
        collisionDetection={closestCenter}
        onDragEnd={onDragEnd}
        accessibility={{
          screenReaderInstructions: {
            draggable:
              'To move an item, press Space or Enter, move it with the up and down arrows, and press Space or Enter again to drop it, or Escape to cancel.',
          },
        }}
      >
        <SortableContext
          items={list.items.map((it) => it.id)}
          strategy={verticalListSortingStrategy}
        >
          <ul className="checklist-items">
            {list.items.map((it, i) => (
              <ItemRow
                key={it.id}
                item={it}
                prev={list.items[i - 1]}
                next={list.items[i + 1]}
                canWrite={canWrite}
                run={run}
                dispatch={dispatch}
              />
            ))}
          </ul>
        </SortableContext>
      </DndContext>
      {canWrite && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            addItem();
          }}
        >
          <label className="visually-hidden" htmlFor={`new-item-${list.id}`}>
            New item in {list.title}
          </label>
          <input
            id={`new-item-${list.id}`}
            className="input input-sm"
            placeholder="Add an item…"
            value={item}
            onChange={(e) => setItem(e.target.value)}
          />
          <button type="submit" className="btn btn-secondary btn-sm" disabled={!item.trim()}>
            Add
          </button>
        </form>
      )}
    </div>
  );
}

function ItemRow({
  item,
  prev,
  next,
  canWrite,
  run,
  dispatch,
}: {
  item: ChecklistItem;
  prev: ChecklistItem | undefined;
  next: ChecklistItem | undefined;
  canWrite: boolean;
  run: <T>(call: () => Promise<T>, then?: (value: T) => void) => Promise<void>;
  dispatch: Dispatch;
}) {
  const { api } = useServices();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(item.title);
  const saved = (value: ChecklistItem) => dispatch({ type: 'item', item: value });
  const rename = () => {
    setEditing(false);
    const t = title.trim();
    if (!t || t === item.title) return;
    void run(() => api.updateChecklistItem(item.id, { title: t }), saved);
  };
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: item.id,
    disabled: !canWrite || editing,
  });
  const style = {
    transform: transform ? `translate(0px, ${Math.round(transform.y)}px)` : undefined,
    transition,
  };
  return (
    <li
      ref={setNodeRef}
      style={style}
      className={`checklist-item${item.done ? ' is-done' : ''}${isDragging ? ' is-dragging' : ''}`}
      data-item-id={item.id}
    >
      {canWrite && (
        <button
          type="button"
          className="btn btn-ghost btn-icon btn-xs drag-handle"
          {...attributes}
          {...listeners}
          aria-label={`Drag ${item.title}`}
          onKeyDown={(e) => {
            // Escape cancels the drag, not the dialog around it.
            if (e.key === 'Escape') e.stopPropagation();
            listeners?.onKeyDown?.(e);
          }}
        >
          <Icon name="grip" />
        </button>
      )}
      <input
        type="checkbox"
        className="checkbox"
        checked={item.done}
        disabled={!canWrite}
        aria-label={item.title}
        aria-busy={isPending(item) || undefined}
        onChange={(e) => {
          const done = e.target.checked;
          dispatch({ type: 'optimistic', itemId: item.id, patch: { done } });
          // `done` is set, not toggled: two people ticking at once agree.
          void run(() => api.updateChecklistItem(item.id, { done }), saved);
        }}
      />
      {editing ? (
        <input
          className="input input-sm"
          aria-label="Item title"
          autoFocus
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onBlur={rename}
          onKeyDown={(e) => {
            if (e.key === 'Enter') rename();
            if (e.key === 'Escape') {
              e.stopPropagation();
              e.preventDefault();
              setTitle(item.title);
              setEditing(false);
            }
          }}
        />
      ) : (
        <span className="checklist-item-title">{item.title}</span>
      )}
      {canWrite && !editing && (
        <span className="checklist-item-actions">
          <button
            type="button"
            className="btn btn-ghost btn-icon btn-xs"
            aria-label={`Move ${item.title} up`}
            disabled={!prev}
            onClick={() =>
              prev &&
              void run(() => api.updateChecklistItem(item.id, { before_id: prev.id }), saved)
            }
          >
            <Icon name="up" />
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-icon btn-xs"
            aria-label={`Move ${item.title} down`}
            disabled={!next}
            onClick={() =>
              next && void run(() => api.updateChecklistItem(item.id, { after_id: next.id }), saved)
            }
          >
            <Icon name="down" />
          </button>
          <Menu
            label={`Item actions: ${item.title}`}
            buttonClass="btn btn-ghost btn-icon btn-xs"
            items={[
              {
                label: 'Rename',
                icon: <Icon name="edit" />,
                onSelect: () => {
                  setTitle(item.title);
                  setEditing(true);
                },
              },
              {
                label: 'Turn into a card',
                icon: <Icon name="columns" />,
                onSelect: () =>
                  void run(
                    () => api.convertChecklistItem(item.id),
                    () => dispatch({ type: 'itemRemoved', id: item.id }),
                  ),
              },
              'separator',
              {
                label: 'Delete item',
                icon: <Icon name="trash" />,
                danger: true,
                onSelect: () =>
                  void run(
                    () => api.deleteChecklistItem(item.id),
                    () => dispatch({ type: 'itemRemoved', id: item.id }),
                  ),
              },
            ]}
          />
        </span>
      )}
    </li>
  );
}

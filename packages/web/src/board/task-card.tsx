import type { DraggableAttributes, DraggableSyntheticListeners } from '@dnd-kit/core';
import { useSortable } from '@dnd-kit/sortable';
import type { CustomField, Label, Member, Task } from '@switchboard/core';
import { memo, type KeyboardEvent, type MouseEvent } from 'react';
import { paths } from '../router';
import { AvatarStack } from '../ui/avatar';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';
import { DueChip, fieldValueText, LabelBadge } from './card-chips';

interface CardBodyProps {
  task: Task;
  membersById: Readonly<Record<number, Member>>;
  labelsById: Readonly<Record<number, Label>>;
  /** Fields the face shows values of (the board's, in order). */
  fields: readonly CustomField[];
  pending: boolean;
  dragging?: boolean;
  overlay?: boolean;
  canWrite: boolean;
  onToggle?: () => void;
  onOpen?: (event: MouseEvent<HTMLAnchorElement>) => void;
  onKeyDown?: (event: KeyboardEvent<HTMLAnchorElement>) => void;
  handleRef?: (node: HTMLElement | null) => void;
  attributes?: DraggableAttributes;
  listeners?: DraggableSyntheticListeners;
  boardId: number;
}

/** What a card shows; the sortable wrapper adds dragging. */
export function CardBody({
  task,
  membersById,
  labelsById,
  fields,
  pending,
  dragging,
  overlay,
  canWrite,
  onToggle,
  onOpen,
  onKeyDown,
  handleRef,
  attributes,
  listeners,
  boardId,
}: CardBodyProps) {
  const names = task.assignee_ids.map((id) => membersById[id]?.username ?? `user ${id}`);
  const labels = task.label_ids.flatMap((id) => (labelsById[id] ? [labelsById[id]] : []));
  const values =
    fields.length === 0
      ? []
      : fields.flatMap((f) => {
          const text = fieldValueText(f, task.custom_fields[String(f.id)]);
          return text ? [{ id: f.id, name: f.name, text }] : [];
        });
  const { done, total } = task.checklist;
  const classes = ['card'];
  if (dragging) classes.push('is-dragging');
  if (overlay) classes.push('is-overlay');
  if (pending) classes.push('is-pending');
  if (task.completed) classes.push('is-done');
  const saving = task.id < 0;
  return (
    <div className={classes.join(' ')} data-task-id={task.id}>
      {task.cover && (
        <div className="card-cover">
          {/* Decorative: the card's title names it; lazy, so a big board loads what is seen. */}
          <img src={task.cover.url} alt="" loading="lazy" decoding="async" draggable={false} />
        </div>
      )}
      <div className="card-top">
        <button
          type="button"
          className="card-check"
          role="checkbox"
          aria-checked={task.completed}
          aria-label={`Completed: ${task.title}`}
          disabled={!canWrite || saving}
          onClick={(event) => {
            event.stopPropagation();
            onToggle?.();
          }}
          onPointerDown={(event) => event.stopPropagation()}
          tabIndex={overlay ? -1 : 0}
        >
          <Icon name="check" />
        </button>
        <a
          ref={handleRef}
          href={saving ? undefined : paths.task(boardId, task.id)}
          className="card-title card-link"
          {...attributes}
          {...listeners}
          role={undefined}
          aria-pressed={undefined}
          aria-roledescription={canWrite ? 'draggable task' : undefined}
          aria-disabled={undefined}
          aria-busy={saving || undefined}
          tabIndex={overlay ? -1 : 0}
          onClick={onOpen}
          onKeyDown={(event) => {
            listeners?.onKeyDown?.(event);
            if (!event.defaultPrevented) onKeyDown?.(event);
          }}
          draggable={false}
        >
          {task.title}
        </a>
      </div>
      {labels.length > 0 && (
        <div className="card-labels">
          {labels.slice(0, 6).map((label) => (
            <LabelBadge key={label.id} label={label} />
          ))}
        </div>
      )}
      {values.length > 0 && (
        <dl className="card-fields">
          {values.slice(0, 4).map((v) => (
            <div key={v.id} className="card-field">
              <dt>{v.name}</dt>
              <dd>{v.text}</dd>
            </div>
          ))}
        </dl>
      )}
      {(task.due_at ||
        task.description ||
        names.length > 0 ||
        task.comment_count > 0 ||
        task.attachment_count > 0 ||
        total > 0) && (
        <div className="card-meta">
          <DueChip task={task} />
          {total > 0 && (
            <span
              className={`meta-item checklist-chip${done === total ? ' is-complete' : ''}`}
              title={`Checklist: ${done} of ${total} done`}
            >
              <Icon name="check" />
              <span className="visually-hidden">Checklist:</span>
              {done}/{total}
            </span>
          )}
          {task.comment_count > 0 && (
            <span className="meta-item comment-chip" title={`${task.comment_count} comments`}>
              <Icon name="comment" />
              {task.comment_count}
              <span className="visually-hidden"> comments</span>
            </span>
          )}
          {task.attachment_count > 0 && (
            <span
              className="meta-item attachment-chip"
              title={`${task.attachment_count} attachments`}
            >
              <Icon name="paperclip" />
              {task.attachment_count}
              <span className="visually-hidden"> attachments</span>
            </span>
          )}
          {task.description && (
            <span className="meta-item" title="Has a description">
              <Icon name="text" />
              <span className="visually-hidden">Has a description</span>
            </span>
          )}
          {names.length > 0 && <AvatarStack names={names} size="sm" max={3} />}
        </div>
      )}
    </div>
  );
}

/** A card in a column: sortable, opens on click/Enter, Space picks it up. */
export const TaskCard = memo(function TaskCard({
  task,
  pending,
}: {
  task: Task;
  pending: boolean;
}) {
  const {
    store,
    canWrite,
    openTask,
    membersById,
    labelsById,
    customFields,
    boardId,
    deleteTaskWithUndo,
  } = useBoard();
  const saving = task.id < 0;
  const {
    attributes,
    listeners,
    setNodeRef,
    setActivatorNodeRef,
    transform,
    transition,
    isDragging,
  } = useSortable({
    id: task.id,
    data: { type: 'task', columnId: task.column_id },
    disabled: !canWrite || saving,
  });
  // 2D translate: a 3D one would give every shifted card its own compositor layer.
  const style = {
    transform: transform
      ? `translate(${Math.round(transform.x)}px, ${Math.round(transform.y)}px)`
      : undefined,
    transition,
  };
  return (
    <div ref={setNodeRef} style={style} className="card-slot">
      <CardBody
        task={task}
        membersById={membersById}
        labelsById={labelsById}
        fields={customFields}
        pending={pending}
        dragging={isDragging}
        canWrite={canWrite}
        boardId={boardId}
        handleRef={setActivatorNodeRef}
        attributes={attributes}
        listeners={listeners}
        onToggle={() => store.updateTask(task.id, { completed: !task.completed })}
        onOpen={(event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
          event.preventDefault();
          if (!saving) openTask(task.id);
        }}
        onKeyDown={(event) => {
          if (!canWrite || saving) return;
          if (event.key === 'x' || event.key === 'X') {
            event.preventDefault();
            store.updateTask(task.id, { completed: !task.completed });
          } else if (event.key === 'Delete' || event.key === 'Backspace') {
            event.preventDefault();
            deleteTaskWithUndo(task.id);
          }
        }}
      />
    </div>
  );
});

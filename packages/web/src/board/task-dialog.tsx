import { limits, type Member, type Task, updateTaskSchema } from '@switchboard/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { dateInputToDue, dueState, dueToDateInput, fullDate, relativeTime } from '../lib/format';
import { renderMarkdown } from '../lib/markdown';
import type { BoardView } from '../state/board-store';
import { Avatar } from '../ui/avatar';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';
import { LabelChip } from './task-card';

const titleSchema = updateTaskSchema.shape.title.unwrap();
const descriptionSchema = updateTaskSchema.shape.description.unwrap();

/** The task dialog (its own URL): every field, saved as the user goes. */
export function TaskDialog({
  view,
  taskId,
  onClose,
}: {
  view: BoardView;
  taskId: number;
  onClose: () => void;
}) {
  const task = view.tasks[taskId];
  return (
    <Dialog
      open
      wide
      onClose={onClose}
      className="task-dialog"
      title={task ? task.title : 'Task not found'}
      header={
        task ? (
          <div className="task-heading">
            <TitleField task={task} />
            <p className="task-subtitle">
              in{' '}
              <strong>
                {view.columns.find((c) => c.id === task.column_id)?.title ?? 'a column'}
              </strong>
              {task.id < 0 && ' · saving…'}
            </p>
          </div>
        ) : undefined
      }
    >
      {task ? (
        <TaskBody task={task} view={view} onClose={onClose} />
      ) : (
        <div className="empty">
          <h3>This task is gone</h3>
          <p>Someone deleted it, or it never existed on this board.</p>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Back to the board
          </button>
        </div>
      )}
    </Dialog>
  );
}

function TitleField({ task }: { task: Task }) {
  const { store, canWrite } = useBoard();
  const [draft, setDraft] = useState(task.title);
  const [error, setError] = useState<string | null>(null);
  const base = useRef(task.version);
  const editing = useRef(false);
  useEffect(() => {
    if (!editing.current) {
      setDraft(task.title);
      base.current = task.version;
    }
  }, [task.title, task.version]);
  const commit = () => {
    editing.current = false;
    const parsed = titleSchema.safeParse(draft);
    if (!parsed.success) {
      setError(
        draft.trim() ? `At most ${limits.taskTitleMax} characters.` : 'A task needs a title.',
      );
      setDraft(task.title);
      return;
    }
    setError(null);
    if (parsed.data !== task.title) store.updateTask(task.id, { title: parsed.data }, base.current);
  };
  return (
    <>
      <textarea
        className="task-title-input"
        aria-label="Task title"
        rows={1}
        value={draft}
        readOnly={!canWrite}
        maxLength={limits.taskTitleMax + 20}
        aria-invalid={error ? true : undefined}
        onFocus={() => {
          editing.current = true;
          base.current = task.version;
        }}
        onChange={(e) => setDraft(e.target.value.replace(/\n/g, ' '))}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            e.currentTarget.blur();
          }
        }}
      />
      {error && <p className="field-error">{error}</p>}
    </>
  );
}

function TaskBody({ task, view, onClose }: { task: Task; view: BoardView; onClose: () => void }) {
  const { store, canWrite, membersById, deleteTaskWithUndo } = useBoard();
  const creator = membersById[task.created_by]?.username;
  const due = task.due_at ? dueState(task.due_at, task.completed) : null;
  return (
    <>
      <div className="task-layout">
        <div>
          <div className="section">
            <label className="complete-toggle">
              <input
                type="checkbox"
                className="checkbox"
                checked={task.completed}
                disabled={!canWrite}
                onChange={(e) => store.updateTask(task.id, { completed: e.target.checked })}
              />
              <span>{task.completed ? 'Completed' : 'Mark as completed'}</span>
              {due && task.due_at && (
                <span className={`badge due due-${due}`} style={{ marginLeft: 'auto' }}>
                  {due === 'overdue' ? 'Overdue' : due === 'done' ? 'Done' : 'Due'}{' '}
                  {relativeTime(task.due_at)}
                </span>
              )}
            </label>
          </div>
          <DescriptionField task={task} />
        </div>
        <aside aria-label="Task details">
          <div className="side-group">
            <label className="section-title" htmlFor="task-column">
              Column
            </label>
            <select
              id="task-column"
              className="select"
              value={task.column_id}
              disabled={!canWrite}
              onChange={(e) => {
                const to = Number(e.target.value);
                const list = view.tasksByColumn.get(to) ?? [];
                store.moveTask(task.id, to, list[list.length - 1]?.id ?? null, null);
              }}
            >
              {view.columns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                  {c.wip_limit !== null
                    ? ` (${view.tasksByColumn.get(c.id)?.length ?? 0}/${c.wip_limit})`
                    : ''}
                </option>
              ))}
            </select>
          </div>
          <AssigneesField task={task} members={view.members} />
          <LabelsField task={task} />
          <DueField task={task} />
          {canWrite && (
            <div className="side-group">
              <button
                type="button"
                className="btn btn-danger-ghost btn-block"
                onClick={() => {
                  onClose();
                  deleteTaskWithUndo(task.id);
                }}
              >
                <Icon name="trash" /> Delete task
              </button>
            </div>
          )}
        </aside>
      </div>
      <p className="task-meta-line" style={{ marginTop: 24 }}>
        Created {creator ? `by ${creator} ` : ''}
        <time dateTime={task.created_at} title={fullDate(task.created_at)}>
          {relativeTime(task.created_at)}
        </time>
        {task.updated_at !== task.created_at && (
          <>
            {' · '}updated{' '}
            <time dateTime={task.updated_at} title={fullDate(task.updated_at)}>
              {relativeTime(task.updated_at)}
            </time>
          </>
        )}
        {task.id > 0 && ` · #${task.id} · version ${task.version}`}
      </p>
    </>
  );
}

function DescriptionField({ task }: { task: Task }) {
  const { store, canWrite } = useBoard();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const base = useRef(task.version);
  const html = useMemo(() => renderMarkdown(task.description), [task.description]);
  const start = () => {
    setDraft(task.description);
    base.current = task.version;
    setEditing(true);
  };
  const save = () => {
    const parsed = descriptionSchema.safeParse(draft);
    if (!parsed.success) {
      setError(`At most ${limits.taskDescriptionMax.toLocaleString()} characters.`);
      return;
    }
    setEditing(false);
    setError(null);
    if (parsed.data !== task.description) {
      store.updateTask(task.id, { description: parsed.data }, base.current);
    }
  };
  return (
    <div className="section">
      <h3 className="section-title">
        Description
        {canWrite && !editing && task.description && (
          <button type="button" className="btn btn-ghost btn-sm" onClick={start}>
            <Icon name="edit" /> Edit
          </button>
        )}
      </h3>
      {editing ? (
        <div className="composer">
          <label htmlFor="task-description" className="visually-hidden">
            Description (Markdown)
          </label>
          <textarea
            id="task-description"
            className="textarea"
            rows={8}
            autoFocus
            value={draft}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
                e.preventDefault();
                save();
              } else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                setEditing(false);
              }
            }}
          />
          {error ? (
            <p className="field-error">{error}</p>
          ) : (
            <p className="hint">
              Markdown: **bold**, _italic_, `code`, lists, [links](https://…). Ctrl+Enter saves.
            </p>
          )}
          <div className="composer-actions">
            <button type="button" className="btn btn-primary btn-sm" onClick={save}>
              Save
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => setEditing(false)}
            >
              Cancel
            </button>
          </div>
        </div>
      ) : task.description ? (
        <div
          className="markdown description-view"
          // Rendered by marked and sanitized by DOMPurify (lib/markdown.ts).
          dangerouslySetInnerHTML={{ __html: html }}
        />
      ) : canWrite ? (
        <button type="button" className="description-empty" onClick={start}>
          Add a more detailed description…
        </button>
      ) : (
        <p className="hint">No description.</p>
      )}
    </div>
  );
}

function AssigneesField({ task, members }: { task: Task; members: readonly Member[] }) {
  const { store, canWrite } = useBoard();
  const toggle = (userId: number) => {
    const has = task.assignee_ids.includes(userId);
    const next = has
      ? task.assignee_ids.filter((id) => id !== userId)
      : [...task.assignee_ids, userId];
    store.updateTask(task.id, { assignee_ids: next });
  };
  return (
    <div className="side-group">
      <h3 className="section-title">Assignees</h3>
      {members.length === 0 && <p className="hint">No members.</p>}
      <div role="group" aria-label="Assignees">
        {members.map((m) => {
          const on = task.assignee_ids.includes(m.user_id);
          return (
            <button
              key={m.user_id}
              type="button"
              className="member-toggle"
              aria-pressed={on}
              disabled={!canWrite || (!on && task.assignee_ids.length >= limits.assigneesPerTask)}
              onClick={() => toggle(m.user_id)}
            >
              <Avatar name={m.username} size="sm" />
              <span>{m.username}</span>
              {on && (
                <span className="check">
                  <Icon name="check" />
                </span>
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}

function LabelsField({ task }: { task: Task }) {
  const { store, canWrite } = useBoard();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const label = draft.trim();
    if (!label) return;
    if (label.length > limits.labelMax) {
      setError(`Labels have at most ${limits.labelMax} characters.`);
      return;
    }
    if (task.labels.length >= limits.labelsPerTask) {
      setError(`At most ${limits.labelsPerTask} labels.`);
      return;
    }
    setDraft('');
    setError(null);
    if (!task.labels.includes(label))
      store.updateTask(task.id, { labels: [...task.labels, label] });
  };
  return (
    <div className="side-group">
      <label className="section-title" htmlFor="task-label-input">
        Labels
      </label>
      <div className="chip-input">
        {task.labels.map((label) => (
          <span key={label} className="label-chip-wrap">
            <LabelChipRemovable
              label={label}
              canWrite={canWrite}
              onRemove={() =>
                store.updateTask(task.id, { labels: task.labels.filter((l) => l !== label) })
              }
            />
          </span>
        ))}
        {canWrite && (
          <input
            id="task-label-input"
            placeholder={task.labels.length ? 'Add…' : 'Add a label…'}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ',') {
                e.preventDefault();
                add();
              } else if (e.key === 'Backspace' && !draft && task.labels.length) {
                store.updateTask(task.id, { labels: task.labels.slice(0, -1) });
              }
            }}
            onBlur={add}
          />
        )}
      </div>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

function LabelChipRemovable({
  label,
  canWrite,
  onRemove,
}: {
  label: string;
  canWrite: boolean;
  onRemove: () => void;
}) {
  if (!canWrite) return <LabelChip label={label} />;
  return (
    <span className="label-removable">
      <LabelChip label={label} />
      <button
        type="button"
        className="chip-remove"
        aria-label={`Remove label ${label}`}
        onClick={onRemove}
      >
        <Icon name="x" />
      </button>
    </span>
  );
}

function DueField({ task }: { task: Task }) {
  const { store, canWrite } = useBoard();
  return (
    <div className="side-group">
      <label className="section-title" htmlFor="task-due">
        Due date
      </label>
      <div style={{ display: 'flex', gap: 6 }}>
        <input
          id="task-due"
          type="date"
          className="input"
          disabled={!canWrite}
          value={dueToDateInput(task.due_at)}
          onChange={(e) => store.updateTask(task.id, { due_at: dateInputToDue(e.target.value) })}
        />
        {task.due_at && canWrite && (
          <button
            type="button"
            className="btn btn-ghost btn-icon"
            aria-label="Clear the due date"
            onClick={() => store.updateTask(task.id, { due_at: null })}
          >
            <Icon name="x" />
          </button>
        )}
      </div>
    </div>
  );
}

import { limits, type Member, type Task, updateTaskSchema } from '@switchboard/core';
import { useEffect, useRef, useState } from 'react';
import { fullDate, relativeTime } from '../lib/format';
import type { BoardView } from '../state/board-store';
import { Avatar } from '../ui/avatar';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { ActivityFeed } from './activity-feed';
import { useBoard } from './board-context';
import { DueChip } from './card-chips';
import { CardAttachments } from './card-attachments';
import { CardChecklists } from './card-checklists';
import { CardComments } from './card-comments';
import { MarkdownView } from './markdown-view';
import { CustomFieldsField, DatesField, LabelsField } from './task-fields';
import { TransferDialog, type TransferMode } from './transfer-dialog';

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
  const { store, canWrite, membersById, deleteTaskWithUndo, viewerId } = useBoard();
  const creator = membersById[task.created_by]?.username;
  const [tab, setTab] = useState<'comments' | 'history'>('comments');
  const [transfer, setTransfer] = useState<TransferMode | null>(null);
  const saved = task.id > 0;
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
              <span style={{ marginLeft: 'auto' }}>
                <DueChip task={task} />
              </span>
            </label>
          </div>
          <DescriptionField task={task} />
          {saved && (
            <CardAttachments
              store={store}
              task={task}
              canWrite={canWrite}
              isOwner={membersById[viewerId]?.role === 'owner'}
            />
          )}
          {saved && <CardChecklists store={store} taskId={task.id} canWrite={canWrite} />}
          {saved && (
            <div className="section">
              <div role="tablist" aria-label="Conversation and history" className="tabs">
                {(['comments', 'history'] as const).map((t) => (
                  <button
                    key={t}
                    type="button"
                    role="tab"
                    id={`task-tab-${t}`}
                    aria-selected={tab === t}
                    aria-controls={`task-panel-${t}`}
                    tabIndex={tab === t ? 0 : -1}
                    className="tab"
                    onClick={() => setTab(t)}
                    onKeyDown={(e) => {
                      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                        const next = t === 'comments' ? 'history' : 'comments';
                        setTab(next);
                        document.getElementById(`task-tab-${next}`)?.focus();
                      }
                    }}
                  >
                    <Icon name={t === 'comments' ? 'comment' : 'history'} />
                    {t === 'comments' ? `Comments (${task.comment_count})` : 'History'}
                  </button>
                ))}
              </div>
              <div role="tabpanel" id={`task-panel-${tab}`} aria-labelledby={`task-tab-${tab}`}>
                {tab === 'comments' ? (
                  <CardComments store={store} taskId={task.id} members={view.members} />
                ) : (
                  <ActivityFeed store={store} taskId={task.id} view={view} label="Card history" />
                )}
              </div>
            </div>
          )}
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
          <LabelsField task={task} labels={view.labels} />
          <DatesField task={task} />
          <CustomFieldsField task={task} fields={view.customFields} />
          {canWrite && saved && (
            <div className="side-group side-actions">
              <button
                type="button"
                className="btn btn-secondary btn-block"
                onClick={() => setTransfer('copy')}
              >
                <Icon name="copy" /> Copy…
              </button>
              <button
                type="button"
                className="btn btn-secondary btn-block"
                onClick={() => setTransfer('move')}
              >
                <Icon name="columns" /> Move to board…
              </button>
              <button
                type="button"
                className="btn btn-secondary btn-block"
                onClick={() => {
                  onClose();
                  store.archiveTask(task.id);
                }}
              >
                <Icon name="archive" /> Archive
              </button>
            </div>
          )}
          {transfer && (
            <TransferDialog
              task={task}
              boardId={task.board_id}
              mode={transfer}
              onClose={() => setTransfer(null)}
              onMoved={onClose}
            />
          )}
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
        <MarkdownView
          source={task.description}
          className="description-view"
          onTick={
            canWrite && task.id > 0
              ? (index, checked) => store.tickTaskItem(task.id, index, checked, task.version)
              : undefined
          }
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

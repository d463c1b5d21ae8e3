import { type Column, createTaskSchema, limits } from '@switchboard/core';
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';

const titleSchema = createTaskSchema.shape.title;
const MAX = limits.taskTitleMax;
/** The counter shows from here on, before the limit stops the typing. */
const COUNT_FROM = Math.floor(MAX * 0.8);

/**
 * "Add a task" at the bottom of a column: Enter adds and stays open, Esc
 * closes — and asks first when a typed draft would be lost. The title stops at
 * the server's limit, with a counter as it nears it.
 */
export function TaskComposer({
  column,
  open,
  onClose,
  atLimit,
  onAdded,
}: {
  column: Column;
  open: boolean;
  onClose: () => void;
  atLimit: boolean;
  onAdded: () => void;
}) {
  const { store } = useBoard();
  const [active, setActive] = useState(open);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [confirmingDiscard, setConfirmingDiscard] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const keep = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) setActive(true);
  }, [open]);
  useEffect(() => {
    if (active && !confirmingDiscard) area.current?.focus();
  }, [active, confirmingDiscard]);
  useEffect(() => {
    if (confirmingDiscard) keep.current?.focus();
  }, [confirmingDiscard]);

  const close = () => {
    setActive(false);
    setTitle('');
    setError(null);
    setConfirmingDiscard(false);
    onClose();
  };
  /** Esc or Cancel: a draft is only thrown away once the user says so. */
  const requestClose = () => {
    if (title.trim() && !confirmingDiscard) setConfirmingDiscard(true);
    else close();
  };

  const submit = () => {
    const parsed = titleSchema.safeParse(title);
    if (!parsed.success) {
      setError(title.trim() ? `At most ${MAX} characters.` : 'Type a title first.');
      return;
    }
    store.createTask(column.id, { title: parsed.data });
    setTitle('');
    setError(null);
    onAdded();
  };

  if (!active) {
    return (
      <button
        type="button"
        className="btn btn-ghost btn-sm add-task"
        onClick={() => setActive(true)}
        disabled={column.id < 0}
      >
        <Icon name="plus" /> Add a task
      </button>
    );
  }
  const errorId = `composer-error-${column.id}`;
  const countId = `composer-count-${column.id}`;
  const showCount = title.length >= COUNT_FROM;
  const describedBy = [error ? errorId : null, showCount ? countId : null].filter(Boolean);
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && confirmingDiscard) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }}
    >
      <label className="visually-hidden" htmlFor={`composer-${column.id}`}>
        New task title in {column.title}
      </label>
      <textarea
        ref={area}
        id={`composer-${column.id}`}
        className="textarea"
        placeholder="What needs doing?"
        value={title}
        maxLength={MAX}
        readOnly={confirmingDiscard}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy.length > 0 ? describedBy.join(' ') : undefined}
        onChange={(e) => {
          setTitle(e.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            submit();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            requestClose();
          }
        }}
        onBlur={(e) => {
          const next = e.relatedTarget as Node | null;
          if (!title.trim() && !(next && e.currentTarget.form?.contains(next))) close();
        }}
      />
      {showCount && (
        <p
          className={`composer-count${title.length >= MAX ? ' at-max' : ''}`}
          id={countId}
          aria-live="polite"
        >
          {title.length} / {MAX}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {atLimit && !error && (
        <p className="hint">This column is at its WIP limit; the server may refuse new tasks.</p>
      )}
      {confirmingDiscard ? (
        <div className="composer-discard" role="alertdialog" aria-label="Discard this draft?">
          <span>Discard this draft?</span>
          <button type="button" className="btn btn-danger btn-sm" onClick={close}>
            Discard
          </button>
          <button
            ref={keep}
            type="button"
            className="btn btn-secondary btn-sm"
            onClick={() => setConfirmingDiscard(false)}
          >
            Keep editing
          </button>
        </div>
      ) : (
        <div className="composer-actions">
          <button type="submit" className="btn btn-primary btn-sm">
            Add task
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={requestClose}>
            Cancel
          </button>
        </div>
      )}
    </form>
  );
}

import { type Column, createTaskSchema } from '@switchboard/core';
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';

const titleSchema = createTaskSchema.shape.title;

/** "Add a task" at the bottom of a column: Enter adds and stays open, Esc closes. */
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
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (open) setActive(true);
  }, [open]);
  useEffect(() => {
    if (active) area.current?.focus();
  }, [active]);

  const close = () => {
    setActive(false);
    setTitle('');
    setError(null);
    onClose();
  };

  const submit = () => {
    const parsed = titleSchema.safeParse(title);
    if (!parsed.success) {
      setError(title.trim() ? 'At most 200 characters.' : 'Type a title first.');
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
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
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
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            submit();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
          }
        }}
        onBlur={(e) => {
          const next = e.relatedTarget as Node | null;
          if (!title.trim() && !(next && e.currentTarget.form?.contains(next))) close();
        }}
      />
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {atLimit && !error && (
        <p className="hint">This column is at its WIP limit; the server may refuse new tasks.</p>
      )}
      <div className="composer-actions">
        <button type="submit" className="btn btn-primary btn-sm">
          Add task
        </button>
        <button type="button" className="btn btn-ghost btn-sm" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}

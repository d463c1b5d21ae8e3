import { createColumnSchema } from '@switchboard/core';
import { useEffect, useRef, useState } from 'react';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';

const titleSchema = createColumnSchema.shape.title;

export function AddColumn() {
  const { store } = useBoard();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  if (!open) {
    return (
      <div className="add-column">
        <button type="button" className="btn" onClick={() => setOpen(true)}>
          <Icon name="plus" /> Add column
        </button>
      </div>
    );
  }
  const close = () => {
    setOpen(false);
    setTitle('');
    setError(null);
  };
  return (
    <div className="add-column">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = titleSchema.safeParse(title);
          if (!parsed.success) {
            setError(title.trim() ? 'At most 60 characters.' : 'Name the column.');
            return;
          }
          store.createColumn(parsed.data);
          setTitle('');
          setError(null);
        }}
      >
        <label className="visually-hidden" htmlFor="new-column-title">
          New column name
        </label>
        <input
          ref={input}
          id="new-column-title"
          className="input"
          placeholder="Column name"
          value={title}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setTitle(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
            }
          }}
        />
        {error && <p className="field-error">{error}</p>}
        <div className="composer-actions">
          <button type="submit" className="btn btn-primary btn-sm">
            Add column
          </button>
          <button type="button" className="btn btn-ghost btn-sm" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

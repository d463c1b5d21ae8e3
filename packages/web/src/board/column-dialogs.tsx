import { type Column, limits } from '@switchboard/core';
import { useEffect, useState } from 'react';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { useBoard } from './board-context';

export type ColumnDialog = 'wip' | 'delete' | null;

/** The WIP limit and delete dialogs of one column. */
export function ColumnDialogs({
  dialog,
  onClose,
  column,
  taskCount,
  columns,
}: {
  dialog: ColumnDialog;
  onClose: () => void;
  column: Column;
  taskCount: number;
  columns: readonly Column[];
}) {
  return (
    <>
      <WipDialog open={dialog === 'wip'} onClose={onClose} column={column} taskCount={taskCount} />
      <DeleteColumnDialog
        open={dialog === 'delete'}
        onClose={onClose}
        column={column}
        taskCount={taskCount}
        columns={columns}
      />
    </>
  );
}

function WipDialog({
  open,
  onClose,
  column,
  taskCount,
}: {
  open: boolean;
  onClose: () => void;
  column: Column;
  taskCount: number;
}) {
  const { store } = useBoard();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open) {
      setValue(column.wip_limit === null ? '' : String(column.wip_limit));
      setError(null);
    }
  }, [open, column.wip_limit]);

  const save = () => {
    const trimmed = value.trim();
    let limit: number | null = null;
    if (trimmed !== '') {
      const n = Number(trimmed);
      if (!Number.isInteger(n) || n < 1 || n > limits.wipLimitMax) {
        setError(`A whole number from 1 to ${limits.wipLimitMax}, or empty for no limit.`);
        return;
      }
      limit = n;
    }
    if (limit !== column.wip_limit)
      store.updateColumn(column.id, { wip_limit: limit }, column.version);
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`WIP limit for “${column.title}”`}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={`wip-${column.id}`} className="btn btn-primary">
            Save
          </button>
        </>
      }
    >
      <form
        id={`wip-${column.id}`}
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <div className="field">
          <label className="label" htmlFor={`wip-input-${column.id}`}>
            Most tasks allowed in this column
          </label>
          <input
            id={`wip-input-${column.id}`}
            className="input"
            type="number"
            min={1}
            max={limits.wipLimitMax}
            inputMode="numeric"
            placeholder="No limit"
            value={value}
            data-autofocus
            aria-invalid={error ? true : undefined}
            aria-describedby={`wip-hint-${column.id}`}
            onChange={(e) => setValue(e.target.value)}
          />
          <p className="hint" id={`wip-hint-${column.id}`}>
            {error ??
              `It holds ${taskCount} now. Leave empty for no limit. The server refuses moves and new tasks beyond it.`}
          </p>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteColumnDialog({
  open,
  onClose,
  column,
  taskCount,
  columns,
}: {
  open: boolean;
  onClose: () => void;
  column: Column;
  taskCount: number;
  columns: readonly Column[];
}) {
  const { store } = useBoard();
  const others = columns.filter((c) => c.id !== column.id && c.id > 0);
  const [target, setTarget] = useState<number | ''>('');
  useEffect(() => {
    if (open) setTarget(others[0]?.id ?? '');
  }, [open]);
  const needsTarget = taskCount > 0;
  const blocked = needsTarget && others.length === 0;
  return (
    <ConfirmDialog
      open={open}
      onClose={onClose}
      title={`Delete “${column.title}”?`}
      confirmLabel={needsTarget ? 'Move tasks and delete' : 'Delete column'}
      busy={blocked}
      onConfirm={() => {
        if (blocked) return;
        store.deleteColumn(column.id, needsTarget && target !== '' ? target : undefined);
        onClose();
      }}
    >
      {!needsTarget && <p>The column is empty. This cannot be undone.</p>}
      {needsTarget && blocked && (
        <p>It holds {taskCount} tasks and there is no other column to move them to.</p>
      )}
      {needsTarget && !blocked && (
        <div className="field">
          <label className="label" htmlFor={`move-to-${column.id}`}>
            Move its {taskCount} {taskCount === 1 ? 'task' : 'tasks'} to
          </label>
          <select
            id={`move-to-${column.id}`}
            className="select"
            value={target}
            onChange={(e) => setTarget(Number(e.target.value))}
          >
            {others.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
          <p className="hint">They go to the end of that column, in their current order.</p>
        </div>
      )}
    </ConfirmDialog>
  );
}

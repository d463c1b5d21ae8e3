import type { Board, Column, Task } from '@switchboard/core';
import { useEffect, useState } from 'react';
import { errorText } from '../api/error-text';
import { navigate, paths } from '../router';
import { useServices } from '../services-context';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';

export type TransferMode = 'copy' | 'move';

/**
 * Copy a card (to this board: a duplicate) or move it to another board the
 * user may write to: board, column, and for a copy its title and whether the
 * comments come along. Labels and custom fields travel by name; the server
 * says so in the card's history.
 */
export function TransferDialog({
  task,
  boardId,
  mode,
  onClose,
  onMoved,
}: {
  task: Task;
  boardId: number;
  mode: TransferMode;
  onClose: () => void;
  /** The card left this board: the task dialog closes. */
  onMoved: () => void;
}) {
  const { api, toasts } = useServices();
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [target, setTarget] = useState<number | null>(mode === 'copy' ? boardId : null);
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [columnId, setColumnId] = useState<number | null>(null);
  const [title, setTitle] = useState(mode === 'copy' ? task.title : '');
  const [keepComments, setKeepComments] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.listBoards().then(
      ({ boards: list }) => {
        if (!live) return;
        const writable = list.filter(
          (b) => b.role !== 'viewer' && !b.archived && (mode === 'copy' || b.id !== boardId),
        );
        setBoards(writable);
        setTarget((t) => t ?? writable[0]?.id ?? null);
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [api, boardId, mode]);

  useEffect(() => {
    if (target === null) return;
    let live = true;
    setColumns(null);
    api.getBoard(target).then(
      (detail) => {
        if (!live) return;
        const open = detail.columns.filter((c) => c.archived_at === null);
        setColumns(open);
        // The same column when the target has one of that name, else the first.
        const same = open.find((c) => c.title.toLowerCase() === (task.status ?? '').toLowerCase());
        setColumnId((same ?? open[0])?.id ?? null);
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [api, target, task.status]);

  const targetBoard = boards?.find((b) => b.id === target);
  const submit = async () => {
    if (target === null || columnId === null) return;
    setBusy(true);
    setError(null);
    try {
      const body = {
        board_id: target,
        column_id: columnId,
        ...(mode === 'copy'
          ? { title: title.trim() || task.title, keep_comments: keepComments }
          : {}),
        // A duplicate lands just below its original; elsewhere at the bottom of the column.
        ...(mode === 'copy' && target === boardId && columnId === task.column_id
          ? { after_id: task.id }
          : {}),
      };
      const result =
        mode === 'copy'
          ? await api.copyTask(task.id, body)
          : await api.moveTaskToBoard(task.id, body);
      const where = targetBoard?.title ?? 'the board';
      onClose();
      if (mode === 'move') onMoved();
      toasts.show({
        kind: 'success',
        message:
          mode === 'copy'
            ? target === boardId
              ? `Duplicated “${result.title}”.`
              : `Copied “${result.title}” to ${where}.`
            : `Moved “${result.title}” to ${where}.`,
        action: {
          label: 'Open',
          run: () => navigate(paths.task(result.board_id, result.id)),
        },
      });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const verb = mode === 'copy' ? 'Copy' : 'Move';
  return (
    <Dialog
      open
      onClose={onClose}
      title={`${verb} “${task.title}”`}
      className="transfer-dialog"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="transfer-form"
            className="btn btn-primary"
            disabled={busy || target === null || columnId === null}
          >
            <Icon name={mode === 'copy' ? 'copy' : 'columns'} /> {verb}
          </button>
        </>
      }
    >
      <form
        id="transfer-form"
        className="transfer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {mode === 'copy' && (
          <div className="field">
            <label className="label" htmlFor="transfer-title">
              Title
            </label>
            <input
              id="transfer-title"
              className="input"
              data-autofocus
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label className="label" htmlFor="transfer-board">
            Board
          </label>
          <select
            id="transfer-board"
            className="select"
            value={target ?? ''}
            disabled={!boards || boards.length === 0}
            onChange={(e) => setTarget(Number(e.target.value))}
          >
            {boards?.map((b) => (
              <option key={b.id} value={b.id}>
                {b.title}
                {b.id === boardId ? ' (this board)' : ''}
              </option>
            ))}
          </select>
        </div>
        {boards && boards.length === 0 && (
          <p className="hint">No other board you can add cards to.</p>
        )}
        <div className="field">
          <label className="label" htmlFor="transfer-column">
            Column
          </label>
          <select
            id="transfer-column"
            className="select"
            value={columnId ?? ''}
            disabled={!columns || columns.length === 0}
            onChange={(e) => setColumnId(Number(e.target.value))}
          >
            {columns?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </div>
        {mode === 'copy' && (
          <label className="field check-field">
            <input
              type="checkbox"
              className="checkbox"
              checked={keepComments}
              onChange={(e) => setKeepComments(e.target.checked)}
            />
            Keep comments ({task.comment_count})
          </label>
        )}
        <p className="hint">
          {mode === 'copy' ? 'Checklists come along. ' : 'Comments and checklists come along. '}
          Labels and custom fields are matched by name on the other board; assignees who are not
          members there are left off.
        </p>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Dialog>
  );
}

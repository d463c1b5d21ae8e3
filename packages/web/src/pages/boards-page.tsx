import { type Board, can, createBoardSchema } from '@switchboard/core';
import { useCallback, useEffect, useState } from 'react';
import { errorText, fieldErrors } from '../api/error-text';
import { backgroundPreview } from '../lib/board-background';
import { colorSlot, relativeTime } from '../lib/format';
import { zodFieldErrors } from '../lib/zod-errors';
import { Link, navigate, paths } from '../router';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { BoardArt, Icon } from '../ui/icons';
import { Menu } from '../ui/menu';
import { useServices } from '../services-context';

type Load =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ready'; boards: Board[] };

/** All boards the user can see: create, open, rename, archive, delete. */
export function BoardsPage({ openMode }: { openMode: boolean }) {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [showArchived, setShowArchived] = useState(false);
  const [renaming, setRenaming] = useState<Board | null>(null);
  const [deleting, setDeleting] = useState<Board | null>(null);
  const { api, toasts } = useServices();

  const refresh = useCallback(async () => {
    try {
      const { boards } = await api.listBoards('all');
      setLoad({ status: 'ready', boards });
    } catch (error) {
      setLoad({ status: 'error', error });
    }
  }, [api]);
  useEffect(() => {
    void refresh();
    // Someone may have shared a board meanwhile: look again when the tab comes back.
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [refresh]);

  const act = async (action: () => Promise<unknown>, message: string) => {
    try {
      await action();
      toasts.show({ kind: 'success', message });
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    }
    await refresh();
  };

  const boards = load.status === 'ready' ? load.boards : [];
  const active = boards.filter((b) => !b.archived).sort(byRecent);
  const archived = boards.filter((b) => b.archived).sort(byRecent);

  const tile = (board: Board) => {
    const preview = backgroundPreview(board.background);
    return (
      <li
        key={board.id}
        className={`board-tile${board.archived ? ' archived' : ''}${preview ? ' has-bg' : ''}`}
        style={{
          ['--tile-color' as string]: `var(--c${colorSlot(board.title)})`,
          ...(preview ? { ['--tile-bg' as string]: preview } : {}),
        }}
      >
        <Link className="tile-link" to={paths.board(board.id)}>
          {board.title}
        </Link>
        <div className="tile-meta">
          {!openMode && (
            <span className={`badge${board.role === 'owner' ? ' badge-accent' : ''}`}>
              {board.role}
            </span>
          )}
          <span>Updated {relativeTime(board.updated_at)}</span>
        </div>
        <Menu
          label={`Actions for ${board.title}`}
          items={[
            {
              label: 'Rename…',
              icon: <Icon name="edit" />,
              hidden: !can(board.role, 'board.rename') || board.archived,
              onSelect: () => setRenaming(board),
            },
            {
              label: board.archived ? 'Unarchive' : 'Archive',
              icon: <Icon name="archive" />,
              hidden: !can(board.role, 'board.archive'),
              onSelect: () =>
                void act(
                  () => api.updateBoard(board.id, { archived: !board.archived }, board.version),
                  board.archived
                    ? `“${board.title}” is active again.`
                    : `“${board.title}” archived.`,
                ),
            },
            {
              label: 'Delete…',
              icon: <Icon name="trash" />,
              danger: true,
              hidden: !can(board.role, 'board.delete'),
              onSelect: () => setDeleting(board),
            },
          ]}
        />
      </li>
    );
  };

  return (
    <main className="page" id="main">
      <div className="page-header">
        <div>
          <h1>Boards</h1>
          <p>
            {openMode ? 'Open mode: everyone shares every board.' : 'Boards you are a member of.'}
          </p>
        </div>
      </div>
      {load.status === 'error' && (
        <div className="form-error" role="alert">
          <Icon name="alert" />
          <span style={{ flex: 1 }}>{errorText(load.error)}</span>
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => void refresh()}>
            Retry
          </button>
        </div>
      )}
      {load.status === 'loading' ? (
        <ul
          className="board-grid"
          style={{ listStyle: 'none', padding: 0 }}
          aria-busy="true"
          aria-label="Loading boards"
        >
          {[0, 1, 2, 3].map((i) => (
            <li key={i} className="skeleton tile-skeleton" />
          ))}
        </ul>
      ) : (
        <>
          {active.length === 0 && load.status === 'ready' && (
            <div className="empty">
              <BoardArt />
              <h2>No boards yet</h2>
              <p>Create your first board: it starts with To do, In progress and Done.</p>
            </div>
          )}
          <ul className="board-grid" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {active.map(tile)}
            <li>
              <NewBoard />
            </li>
          </ul>
          {archived.length > 0 && (
            <>
              <h2 className="section-heading">
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  aria-expanded={showArchived}
                  onClick={() => setShowArchived((s) => !s)}
                >
                  <Icon name="archive" />
                  {showArchived ? 'Hide' : 'Show'} archived boards ({archived.length})
                </button>
              </h2>
              {showArchived && (
                <ul className="board-grid" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                  {archived.map(tile)}
                </ul>
              )}
            </>
          )}
        </>
      )}
      <RenameDialog
        board={renaming}
        onClose={() => setRenaming(null)}
        onSave={(board, title) =>
          void act(() => api.updateBoard(board.id, { title }, board.version), 'Board renamed.')
        }
      />
      <ConfirmDialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete “${deleting?.title ?? ''}”?`}
        confirmLabel="Delete board"
        onConfirm={() => {
          const board = deleting;
          setDeleting(null);
          if (board) void act(() => api.deleteBoard(board.id), `“${board.title}” deleted.`);
        }}
      >
        <p>Its columns and tasks are deleted for every member. This cannot be undone.</p>
      </ConfirmDialog>
    </main>
  );
}

function byRecent(a: Board, b: Board): number {
  return b.updated_at.localeCompare(a.updated_at);
}

function NewBoard() {
  const { api } = useServices();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const create = async () => {
    const parsed = createBoardSchema.safeParse({ title });
    if (!parsed.success) {
      setError(zodFieldErrors(parsed.error).title ?? 'Check the title.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const board = await api.createBoard(parsed.data);
      navigate(paths.board(board.id));
    } catch (e) {
      setError(fieldErrors(e).title ?? errorText(e));
      setBusy(false);
    }
  };
  return (
    <form
      className="new-board"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <label className="label" htmlFor="new-board-title">
        New board
      </label>
      <input
        id="new-board-title"
        className="input"
        placeholder="e.g. Website relaunch"
        value={title}
        maxLength={120}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'new-board-error' : undefined}
        onChange={(e) => setTitle(e.target.value)}
      />
      {error && (
        <p className="field-error" id="new-board-error">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? <span className="spinner" aria-hidden="true" /> : <Icon name="plus" />}
        Create board
      </button>
    </form>
  );
}

function RenameDialog({
  board,
  onClose,
  onSave,
}: {
  board: Board | null;
  onClose: () => void;
  onSave: (board: Board, title: string) => void;
}) {
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (board) {
      setTitle(board.title);
      setError(null);
    }
  }, [board]);
  return (
    <Dialog
      open={board !== null}
      onClose={onClose}
      title="Rename board"
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="rename-board" className="btn btn-primary">
            Save
          </button>
        </>
      }
    >
      <form
        id="rename-board"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = createBoardSchema.shape.title.safeParse(title);
          if (!parsed.success) {
            setError(title.trim() ? 'At most 100 characters.' : 'A board needs a name.');
            return;
          }
          if (board) onSave(board, parsed.data);
          onClose();
        }}
      >
        <div className="field">
          <label className="label" htmlFor="rename-board-title">
            Name
          </label>
          <input
            id="rename-board-title"
            className="input"
            data-autofocus
            value={title}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setTitle(e.target.value)}
          />
          {error && <p className="field-error">{error}</p>}
        </div>
      </form>
    </Dialog>
  );
}

import { type ArchivedList, can, type TrashEntry } from '@switchboard/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/error-text';
import { fullDate, relativeTime } from '../lib/format';
import { useServices } from '../services-context';
import type { BoardStore, BoardView } from '../state/board-store';
import { ConfirmDialog, Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';

/** Events after which the archived and trash lists are read again. */
const RELOAD_ON = new Set([
  'task.archived',
  'task.unarchived',
  'task.deleted',
  'task.restored',
  'task.purged',
  'column.archived',
  'column.unarchived',
  'column.deleted',
]);

/**
 * What is off the board: archived columns and cards (restore), and the trash
 * (restore with comments and checklists; owners delete for good or empty it).
 * Live: another member's archive, restore or purge shows here at once.
 */
export function ArchiveDialog({
  store,
  view,
  initialTab,
  onClose,
}: {
  store: BoardStore;
  view: BoardView;
  initialTab: 'archived' | 'trash';
  onClose: () => void;
}) {
  const { api, toasts } = useServices();
  const [tab, setTab] = useState(initialTab);
  const [archived, setArchived] = useState<ArchivedList | null>(null);
  const [trash, setTrash] = useState<TrashEntry[] | null>(null);
  const [confirm, setConfirm] = useState<
    { kind: 'one'; entry: TrashEntry } | { kind: 'all' } | null
  >(null);
  const boardId = store.boardId;
  const role = view.board.role;
  const writable = !view.board.archived;
  const fail = useCallback(
    (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
    [toasts],
  );
  const load = useCallback(() => {
    api.listArchived(boardId).then(setArchived, fail);
    api.listTrash(boardId).then((r) => setTrash(r.entries), fail);
  }, [api, boardId, fail]);
  useEffect(load, [load]);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () =>
      store.onEvent((e) => {
        if (e.kind === 'reset' || RELOAD_ON.has(e.event.type)) {
          // Several events in a row (a column with its cards) make one reload.
          if (pending.current) clearTimeout(pending.current);
          pending.current = setTimeout(load, 50);
        }
      }),
    [store, load],
  );
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );

  const act = (call: () => Promise<unknown>, done: string): void => {
    call().then(() => {
      toasts.show({ kind: 'info', message: done });
      load();
    }, fail);
  };
  const name = (id: number) => view.membersById[id]?.username ?? 'someone';
  const tabs = [
    { id: 'archived' as const, label: 'Archived' },
    { id: 'trash' as const, label: 'Trash' },
  ];

  return (
    <Dialog open wide onClose={onClose} title="Archived and trash" className="archive-dialog">
      <div role="tablist" aria-label="Archived and trash" className="tabs">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`archive-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`archive-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className="tab"
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                const next = tab === 'archived' ? 'trash' : 'archived';
                setTab(next);
                document.getElementById(`archive-tab-${next}`)?.focus();
              }
            }}
          >
            {t.label}
            {t.id === 'trash' && trash ? ` (${trash.length})` : ''}
            {t.id === 'archived' && archived
              ? ` (${archived.columns.length + archived.tasks.length})`
              : ''}
          </button>
        ))}
      </div>
      {tab === 'archived' ? (
        <div role="tabpanel" id="archive-panel-archived" aria-labelledby="archive-tab-archived">
          {!archived ? (
            <p className="hint">Loading…</p>
          ) : archived.columns.length + archived.tasks.length === 0 ? (
            <p className="hint">Nothing is archived.</p>
          ) : (
            <ul className="off-board-list" aria-label="Archived">
              {archived.columns.map((c) => (
                <li key={`c${c.id}`}>
                  <Icon name="columns" />
                  <span className="off-board-title">
                    Column <strong>{c.title}</strong>
                  </span>
                  {c.archived_at && (
                    <span className="hint">archived {relativeTime(c.archived_at)}</span>
                  )}
                  {can(role, 'column.write') && writable && (
                    <button
                      type="button"
                      className="btn btn-secondary btn-sm"
                      aria-label={`Restore column ${c.title}`}
                      onClick={() =>
                        act(
                          () => api.updateColumn(boardId, c.id, { archived: false }),
                          `Column “${c.title}” is back.`,
                        )
                      }
                    >
                      <Icon name="restore" /> Restore
                    </button>
                  )}
                </li>
              ))}
              {archived.tasks.map((t) => (
                <li key={`t${t.id}`}>
                  <Icon name="archive" />
                  <span className="off-board-title">{t.title}</span>
                  <span className="hint">
                    in {t.status}
                    {t.archived_at ? ` · archived ${relativeTime(t.archived_at)}` : ''}
                  </span>
                  {can(role, 'task.write') && writable && (
                    <button
                      type="button"
                      className="btn btn-secondary btn-sm"
                      aria-label={`Restore card ${t.title}`}
                      onClick={() =>
                        act(() => api.unarchiveTask(t.id), `“${t.title}” is back on the board.`)
                      }
                    >
                      <Icon name="restore" /> Restore
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <div role="tabpanel" id="archive-panel-trash" aria-labelledby="archive-tab-trash">
          <p className="hint">
            Deleted cards stay here with their comments and checklists until they are deleted for
            good on their date.
          </p>
          {!trash ? (
            <p className="hint">Loading…</p>
          ) : trash.length === 0 ? (
            <p className="hint">The trash is empty.</p>
          ) : (
            <ul className="off-board-list" aria-label="Trash">
              {trash.map((entry) => (
                <li key={entry.task.id}>
                  <Icon name="trash" />
                  <span className="off-board-title">{entry.task.title}</span>
                  <span className="hint" title={`Deleted for good ${fullDate(entry.purge_at)}`}>
                    deleted by {name(entry.deleted_by)} {relativeTime(entry.deleted_at)} · goes{' '}
                    {relativeTime(entry.purge_at)}
                  </span>
                  {can(role, 'trash.restore') && writable && (
                    <button
                      type="button"
                      className="btn btn-secondary btn-sm"
                      aria-label={`Restore ${entry.task.title}`}
                      onClick={() =>
                        act(
                          () => api.restoreFromTrash(boardId, entry.task.id),
                          `“${entry.task.title}” is back on the board.`,
                        )
                      }
                    >
                      <Icon name="restore" /> Restore
                    </button>
                  )}
                  {can(role, 'trash.empty') && writable && (
                    <button
                      type="button"
                      className="btn btn-danger-ghost btn-sm"
                      aria-label={`Delete ${entry.task.title} forever`}
                      onClick={() => setConfirm({ kind: 'one', entry })}
                    >
                      Delete forever
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          {trash && trash.length > 0 && can(role, 'trash.empty') && writable && (
            <button
              type="button"
              className="btn btn-danger btn-sm"
              onClick={() => setConfirm({ kind: 'all' })}
            >
              Empty the trash
            </button>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        title={
          confirm?.kind === 'one'
            ? `Delete “${confirm.entry.task.title}” forever?`
            : 'Empty the trash?'
        }
        confirmLabel={confirm?.kind === 'one' ? 'Delete forever' : 'Empty the trash'}
        onConfirm={() => {
          const c = confirm;
          setConfirm(null);
          if (c?.kind === 'one') {
            act(() => api.deleteForever(boardId, c.entry.task.id), 'Deleted for good.');
          } else if (c) {
            act(() => api.emptyTrash(boardId), 'The trash is empty.');
          }
        }}
      >
        <p>Its comments and checklists go with it. This cannot be undone.</p>
      </ConfirmDialog>
    </Dialog>
  );
}

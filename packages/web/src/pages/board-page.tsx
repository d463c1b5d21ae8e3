import { type BoardDetail, can, type User } from '@switchboard/core';
import {
  useCallback,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { errorText } from '../api/error-text';
import { isApiError } from '../api/http';
import { BoardCanvas } from '../board/board-canvas';
import { BoardContext, type BoardContextValue } from '../board/board-context';
import { BoardHeader } from '../board/board-header';
import { ActivityPanel } from '../board/activity-feed';
import { ArchiveDialog } from '../board/archive-dialog';
import { ConflictDialog } from '../board/conflict-dialog';
import { FieldsDialog } from '../board/fields-dialog';
import { LabelsDialog } from '../board/labels-dialog';
import { TaskDialog } from '../board/task-dialog';
import { matchesFilter, parseFilter } from '../lib/filter';
import { useShortcut } from '../lib/shortcuts';
import { Link, navigate, paths } from '../router';
import { Attribution } from '../board/background-dialog';
import { backgroundLook } from '../lib/board-background';
import { BoardStore } from '../state/board-store';
import { syncBoard } from '../state/board-sync';
import { useBoardMeta, useBoardView } from '../state/use-store';
import { BoardArt, Icon } from '../ui/icons';
import { useServices } from '../services-context';

/** Coalesces server-driven re-renders to one per frame (a timer covers hidden tabs). */
function frameNotify(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  requestAnimationFrame(once);
  setTimeout(once, 100);
}

type Load =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ready'; store: BoardStore };

export function BoardPage({
  boardId,
  taskId,
  user,
  openMode,
}: {
  boardId: number;
  taskId: number | null;
  user: User;
  openMode: boolean;
}) {
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const { api, realtime, toasts } = useServices();

  useEffect(() => {
    let cancelled = false;
    let store: BoardStore | null = null;
    let stopSync: (() => void) | null = null;
    setLoad({ status: 'loading' });
    performance.clearMarks('board:data');
    performance.clearMarks('board:response');
    api
      .getBoard(boardId, () => performance.mark('board:response'))
      .then((detail: BoardDetail) => {
        performance.mark('board:data', { detail: { tasks: detail.tasks.length } });
        if (cancelled) return;
        const created: BoardStore = new BoardStore(detail, {
          transport: api,
          viewerId: user.id,
          scheduleNotify: frameNotify,
          onNotice: (notice) =>
            toasts.show({
              kind: notice.kind,
              message: notice.message,
              ...(notice.retry ? { action: { label: 'Retry', run: notice.retry } } : {}),
            }),
          onAcked: () => {
            // Without the socket our own writes arrive through the REST log.
            if (realtime.getState().status !== 'live') {
              setTimeout(() => void created.catchUp().catch(() => {}), 150);
            }
          },
        });
        store = created;
        stopSync = syncBoard(created, realtime);
        setLoad({ status: 'ready', store: created });
      })
      .catch((error: unknown) => {
        if (!cancelled) setLoad({ status: 'error', error });
      });
    const onHide = () => store?.flush({ keepalive: true });
    window.addEventListener('pagehide', onHide);
    return () => {
      cancelled = true;
      window.removeEventListener('pagehide', onHide);
      stopSync?.();
      store?.dispose();
    };
  }, [boardId, user.id, attempt, api, realtime, toasts]);

  if (load.status === 'loading') return <BoardSkeleton />;
  if (load.status === 'error') {
    const notFound =
      isApiError(load.error) && (load.error.status === 404 || load.error.status === 403);
    return (
      <div className="page">
        <div className="empty">
          <BoardArt />
          <h2>{notFound ? 'Board not found' : 'Couldn’t load this board'}</h2>
          <p>
            {notFound ? 'It was deleted, or you are not a member of it.' : errorText(load.error)}
          </p>
          <div style={{ display: 'flex', gap: 8 }}>
            {!notFound && (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => setAttempt((a) => a + 1)}
              >
                <Icon name="refresh" /> Try again
              </button>
            )}
            <Link className="btn btn-secondary" to={paths.boards()}>
              All boards
            </Link>
          </div>
        </div>
      </div>
    );
  }
  return <LoadedBoard store={load.store} taskId={taskId} user={user} openMode={openMode} />;
}

function LoadedBoard({
  store,
  taskId,
  user,
  openMode,
}: {
  store: BoardStore;
  taskId: number | null;
  user: User;
  openMode: boolean;
}) {
  const view = useBoardView(store);
  const meta = useBoardMeta(store);
  const { toasts } = useServices();
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const filter = useMemo(
    () => parseFilter(deferredQuery, view.customFields),
    [deferredQuery, view.customFields],
  );
  const [composeColumnId, setComposeColumnId] = useState<number | null>(null);
  const [panel, setPanel] = useState<'labels' | 'fields' | 'archived' | 'trash' | null>(null);
  const [activityOpen, setActivityOpen] = useState(false);
  const filterRef = useRef<HTMLInputElement>(null);
  const boardId = store.boardId;
  const role = view.board.role;
  const writable = !view.board.archived && !meta.accessLost;
  const canWrite = can(role, 'task.write') && writable;
  const canManageColumns = can(role, 'column.write') && writable;

  useLayoutEffect(() => {
    // Board painted: the figure docs/web.md reports (data arrival → first paint).
    requestAnimationFrame(() =>
      setTimeout(() => {
        performance.mark('board:painted');
        try {
          performance.measure('board:render', 'board:data', 'board:painted');
        } catch {
          // No data mark (e.g. navigation back): nothing to measure.
        }
      }, 0),
    );
  }, [store]);

  const deleteTaskWithUndo = useCallback(
    (id: number) => {
      const title = store.getView().tasks[id]?.title ?? 'Task';
      const { undo } = store.deleteTask(id);
      toasts.show({
        kind: 'info',
        message: `Deleted “${title.length > 40 ? `${title.slice(0, 40)}…` : title}”`,
        timeout: 6000,
        action: {
          label: 'Undo',
          run: () => {
            if (!undo()) toasts.show({ kind: 'error', message: 'Too late to undo: it is gone.' });
          },
        },
      });
    },
    [store, toasts],
  );

  const context = useMemo<BoardContextValue>(
    () => ({
      store,
      boardId,
      canWrite,
      canManageColumns,
      viewerId: user.id,
      membersById: view.membersById,
      labelsById: view.labelsById,
      customFields: view.customFields,
      openTask: (id) => navigate(paths.task(boardId, id)),
      deleteTaskWithUndo,
    }),
    [
      store,
      boardId,
      canWrite,
      canManageColumns,
      user.id,
      view.membersById,
      view.labelsById,
      view.customFields,
      deleteTaskWithUndo,
    ],
  );

  const matchCount = useMemo(() => {
    if (!filter) return null;
    let n = 0;
    for (const task of Object.values(view.tasks))
      if (matchesFilter(filter, task, view.membersById)) n++;
    return n;
  }, [filter, view.tasks, view.membersById]);

  useShortcut('/', (e) => {
    e.preventDefault();
    filterRef.current?.focus();
  });
  useShortcut('n', (e) => {
    if (!canWrite || taskId !== null) return;
    const first = view.columns[0];
    if (!first) return;
    e.preventDefault();
    setComposeColumnId(first.id);
  });

  const conflict = meta.conflicts[0];
  const look = backgroundLook(view.board.background);
  const photo = view.board.background?.kind === 'unsplash' ? view.board.background : null;
  return (
    <BoardContext.Provider value={context}>
      <div className={`board-page ${look.className}`} style={look.style}>
        {meta.accessLost && (
          <div className="banner banner-danger" role="alert">
            <Icon name="alert" />
            <span style={{ flex: 1 }}>{meta.accessLost}</span>
            <Link className="btn btn-secondary btn-sm" to={paths.boards()}>
              All boards
            </Link>
          </div>
        )}
        {view.board.archived && !meta.accessLost && (
          <div className="banner banner-warning" role="status">
            <Icon name="archive" />
            <span style={{ flex: 1 }}>This board is archived and read-only.</span>
            {can(role, 'board.archive') && (
              <button
                type="button"
                className="btn btn-secondary btn-sm"
                onClick={() => store.updateBoard({ archived: false }, view.board.version)}
              >
                Unarchive
              </button>
            )}
          </div>
        )}
        {!canWrite && !view.board.archived && !meta.accessLost && role === 'viewer' && (
          <div className="banner banner-info" role="status">
            You are a viewer on this board: you can read everything but not change it.
          </div>
        )}
        <BoardHeader
          view={view}
          meta={meta}
          query={query}
          onQuery={setQuery}
          matchCount={matchCount}
          filterRef={filterRef}
          openMode={openMode}
          activityOpen={activityOpen}
          onOpenPanel={(p) => (p === 'activity' ? setActivityOpen((o) => !o) : setPanel(p))}
        />
        <div className={`board-body${activityOpen ? ' with-panel' : ''}`}>
          {view.columns.length === 0 && !canManageColumns ? (
            <div className="empty">
              <BoardArt />
              <h2>No columns yet</h2>
            </div>
          ) : (
            <BoardCanvas
              view={view}
              filter={filter}
              composeColumnId={composeColumnId}
              onComposeEnd={() => setComposeColumnId(null)}
            />
          )}
          {photo && (
            <Attribution
              className="board-photo-credit"
              name={photo.photographer_name}
              url={photo.photographer_url}
            />
          )}
          {activityOpen && (
            <ActivityPanel store={store} view={view} onClose={() => setActivityOpen(false)} />
          )}
        </div>
        {(panel === 'archived' || panel === 'trash') && (
          <ArchiveDialog
            store={store}
            view={view}
            initialTab={panel}
            onClose={() => setPanel(null)}
          />
        )}
        {panel === 'labels' && (
          <LabelsDialog
            view={view}
            canManage={can(role, 'label.manage') && writable}
            onClose={() => setPanel(null)}
          />
        )}
        {panel === 'fields' && (
          <FieldsDialog
            view={view}
            canManage={can(role, 'field.manage') && writable}
            onClose={() => setPanel(null)}
          />
        )}
        {taskId !== null && (
          <TaskDialog view={view} taskId={taskId} onClose={() => navigate(paths.board(boardId))} />
        )}
        {conflict && (
          <ConflictDialog
            conflict={conflict}
            members={view.membersById}
            onResolve={(choice) => store.resolveConflict(conflict.id, choice)}
          />
        )}
      </div>
    </BoardContext.Provider>
  );
}

function BoardSkeleton() {
  return (
    <div className="board-page" aria-busy="true" aria-label="Loading the board">
      <div className="board-header">
        <div className="skeleton" style={{ width: 220, height: 30 }} />
        <div className="skeleton" style={{ width: 240, height: 34 }} />
      </div>
      <div className="canvas">
        {[5, 3, 4].map((n, i) => (
          <div className="skeleton-column" key={i}>
            <div className="skeleton" style={{ width: '50%', height: 18 }} />
            {Array.from({ length: n }, (_, j) => (
              <div className="skeleton" key={j} style={{ height: 58, borderRadius: 10 }} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

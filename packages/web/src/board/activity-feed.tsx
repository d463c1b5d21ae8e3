import type { ActivityEntry, EventLookups } from '@switchboard/core';
import { useMemo } from 'react';
import { fullDate, relativeTime } from '../lib/format';
import { renderMarkdown } from '../lib/markdown';
import type { BoardStore, BoardView } from '../state/board-store';
import { useActivity } from '../state/cards/use-card-data';
import { Avatar } from '../ui/avatar';
import { Icon } from '../ui/icons';

/** Names for core's describeEvent from what the board holds. */
export function useLookups(view: BoardView): EventLookups {
  return useMemo(
    () => ({
      username: (id) => view.membersById[id]?.username,
      taskTitle: (id) => view.tasks[id]?.title,
      customField: (id) => view.customFieldsById[id],
    }),
    [view.membersById, view.tasks, view.customFieldsById],
  );
}

/** Entries in human words, newest first; "Show older" pages backwards. */
export function ActivityFeed({
  store,
  taskId,
  view,
  label,
}: {
  store: BoardStore;
  taskId: number | null;
  view: BoardView;
  label: string;
}) {
  const lookups = useLookups(view);
  const { state, loadOlder } = useActivity(store, taskId, lookups);
  if (!state.loaded) return <p className="hint">Loading…</p>;
  return (
    <div className="activity">
      {state.entries.length === 0 ? (
        <p className="hint">Nothing yet.</p>
      ) : (
        <ol className="activity-list" aria-label={label}>
          {state.entries.map((e) => (
            <ActivityRow key={e.seq} entry={e} />
          ))}
        </ol>
      )}
      {state.nextBeforeSeq !== null && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={loadOlder}>
          Show older
        </button>
      )}
    </div>
  );
}

function ActivityRow({ entry }: { entry: ActivityEntry }) {
  // Markdown from core's describeEvent: titles in emphasis, user text escaped.
  const html = useMemo(() => renderMarkdown(entry.text), [entry.text]);
  return (
    <li className="activity-entry" data-seq={entry.seq}>
      <Avatar name={entry.actor.username ?? '?'} size="sm" />
      <div>
        <div className="activity-text markdown" dangerouslySetInnerHTML={{ __html: html }} />
        <time className="hint" dateTime={entry.created_at} title={fullDate(entry.created_at)}>
          {' · '}
          {relativeTime(entry.created_at)}
        </time>
      </div>
    </li>
  );
}

/** The board's activity as a side panel. */
export function ActivityPanel({
  store,
  view,
  onClose,
}: {
  store: BoardStore;
  view: BoardView;
  onClose: () => void;
}) {
  return (
    <aside className="side-panel" aria-labelledby="activity-panel-title">
      <header className="side-panel-head">
        <h2 id="activity-panel-title">
          <Icon name="activity" /> Activity
        </h2>
        <button
          type="button"
          className="btn btn-ghost btn-icon btn-sm"
          aria-label="Close activity"
          onClick={onClose}
        >
          <Icon name="x" />
        </button>
      </header>
      <ActivityFeed store={store} taskId={null} view={view} label="Board activity" />
    </aside>
  );
}

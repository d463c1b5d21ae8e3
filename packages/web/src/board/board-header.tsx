import { can, type PresenceViewer } from '@switchboard/core';
import { type RefObject, useState } from 'react';
import { errorText } from '../api/error-text';
import type { BoardMeta, BoardView } from '../state/board-store';
import { navigate, paths } from '../router';
import { Avatar, AvatarStack } from '../ui/avatar';
import { ConfirmDialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { Menu } from '../ui/menu';
import { BackgroundDialog } from './background-dialog';
import { useBoard } from './board-context';
import { InlineTitle } from './inline-title';
import { MembersDialog } from './members-dialog';
import { useServices } from '../services-context';

/** Title, filter, presence and members, and the board menu. */
export function BoardHeader({
  view,
  meta,
  query,
  onQuery,
  matchCount,
  filterRef,
  openMode,
  onOpenPanel,
  activityOpen,
}: {
  view: BoardView;
  meta: BoardMeta;
  query: string;
  onQuery: (q: string) => void;
  matchCount: number | null;
  filterRef: RefObject<HTMLInputElement | null>;
  openMode: boolean;
  onOpenPanel: (panel: 'activity' | 'labels' | 'fields' | 'archived' | 'trash') => void;
  activityOpen: boolean;
}) {
  const { store, viewerId, boardId } = useBoard();
  const { api, toasts } = useServices();
  const [renaming, setRenaming] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const [backgroundOpen, setBackgroundOpen] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const { board } = view;
  const role = board.role;
  const others = othersViewing(meta.presence, viewerId);

  const remove = async () => {
    setDeleting(true);
    try {
      await api.deleteBoard(boardId);
      toasts.show({ kind: 'info', message: `Board “${board.title}” deleted.` });
      navigate(paths.boards());
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
      setDeleting(false);
      setConfirmDelete(false);
    }
  };

  return (
    <div className="board-header">
      <InlineTitle
        as="h1"
        className="board-title"
        value={board.title}
        editing={renaming}
        onEditingChange={setRenaming}
        canEdit={can(role, 'board.rename') && !board.archived}
        maxLength={100}
        label="Board name"
        onSave={(title) => store.updateBoard({ title }, board.version)}
      />
      {board.archived && <span className="badge badge-warning">Archived</span>}
      <div className="filter" role="search">
        <Icon name="search" />
        <label htmlFor="board-filter" className="visually-hidden">
          Filter tasks
        </label>
        <input
          ref={filterRef}
          id="board-filter"
          className="input"
          type="search"
          placeholder="Filter: text, #label, @name"
          value={query}
          onChange={(e) => onQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              onQuery('');
              e.currentTarget.blur();
            }
          }}
          aria-describedby="filter-count"
        />
      </div>
      {view.labels.length > 0 && (
        <Menu
          label="Filter by label"
          buttonClass="btn btn-secondary btn-sm"
          icon={<Icon name="tag" />}
          items={view.labels.map((l) => ({
            label: l.name,
            onSelect: () => onQuery(toggleTerm(query, labelTerm(l.name))),
          }))}
        />
      )}
      <Menu
        label="Filter by due date"
        buttonClass="btn btn-secondary btn-sm"
        icon={<Icon name="calendar" />}
        items={[
          { label: 'Overdue', onSelect: () => onQuery(toggleTerm(query, 'due:overdue')) },
          { label: 'Due soon', onSelect: () => onQuery(toggleTerm(query, 'due:soon')) },
          { label: 'Has a due date', onSelect: () => onQuery(toggleTerm(query, 'has:due')) },
        ]}
      />
      <span className="filter-count" id="filter-count" aria-live="polite">
        {matchCount !== null ? `${matchCount} matching` : ''}
      </span>
      <div className="topbar-spacer" />
      <div className="board-header-group">
        {others.length > 0 && (
          <span
            className="presence"
            aria-label={`Also viewing: ${others.map((v) => v.username).join(', ')}`}
            title={`Also viewing: ${others.map((v) => v.username).join(', ')}`}
          >
            <AvatarStack names={others.map((v) => v.username)} max={4} />
          </span>
        )}
        {meta.unsaved > 0 && (
          <span className="badge" aria-live="polite">
            <span className="spinner" style={{ width: 10, height: 10 }} aria-hidden="true" />
            Saving…
          </span>
        )}
        {!openMode && (
          <button
            type="button"
            className="btn btn-secondary btn-sm members-button"
            onClick={() => setMembersOpen(true)}
            aria-label={`Members (${view.members.length})`}
          >
            <span className="avatar-stack" aria-hidden="true">
              {view.members.slice(0, 3).map((m) => (
                <Avatar key={m.user_id} name={m.username} size="sm" />
              ))}
            </span>
            <span>{view.members.length}</span>
            <Icon name="users" />
          </button>
        )}
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          aria-pressed={activityOpen}
          onClick={() => onOpenPanel('activity')}
        >
          <Icon name="activity" /> Activity
        </button>
        <Menu
          label="Board actions"
          buttonClass="btn btn-secondary btn-icon btn-sm"
          items={[
            {
              label: 'Rename board',
              icon: <Icon name="edit" />,
              hidden: !can(role, 'board.rename') || board.archived,
              onSelect: () => setRenaming(true),
            },
            {
              label: 'Background…',
              icon: <Icon name="image" />,
              hidden: !can(role, 'board.rename') || board.archived,
              onSelect: () => setBackgroundOpen(true),
            },
            {
              label: 'Members…',
              icon: <Icon name="users" />,
              hidden: openMode,
              onSelect: () => setMembersOpen(true),
            },
            {
              label: 'Labels…',
              icon: <Icon name="tag" />,
              onSelect: () => onOpenPanel('labels'),
            },
            {
              label: 'Custom fields…',
              icon: <Icon name="sliders" />,
              onSelect: () => onOpenPanel('fields'),
            },
            {
              label: 'Archived cards and columns…',
              icon: <Icon name="archive" />,
              onSelect: () => onOpenPanel('archived'),
            },
            {
              label: 'Trash…',
              icon: <Icon name="trash" />,
              onSelect: () => onOpenPanel('trash'),
            },
            'separator',
            {
              label: board.archived ? 'Unarchive board' : 'Archive board',
              icon: <Icon name="archive" />,
              hidden: !can(role, 'board.archive'),
              onSelect: () => store.updateBoard({ archived: !board.archived }, board.version),
            },
            {
              label: 'Delete board…',
              icon: <Icon name="trash" />,
              danger: true,
              hidden: !can(role, 'board.delete'),
              onSelect: () => setConfirmDelete(true),
            },
          ]}
        />
      </div>
      {backgroundOpen && (
        <BackgroundDialog
          open
          onClose={() => setBackgroundOpen(false)}
          current={board.background}
          onChoose={(background) => store.updateBoard({ background })}
        />
      )}
      {!openMode && (
        <MembersDialog
          open={membersOpen}
          onClose={() => setMembersOpen(false)}
          members={view.members}
          isOwner={can(role, 'member.manage')}
        />
      )}
      <ConfirmDialog
        open={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title={`Delete “${board.title}”?`}
        confirmLabel="Delete board"
        busy={deleting}
        onConfirm={() => void remove()}
      >
        <p>
          All {Object.keys(view.tasks).length} tasks and {view.columns.length} columns go with it,
          for every member. This cannot be undone — archive it instead to keep it read-only.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function othersViewing(viewers: readonly PresenceViewer[], me: number): PresenceViewer[] {
  const seen = new Set<number>([me]);
  const out: PresenceViewer[] = [];
  for (const v of viewers) {
    if (seen.has(v.user_id)) continue;
    seen.add(v.user_id);
    out.push(v);
  }
  return out;
}

/** A filter term for a label name (quoted when it has spaces). */
export function labelTerm(name: string): string {
  return /\s/.test(name) ? `label:"${name.toLowerCase()}"` : `#${name.toLowerCase()}`;
}

/** Adds the term to the query, or takes it out when it is there. */
export function toggleTerm(query: string, term: string): string {
  const q = query.trim();
  if (q.toLowerCase().includes(term.toLowerCase())) {
    return q.replace(term, '').replace(/\s+/g, ' ').trim();
  }
  return q ? `${q} ${term}` : term;
}

import { can, type Comment, limits, type Member } from '@switchboard/core';
import { useMemo, useState } from 'react';
import { errorText } from '../api/error-text';
import { isApiError } from '../api/http';
import { fullDate, relativeTime } from '../lib/format';
import { useServices } from '../services-context';
import { useComments } from '../state/cards/use-card-data';
import type { BoardStore } from '../state/board-store';
import { Avatar } from '../ui/avatar';
import { ConfirmDialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { useBoard } from './board-context';
import { MarkdownView } from './markdown-view';
import { MentionTextarea } from './mention-textarea';

/** A card's comments: Markdown, @mentions with autocomplete, edit and delete one's own. */
export function CardComments({
  store,
  taskId,
  members,
}: {
  store: BoardStore;
  taskId: number;
  members: readonly Member[];
}) {
  const { api, toasts } = useServices();
  const { viewerId } = useBoard();
  const role = store.getView().board.role;
  const { state, dispatch, loadOlder } = useComments(store, taskId);
  const [draft, setDraft] = useState('');
  const [posting, setPosting] = useState(false);
  const canComment = can(role, 'comment.write') && !store.getView().board.archived;
  const names = useMemo(() => new Set(members.map((m) => m.username.toLowerCase())), [members]);

  const post = async () => {
    const body = draft.trim();
    if (!body || posting) return;
    if (body.length > limits.commentMax) {
      toasts.show({ kind: 'error', message: `At most ${limits.commentMax} characters.` });
      return;
    }
    setPosting(true);
    try {
      const comment = await api.createComment(taskId, body);
      dispatch({ type: 'saved', comment });
      setDraft('');
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    } finally {
      setPosting(false);
    }
  };

  return (
    <section className="section card-comments" aria-labelledby={`comments-${taskId}`}>
      {/* The tab above shows the count; the heading names the region for screen readers. */}
      <h3 className="visually-hidden" id={`comments-${taskId}`}>
        Comments ({state.total})
      </h3>
      {canComment && (
        <div className="comment-composer">
          <MentionTextarea
            id={`comment-new-${taskId}`}
            label="Write a comment"
            placeholder="Write a comment… @ to mention someone"
            value={draft}
            onChange={setDraft}
            members={members}
            onSubmit={() => void post()}
          />
          <div className="composer-actions">
            <button
              type="button"
              className="btn btn-primary btn-sm"
              disabled={!draft.trim() || posting}
              onClick={() => void post()}
            >
              Comment
            </button>
            <span className="hint">Markdown; Ctrl+Enter posts.</span>
          </div>
        </div>
      )}
      {state.olderCursor && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={loadOlder}>
          Show older comments
        </button>
      )}
      {!state.loaded ? (
        <p className="hint">Loading comments…</p>
      ) : state.comments.length === 0 ? (
        <p className="hint">No comments yet.</p>
      ) : (
        <ol className="comment-list" aria-label="Comments">
          {state.comments.map((c) => (
            <CommentItem
              key={c.id}
              comment={c}
              mine={c.author_id === viewerId}
              canWrite={canComment}
              canModerate={can(role, 'comment.moderate')}
              members={members}
              names={names}
              onSaved={(comment) => dispatch({ type: 'saved', comment })}
              onRemoved={() => dispatch({ type: 'removed', id: c.id })}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

function CommentItem({
  comment,
  mine,
  canWrite,
  canModerate,
  members,
  names,
  onSaved,
  onRemoved,
}: {
  comment: Comment;
  mine: boolean;
  canWrite: boolean;
  canModerate: boolean;
  members: readonly Member[];
  names: ReadonlySet<string>;
  onSaved: (comment: Comment) => void;
  onRemoved: () => void;
}) {
  const { api, toasts } = useServices();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(comment.body);
  const [base, setBase] = useState(comment.version);
  const [conflict, setConflict] = useState<Comment | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const save = async (version: number) => {
    const body = draft.trim();
    if (!body) return;
    try {
      const saved = await api.updateComment(comment.id, body, version);
      onSaved(saved);
      setEditing(false);
      setConflict(null);
    } catch (error) {
      const current = isApiError(error)
        ? (error.details as { current?: Comment } | undefined)?.current
        : undefined;
      if (isApiError(error) && error.code === 'SB_ERR_VERSION_CONFLICT' && current) {
        onSaved(current);
        setConflict(current);
        return;
      }
      toasts.show({ kind: 'error', message: errorText(error) });
    }
  };

  const remove = async () => {
    try {
      await api.deleteComment(comment.id);
      onRemoved();
    } catch (error) {
      toasts.show({ kind: 'error', message: errorText(error) });
    }
    setConfirmDelete(false);
  };

  return (
    <li className="comment" data-comment-id={comment.id}>
      <Avatar name={comment.author_username} size="sm" />
      <div className="comment-main">
        <p className="comment-head">
          <strong>{comment.author_username}</strong>{' '}
          <time dateTime={comment.created_at} title={fullDate(comment.created_at)}>
            {relativeTime(comment.created_at)}
          </time>
          {comment.edited_at && (
            <span className="hint" title={fullDate(comment.edited_at)}>
              {' '}
              (edited)
            </span>
          )}
        </p>
        {editing ? (
          <div className="comment-edit">
            <MentionTextarea
              id={`comment-edit-${comment.id}`}
              label="Edit comment"
              value={draft}
              onChange={setDraft}
              members={members}
              autoFocus
              onSubmit={() => void save(base)}
              onCancel={() => setEditing(false)}
            />
            {conflict && (
              <div className="inline-conflict" role="alert">
                <p>
                  <Icon name="alert" /> This comment changed meanwhile (another tab?). Now it reads:
                </p>
                <MarkdownView source={conflict.body} className="comment-body" />
                <div className="composer-actions">
                  <button
                    type="button"
                    className="btn btn-primary btn-sm"
                    onClick={() => {
                      setBase(conflict.version);
                      void save(conflict.version);
                    }}
                  >
                    Keep my text
                  </button>
                  <button
                    type="button"
                    className="btn btn-secondary btn-sm"
                    onClick={() => {
                      setConflict(null);
                      setEditing(false);
                    }}
                  >
                    Use theirs
                  </button>
                </div>
              </div>
            )}
            {!conflict && (
              <div className="composer-actions">
                <button
                  type="button"
                  className="btn btn-primary btn-sm"
                  onClick={() => void save(base)}
                >
                  Save
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  onClick={() => setEditing(false)}
                >
                  Cancel
                </button>
              </div>
            )}
          </div>
        ) : (
          <MarkdownView
            source={comment.body}
            className="comment-body"
            mentions={names}
            onTick={
              canWrite
                ? (index, checked) =>
                    void api
                      .tickCommentItem(comment.id, index, checked)
                      .then(onSaved, (error) =>
                        toasts.show({ kind: 'error', message: errorText(error) }),
                      )
                : undefined
            }
          />
        )}
        {!editing && canWrite && (mine || canModerate) && (
          <div className="comment-actions">
            {mine && (
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                aria-label={`Edit comment of ${comment.author_username}`}
                onClick={() => {
                  setDraft(comment.body);
                  setBase(comment.version);
                  setConflict(null);
                  setEditing(true);
                }}
              >
                Edit
              </button>
            )}
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              aria-label={`Delete comment of ${comment.author_username}`}
              onClick={() => setConfirmDelete(true)}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      <ConfirmDialog
        open={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        title="Delete this comment?"
        confirmLabel="Delete comment"
        onConfirm={() => void remove()}
      >
        <p>It is gone for everyone; this cannot be undone.</p>
      </ConfirmDialog>
    </li>
  );
}

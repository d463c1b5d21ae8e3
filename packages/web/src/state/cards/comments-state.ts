import type { BoardEvent, Comment, CommentPage } from '@switchboard/core';

/**
 * A card's comment thread as the dialog holds it: pages read over REST
 * (newest first, older ones on demand), the user's own writes as the server
 * answered them, and the board's comment events. Every input is an upsert by
 * id that keeps the higher version, and deletions leave a tombstone, so the
 * same comment arriving twice — the POST's answer and then its event, or an
 * event and then a page that already holds it — shows once.
 */
export interface CommentsState {
  taskId: number;
  /** Oldest first. */
  comments: readonly Comment[];
  /** Comments on the card in all (from the server: pages and events). */
  total: number;
  /** Cursor of the next older page; null when everything is loaded. */
  olderCursor: string | null;
  loaded: boolean;
  deleted: ReadonlySet<number>;
}

export type CommentsAction =
  | { type: 'page'; page: CommentPage; older: boolean }
  | { type: 'saved'; comment: Comment }
  | { type: 'removed'; id: number }
  | { type: 'event'; event: BoardEvent };

export function initialComments(taskId: number): CommentsState {
  return { taskId, comments: [], total: 0, olderCursor: null, loaded: false, deleted: new Set() };
}

function upsert(state: CommentsState, incoming: readonly Comment[]): CommentsState {
  let list: Comment[] | null = null;
  for (const comment of incoming) {
    if (comment.task_id !== state.taskId || state.deleted.has(comment.id)) continue;
    const current = list ?? state.comments;
    const at = current.findIndex((c) => c.id === comment.id);
    if (at >= 0) {
      if (current[at]!.version >= comment.version) continue;
      list ??= [...state.comments];
      list[at] = comment;
    } else {
      list ??= [...state.comments];
      list.push(comment);
    }
  }
  if (!list) return state;
  // Ids grow with creation: id order is thread order.
  list.sort((a, b) => a.id - b.id);
  return { ...state, comments: list };
}

function remove(state: CommentsState, id: number): CommentsState {
  const deleted = new Set(state.deleted).add(id);
  return { ...state, comments: state.comments.filter((c) => c.id !== id), deleted };
}

export function commentsReducer(state: CommentsState, action: CommentsAction): CommentsState {
  switch (action.type) {
    case 'page': {
      const next = upsert(state, action.page.comments);
      const olderCursor =
        action.older || !state.loaded ? action.page.next_cursor : state.olderCursor;
      return { ...next, total: action.page.total, olderCursor, loaded: true };
    }
    case 'saved':
      return upsert(state, [action.comment]);
    case 'removed':
      return state.deleted.has(action.id) ? state : remove(state, action.id);
    case 'event': {
      const e = action.event;
      switch (e.type) {
        case 'comment.created':
          if (e.payload.task_id !== state.taskId) return state;
          return { ...upsert(state, [e.payload.comment]), total: e.payload.comment_count };
        case 'comment.updated':
          return e.payload.task_id === state.taskId ? upsert(state, [e.payload.comment]) : state;
        case 'comment.deleted': {
          if (e.payload.task_id !== state.taskId) return state;
          const next = state.deleted.has(e.payload.comment_id)
            ? state
            : remove(state, e.payload.comment_id);
          return { ...next, total: e.payload.comment_count };
        }
        default:
          return state;
      }
    }
  }
}

/** The `@word` being typed at `caret`, for autocomplete (null when not in a mention). */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|[^\w@.])@([\w.-]{0,39})$/.exec(before);
  if (!match) return null;
  const query = match[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Members whose names start with (then contain) the query, at most `max`. */
export function mentionCandidates<T extends { username: string }>(
  members: readonly T[],
  query: string,
  max = 6,
): T[] {
  const q = query.toLowerCase();
  const starts = members.filter((m) => m.username.toLowerCase().startsWith(q));
  const contains = members.filter(
    (m) => !m.username.toLowerCase().startsWith(q) && m.username.toLowerCase().includes(q),
  );
  return [...starts, ...contains].slice(0, max);
}

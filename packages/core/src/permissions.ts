import { sbError } from './errors.js';

export const roles = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof roles)[number];

export type Action =
  | 'board.read'
  | 'board.rename'
  | 'board.archive'
  | 'board.delete'
  | 'member.manage'
  | 'column.write'
  | 'task.write'
  | 'comment.write'
  | 'comment.moderate'
  | 'label.manage'
  | 'field.manage'
  | 'trash.restore'
  | 'trash.empty';

/** Who may do what on a board. Reading anything on the board is board.read. */
const allowed: Record<Action, readonly Role[]> = {
  'board.read': ['owner', 'editor', 'viewer'],
  'board.rename': ['owner', 'editor'],
  'board.archive': ['owner'],
  'board.delete': ['owner'],
  'member.manage': ['owner'],
  'column.write': ['owner', 'editor'],
  'task.write': ['owner', 'editor'],
  /** Post a comment; edit or delete one's own. */
  'comment.write': ['owner', 'editor'],
  /** Delete anyone's comment. */
  'comment.moderate': ['owner'],
  'label.manage': ['owner', 'editor'],
  'field.manage': ['owner', 'editor'],
  'trash.restore': ['owner', 'editor'],
  /** Delete cards for good (one, or the whole trash). */
  'trash.empty': ['owner'],
};

export function can(role: Role | null, action: Action): boolean {
  return role !== null && allowed[action].includes(role);
}

/**
 * Throws unless `role` may do `action`. A non-member (role null) gets
 * not-found, so a board's existence does not leak; a member without the right
 * gets forbidden.
 */
export function authorize(role: Role | null, action: Action): asserts role is Role {
  if (role === null) throw sbError('SB_ERR_NOT_FOUND', 'Board not found.');
  if (!allowed[action].includes(role)) {
    throw sbError('SB_ERR_FORBIDDEN', `A ${role} may not do ${action}.`, { role, action });
  }
}

/** Actions that change the board; refused while it is archived (except un-archiving and deleting). */
export function isWrite(action: Action): boolean {
  return action !== 'board.read';
}

/** Editing a comment: its author, with write access. */
export function authorizeCommentEdit(role: Role | null, actorId: number, authorId: number): void {
  authorize(role, 'comment.write');
  if (actorId !== authorId) {
    throw sbError('SB_ERR_NOT_AUTHOR', undefined, { author_id: authorId });
  }
}

/** Deleting a comment: its author with write access, or an owner. */
export function authorizeCommentDelete(role: Role | null, actorId: number, authorId: number): void {
  if (can(role, 'comment.moderate')) return;
  authorizeCommentEdit(role, actorId, authorId);
}

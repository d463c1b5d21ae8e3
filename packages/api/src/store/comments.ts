import {
  authorizeCommentDelete,
  authorizeCommentEdit,
  type Comment,
  type CommentPage,
  type CreateCommentInput,
  limits,
  type ListCommentsQuery,
  mentionedUsernames,
  resolveMentions,
  sbError,
  setTaskListItem,
  type TickTaskItemInput,
  type UpdateCommentInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, type WriteContext, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { type CommentRow, toComment } from './mappers.js';
import { boardOfTask, checkVersion, ensureOnBoard, lockedTask } from './tasks.js';

/**
 * Comments on a card: Markdown text (clients render and sanitise it), with
 * @mentions of members resolved when saved. The card keeps a count in the
 * same transaction, so the board payload needs no aggregate.
 */
function commentsQuery(db: Db | Tx) {
  return db
    .selectFrom('comments')
    .leftJoin('users', 'users.id', 'comments.author_id')
    .selectAll('comments')
    .select('users.username as author_username');
}

export async function listComments(
  db: Db,
  actor: Actor,
  taskId: number,
  query: ListCommentsQuery,
): Promise<CommentPage> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  const limit = query.limit ?? limits.commentsPageDefault;
  const newest = (query.order ?? 'newest') === 'newest';
  let page = commentsQuery(db)
    .where('comments.task_id', '=', taskId)
    .orderBy('comments.id', newest ? 'desc' : 'asc')
    .limit(limit + 1);
  if (query.cursor !== undefined) {
    page = page.where('comments.id', newest ? '<' : '>', query.cursor);
  }
  const [rows, task] = await Promise.all([
    page.execute(),
    db.selectFrom('tasks').select('comment_count').where('id', '=', taskId).executeTakeFirst(),
  ]);
  const more = rows.length > limit;
  const comments = rows.slice(0, limit).map(toComment);
  return {
    comments,
    next_cursor: more ? String(comments.at(-1)!.id) : null,
    total: task?.comment_count ?? 0,
  };
}

/** Mentioned members' ids (any user by that name in open mode, where everyone shares). */
async function mentions(tx: Tx, boardId: number, actor: Actor, body: string): Promise<number[]> {
  const names = mentionedUsernames(body).slice(0, limits.mentionsPerComment);
  if (names.length === 0) return [];
  const people = actor.sharedAccess
    ? await tx
        .selectFrom('users')
        .select(['id as user_id', 'username'])
        .where(sql`lower(username)`, 'in', names)
        .execute()
    : await tx
        .selectFrom('board_members as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['m.user_id', 'u.username'])
        .where('m.board_id', '=', boardId)
        .where(sql`lower(u.username)`, 'in', names)
        .execute();
  return resolveMentions(body, people);
}

async function bumpCount(tx: Tx, taskId: number, by: 1 | -1): Promise<number> {
  const row = await tx
    .updateTable('tasks')
    .set({ comment_count: sql`comment_count + ${by}` })
    .where('id', '=', taskId)
    .returning('comment_count')
    .executeTakeFirstOrThrow();
  return row.comment_count;
}

export async function createComment(
  db: Db,
  actor: Actor,
  taskId: number,
  input: CreateCommentInput,
): Promise<WriteResult<Comment>> {
  const boardId = await boardOfTask(db, taskId);
  return writeBoard(db, boardId, actor, 'comment.write', async ({ tx, emit }) => {
    ensureOnBoard(await lockedTask(tx, taskId));
    const row = await tx
      .insertInto('comments')
      .values({
        task_id: taskId,
        board_id: boardId,
        author_id: actor.id,
        body: input.body,
        mention_ids: await mentions(tx, boardId, actor, input.body),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const comment = toComment({ ...row, author_username: actor.username });
    const count = await bumpCount(tx, taskId, 1);
    emit({ type: 'comment.created', payload: { task_id: taskId, comment, comment_count: count } });
    return comment;
  });
}

async function boardOfComment(db: Db, commentId: number): Promise<number> {
  const row = await db
    .selectFrom('comments')
    .innerJoin('tasks', 'tasks.id', 'comments.task_id')
    .select('comments.board_id')
    .where('comments.id', '=', commentId)
    .where('tasks.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Comment not found.', { comment_id: commentId });
  return row.board_id;
}

async function lockedComment(tx: Tx, commentId: number) {
  const row = await commentsQuery(tx).where('comments.id', '=', commentId).executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Comment not found.', { comment_id: commentId });
  return row;
}

async function saveBody(
  ctx: WriteContext,
  current: CommentRow & { author_username: string | null },
  body: string,
  edited: boolean,
): Promise<Comment> {
  const before = toComment(current);
  if (body === current.body) return before;
  const row = await ctx.tx
    .updateTable('comments')
    .set({
      body,
      mention_ids: await mentions(ctx.tx, current.board_id, ctx.actor, body),
      version: sql`version + 1`,
      updated_at: sql`now()`,
      ...(edited ? { edited_at: sql`now()` } : {}),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const comment = toComment({ ...row, author_username: current.author_username });
  ctx.emit({
    type: 'comment.updated',
    payload: {
      task_id: current.task_id,
      comment,
      changes: { body: { from: current.body, to: body } },
    },
  });
  return comment;
}

/** Authors edit their own comments (If-Match or body version refuses stale edits: 409). */
export async function updateComment(
  db: Db,
  actor: Actor,
  commentId: number,
  input: UpdateCommentInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Comment>> {
  const boardId = await boardOfComment(db, commentId);
  return writeBoard(db, boardId, actor, 'comment.write', async (ctx) => {
    const current = await lockedComment(ctx.tx, commentId);
    authorizeCommentEdit(ctx.role, actor.id, current.author_id);
    checkVersion(ifMatch ?? input.version, current, (c) => toComment(c));
    ensureOnBoard(await lockedTask(ctx.tx, current.task_id));
    return saveBody(ctx, current, input.body, true);
  });
}

/** Anyone with write access ticks a task-list item in a comment (not an edit of its text). */
export async function tickCommentItem(
  db: Db,
  actor: Actor,
  commentId: number,
  index: number,
  input: TickTaskItemInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Comment>> {
  const boardId = await boardOfComment(db, commentId);
  return writeBoard(db, boardId, actor, 'task.write', async (ctx) => {
    const current = await lockedComment(ctx.tx, commentId);
    checkVersion(ifMatch ?? input.version, current, (c) => toComment(c));
    ensureOnBoard(await lockedTask(ctx.tx, current.task_id));
    return saveBody(ctx, current, setTaskListItem(current.body, index, input.checked), false);
  });
}

/** Authors delete their own comments; owners delete any. */
export async function deleteComment(
  db: Db,
  actor: Actor,
  commentId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<Comment>> {
  const boardId = await boardOfComment(db, commentId);
  return writeBoard(db, boardId, actor, 'comment.write', async ({ tx, role, emit }) => {
    const current = await lockedComment(tx, commentId);
    authorizeCommentDelete(role, actor.id, current.author_id);
    checkVersion(ifMatch, current, (c) => toComment(c));
    ensureOnBoard(await lockedTask(tx, current.task_id));
    await tx.deleteFrom('comments').where('id', '=', commentId).execute();
    const count = await bumpCount(tx, current.task_id, -1);
    emit({
      type: 'comment.deleted',
      payload: {
        task_id: current.task_id,
        comment_id: commentId,
        author_id: current.author_id,
        comment_count: count,
      },
    });
    return toComment(current);
  });
}

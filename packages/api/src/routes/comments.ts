import {
  commentPageSchema,
  commentSchema,
  createCommentSchema,
  listCommentsQuerySchema,
  tickTaskItemSchema,
  updateCommentSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import {
  createComment,
  deleteComment,
  listComments,
  tickCommentItem,
  updateComment,
} from '../store/comments.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';
import { taskItemParams } from './tasks.js';

export function commentRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['comments'];

  r.get(
    '/api/tasks/:id/comments',
    {
      schema: {
        tags,
        summary: 'A task’s comments, a page at a time (newest first unless order=oldest)',
        params: idParams,
        querystring: listCommentsQuerySchema,
        response: { 200: commentPageSchema, ...errorResponses },
      },
    },
    async (request) => listComments(db, actorOf(request), request.params.id, request.query),
  );

  r.post(
    '/api/tasks/:id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on a task (Markdown; @username mentions members)',
        params: idParams,
        body: createCommentSchema,
        response: { 201: commentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const comment = committed(
        deps,
        await createComment(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(comment.version)).send(comment);
    },
  );

  r.patch(
    '/api/comments/:id',
    {
      schema: {
        tags,
        summary: 'Edit your comment; If-Match or version refuses stale edits (409)',
        params: idParams,
        body: updateCommentSchema,
        response: { 200: commentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const comment = committed(
        deps,
        await updateComment(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(comment.version)).send(comment);
    },
  );

  r.delete(
    '/api/comments/:id',
    {
      schema: {
        tags,
        summary: 'Delete your comment (owners: any comment)',
        params: idParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteComment(db, actorOf(request), request.params.id, ifMatchVersion(request)),
      );
      return reply.code(204).send(null);
    },
  );

  r.put(
    '/api/comments/:id/task-items/:index',
    {
      schema: {
        tags,
        summary:
          'Tick or untick the n-th Markdown task-list item of a comment (anyone with write access)',
        params: taskItemParams,
        body: tickTaskItemSchema,
        response: { 200: commentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const comment = committed(
        deps,
        await tickCommentItem(
          db,
          actorOf(request),
          request.params.id,
          request.params.index,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(comment.version)).send(comment);
    },
  );
}

import {
  activityPageSchema,
  activityQuerySchema,
  archivedListSchema,
  idParamSchema,
  purgedSchema,
  taskSchema,
  trashListSchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag } from '../http/if-match.js';
import { boardActivity } from '../store/activity.js';
import { listArchived } from '../store/archive.js';
import { emptyTrash, listTrash, purgeTask, restoreTask } from '../store/trash.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

const trashParams = z.strictObject({ id: idParamSchema, taskId: idParamSchema });

/** A board's activity, its archive and its trash. */
export function archiveRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;

  r.get(
    '/api/boards/:id/activity',
    {
      schema: {
        tags: ['events'],
        summary: 'The board’s activity, newest first, in human words; page with before_seq',
        params: idParams,
        querystring: activityQuerySchema,
        response: { 200: activityPageSchema, ...errorResponses },
      },
    },
    async (request) =>
      boardActivity(
        db,
        actorOf(request),
        request.params.id,
        request.query.before_seq,
        request.query.limit,
      ),
  );

  r.get(
    '/api/boards/:id/archived',
    {
      schema: {
        tags: ['archive'],
        summary: 'Archived columns and cards of the board',
        params: idParams,
        response: { 200: archivedListSchema, ...errorResponses },
      },
    },
    async (request) => listArchived(db, actorOf(request), request.params.id),
  );

  r.get(
    '/api/boards/:id/trash',
    {
      schema: {
        tags: ['archive'],
        summary: 'Deleted cards, restorable until purge_at',
        params: idParams,
        response: { 200: trashListSchema, ...errorResponses },
      },
    },
    async (request) => ({ entries: await listTrash(db, actorOf(request), request.params.id) }),
  );

  r.post(
    '/api/boards/:id/trash/:taskId/restore',
    {
      schema: {
        tags: ['archive'],
        summary: 'Restore a deleted card with its comments and checklists (owners, editors)',
        params: trashParams,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(
        deps,
        await restoreTask(db, actorOf(request), request.params.id, request.params.taskId),
      );
      return reply.header('etag', etag(task.version)).send(task);
    },
  );

  r.delete(
    '/api/boards/:id/trash/:taskId',
    {
      schema: {
        tags: ['archive'],
        summary: 'Delete a card in the trash for good (owners)',
        params: trashParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await purgeTask(db, actorOf(request), request.params.id, request.params.taskId),
      );
      return reply.code(204).send(null);
    },
  );

  r.delete(
    '/api/boards/:id/trash',
    {
      schema: {
        tags: ['archive'],
        summary: 'Empty the trash: every card in it is deleted for good (owners)',
        params: idParams,
        response: { 200: purgedSchema, ...errorResponses },
      },
    },
    async (request) => ({
      purged: committed(deps, await emptyTrash(db, actorOf(request), request.params.id)),
    }),
  );
}

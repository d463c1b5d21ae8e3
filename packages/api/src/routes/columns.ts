import {
  columnSchema,
  createColumnSchema,
  idParamSchema,
  updateColumnSchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import { createColumn, deleteColumn, listColumns, updateColumn } from '../store/columns.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

const columnParams = z.strictObject({ id: idParamSchema, columnId: idParamSchema });
const deleteQuery = z.strictObject({
  move_to: idParamSchema.optional().meta({ description: 'Move the column’s tasks here first' }),
});

export function columnRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['columns'];

  r.get(
    '/api/boards/:id/columns',
    {
      schema: {
        tags,
        summary: 'Columns of a board, in order',
        params: idParams,
        response: { 200: z.object({ columns: z.array(columnSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ columns: await listColumns(db, actorOf(request), request.params.id) }),
  );

  r.post(
    '/api/boards/:id/columns',
    {
      schema: {
        tags,
        summary: 'Add a column (last, or between after_id/before_id)',
        params: idParams,
        body: createColumnSchema,
        response: { 201: columnSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const column = committed(
        deps,
        await createColumn(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(column.version)).send(column);
    },
  );

  r.patch(
    '/api/boards/:id/columns/:columnId',
    {
      schema: {
        tags,
        summary: 'Rename, set the WIP limit or reorder a column',
        params: columnParams,
        body: updateColumnSchema,
        response: { 200: columnSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const column = committed(
        deps,
        await updateColumn(
          db,
          actorOf(request),
          request.params.id,
          request.params.columnId,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(column.version)).send(column);
    },
  );

  r.delete(
    '/api/boards/:id/columns/:columnId',
    {
      schema: {
        tags,
        summary:
          'Delete a column; refused while it holds tasks unless move_to names another column',
        params: columnParams,
        querystring: deleteQuery,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteColumn(
          db,
          actorOf(request),
          request.params.id,
          request.params.columnId,
          request.query.move_to,
          ifMatchVersion(request),
        ),
      );
      return reply.code(204).send(null);
    },
  );
}

import {
  createLabelSchema,
  idParamSchema,
  labelListSchema,
  labelSchema,
  updateLabelSchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import { createLabel, deleteLabel, listLabels, updateLabel } from '../store/labels.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

const labelParams = z.strictObject({ id: idParamSchema, labelId: idParamSchema });

export function labelRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['labels'];

  r.get(
    '/api/boards/:id/labels',
    {
      schema: {
        tags,
        summary: 'The board’s labels',
        params: idParams,
        response: { 200: labelListSchema, ...errorResponses },
      },
    },
    async (request) => ({ labels: await listLabels(db, actorOf(request), request.params.id) }),
  );

  r.post(
    '/api/boards/:id/labels',
    {
      schema: {
        tags,
        summary: 'Create a label (colour from the palette; the least used when omitted)',
        params: idParams,
        body: createLabelSchema,
        response: { 201: labelSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const label = committed(
        deps,
        await createLabel(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(label.version)).send(label);
    },
  );

  r.patch(
    '/api/boards/:id/labels/:labelId',
    {
      schema: {
        tags,
        summary: 'Rename or recolour a label (every card shows it at once)',
        params: labelParams,
        body: updateLabelSchema,
        response: { 200: labelSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const label = committed(
        deps,
        await updateLabel(
          db,
          actorOf(request),
          request.params.id,
          request.params.labelId,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(label.version)).send(label);
    },
  );

  r.delete(
    '/api/boards/:id/labels/:labelId',
    {
      schema: {
        tags,
        summary: 'Delete a label; it comes off every card',
        params: labelParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteLabel(
          db,
          actorOf(request),
          request.params.id,
          request.params.labelId,
          ifMatchVersion(request),
        ),
      );
      return reply.code(204).send(null);
    },
  );
}

import {
  createCustomFieldSchema,
  customFieldListSchema,
  customFieldSchema,
  idParamSchema,
  updateCustomFieldSchema,
} from '@switchboard/core';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import {
  createCustomField,
  deleteCustomField,
  listCustomFields,
  updateCustomField,
} from '../store/custom-fields.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

const fieldParams = z.strictObject({ id: idParamSchema, fieldId: idParamSchema });

export function customFieldRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['custom fields'];

  r.get(
    '/api/boards/:id/custom-fields',
    {
      schema: {
        tags,
        summary: 'The board’s custom fields',
        params: idParams,
        response: { 200: customFieldListSchema, ...errorResponses },
      },
    },
    async (request) => ({
      custom_fields: await listCustomFields(db, actorOf(request), request.params.id),
    }),
  );

  r.post(
    '/api/boards/:id/custom-fields',
    {
      schema: {
        tags,
        summary: 'Add a field: text, number, date, single_select (with options) or checkbox',
        params: idParams,
        body: createCustomFieldSchema,
        response: { 201: customFieldSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const field = committed(
        deps,
        await createCustomField(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(field.version)).send(field);
    },
  );

  r.patch(
    '/api/boards/:id/custom-fields/:fieldId',
    {
      schema: {
        tags,
        summary:
          'Rename a field or replace its options (keep an option by sending its id; values of removed options are cleared)',
        params: fieldParams,
        body: updateCustomFieldSchema,
        response: { 200: customFieldSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const field = committed(
        deps,
        await updateCustomField(
          db,
          actorOf(request),
          request.params.id,
          request.params.fieldId,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(field.version)).send(field);
    },
  );

  r.delete(
    '/api/boards/:id/custom-fields/:fieldId',
    {
      schema: {
        tags,
        summary: 'Delete a field and its values on every card',
        params: fieldParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteCustomField(
          db,
          actorOf(request),
          request.params.id,
          request.params.fieldId,
          ifMatchVersion(request),
        ),
      );
      return reply.code(204).send(null);
    },
  );
}

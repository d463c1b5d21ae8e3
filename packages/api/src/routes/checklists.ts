import {
  checklistItemSchema,
  checklistListSchema,
  checklistSchema,
  checklistWithItemsSchema,
  convertChecklistItemSchema,
  createChecklistItemSchema,
  createChecklistSchema,
  taskSchema,
  updateChecklistItemSchema,
  updateChecklistSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import {
  convertChecklistItem,
  createChecklistItem,
  deleteChecklistItem,
  updateChecklistItem,
} from '../store/checklist-items.js';
import {
  createChecklist,
  deleteChecklist,
  listChecklists,
  updateChecklist,
} from '../store/checklists.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

export function checklistRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['checklists'];

  r.get(
    '/api/tasks/:id/checklists',
    {
      schema: {
        tags,
        summary: 'A task’s checklists with their items, in order',
        params: idParams,
        response: { 200: checklistListSchema, ...errorResponses },
      },
    },
    async (request) => ({
      checklists: await listChecklists(db, actorOf(request), request.params.id),
    }),
  );

  r.post(
    '/api/tasks/:id/checklists',
    {
      schema: {
        tags,
        summary: 'Add a checklist to a task (last, or between after_id/before_id), with items',
        params: idParams,
        body: createChecklistSchema,
        response: { 201: checklistWithItemsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const list = committed(
        deps,
        await createChecklist(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(list.version)).send(list);
    },
  );

  r.patch(
    '/api/checklists/:id',
    {
      schema: {
        tags,
        summary: 'Rename or reorder a checklist',
        params: idParams,
        body: updateChecklistSchema,
        response: { 200: checklistSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const list = committed(
        deps,
        await updateChecklist(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(list.version)).send(list);
    },
  );

  r.delete(
    '/api/checklists/:id',
    {
      schema: {
        tags,
        summary: 'Delete a checklist and its items',
        params: idParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteChecklist(db, actorOf(request), request.params.id, ifMatchVersion(request)),
      );
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/checklists/:id/items',
    {
      schema: {
        tags,
        summary: 'Add an item (last, or between after_id/before_id)',
        params: idParams,
        body: createChecklistItemSchema,
        response: { 201: checklistItemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const item = committed(
        deps,
        await createChecklistItem(db, actorOf(request), request.params.id, request.body),
      );
      return reply.code(201).header('etag', etag(item.version)).send(item);
    },
  );

  r.patch(
    '/api/checklist-items/:id',
    {
      schema: {
        tags,
        summary:
          'Tick, rename or move an item (after_id/before_id; checklist_id moves it to another checklist of the card)',
        params: idParams,
        body: updateChecklistItemSchema,
        response: { 200: checklistItemSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const item = committed(
        deps,
        await updateChecklistItem(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(item.version)).send(item);
    },
  );

  r.delete(
    '/api/checklist-items/:id',
    {
      schema: { tags, summary: 'Delete an item', params: idParams, response: noContent },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteChecklistItem(db, actorOf(request), request.params.id, ifMatchVersion(request)),
      );
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/checklist-items/:id/convert',
    {
      schema: {
        tags,
        summary: 'Turn an item into a card (in its card’s column unless column_id says otherwise)',
        params: idParams,
        body: convertChecklistItemSchema.nullish(),
        response: { 201: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(
        deps,
        await convertChecklistItem(
          db,
          actorOf(request),
          request.params.id,
          request.body ?? {},
          ifMatchVersion(request),
        ),
      );
      return reply.code(201).header('etag', etag(task.version)).send(task);
    },
  );
}

import { eventPageSchema, listEventsQuerySchema } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { listEvents } from '../store/events.js';
import { type App, errorResponses, idParams, typed } from './helpers.js';

export function eventRoutes(app: App, deps: AppDeps) {
  typed(app).get(
    '/api/boards/:id/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The board’s history: events after seq `after`, oldest first',
        params: idParams,
        querystring: listEventsQuerySchema,
        response: { 200: eventPageSchema, ...errorResponses },
      },
    },
    async (request) =>
      listEvents(
        deps.db,
        actorOf(request),
        request.params.id,
        request.query.after ?? 0,
        request.query.limit,
      ),
  );
}

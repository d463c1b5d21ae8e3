import {
  sbError,
  unsplashSearchQuerySchema,
  unsplashSearchResultSchema,
  unsplashStatusSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { type App, errorResponses, typed } from './helpers.js';

/** Unsplash photos for board backgrounds, searched with the server's key. */
export function unsplashRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const tags = ['unsplash'];

  r.get(
    '/api/unsplash',
    {
      schema: {
        tags,
        summary: 'Whether board backgrounds may be Unsplash photos (the server has a key)',
        response: { 200: unsplashStatusSchema, ...errorResponses },
      },
    },
    async (request) => {
      actorOf(request);
      return { enabled: deps.unsplash !== undefined };
    },
  );

  r.get(
    '/api/unsplash/search',
    {
      schema: {
        tags,
        summary:
          'Search Unsplash photos (?query=&page=): a page of 24 with their photographers (404 SB_ERR_UNSPLASH_DISABLED without a key)',
        querystring: unsplashSearchQuerySchema,
        response: { 200: unsplashSearchResultSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { unsplash } = deps;
      if (!unsplash) throw sbError('SB_ERR_UNSPLASH_DISABLED');
      // Open mode has one shared user: count by address there.
      await unsplash.searchLimit.consume(
        actor.sharedAccess ? `ip ${request.ip}` : `user ${actor.id}`,
      );
      return unsplash.client.search(request.query.query, request.query.page ?? 1);
    },
  );
}

import { sbError } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import type { App } from './helpers.js';

export function healthRoutes(app: App, deps: AppDeps) {
  // Seed 001: GET /health answers the plain text OK.
  app.get(
    '/health',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      return reply.type('text/plain; charset=utf-8').send('OK');
    },
  );

  app.get(
    '/ready',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      const readiness = await deps.readiness();
      if (!readiness.ok) {
        const err = sbError('SB_ERR_UNAVAILABLE', 'Not ready.', readiness.checks);
        return reply.code(503).send(err.toBody());
      }
      return { status: 'ready', checks: readiness.checks };
    },
  );
}

import { sbError } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import type { App } from './helpers.js';

export function healthRoutes(app: App, deps: AppDeps) {
  // GET /health answers the plain text OK: a stable wire contract that load
  // balancers, probes and scripts check.
  app.get(
    '/health',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => {
      return reply.type('text/plain; charset=utf-8').send('OK');
    },
  );

  /**
   * 200 when the database and the bus are reachable. `?require=database`
   * asks about the database only: load balancers use it, because with the
   * bus down an instance still serves every request (events wait in the log
   * and are relayed when the bus returns) and must stay in rotation.
   */
  app.get('/ready', { config: { public: true }, schema: { hide: true } }, async (request) => {
    const readiness = await deps.readiness();
    const databaseOnly = (request.query as { require?: string }).require === 'database';
    if (readiness.draining) {
      throw sbError('SB_ERR_UNAVAILABLE', 'Draining: this instance is shutting down.', {
        ...readiness.checks,
        status: 'draining',
      });
    }
    const ok = databaseOnly ? readiness.checks.database === 'ok' : readiness.ok;
    // Through the error handler, so the 503 carries Retry-After like every other.
    if (!ok) throw sbError('SB_ERR_UNAVAILABLE', 'Not ready.', readiness.checks);
    return { status: readiness.ok ? 'ready' : 'degraded', checks: readiness.checks };
  });
}

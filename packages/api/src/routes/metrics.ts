import type { AppDeps } from '../app-deps.js';
import type { App } from './helpers.js';

/**
 * GET /metrics: Prometheus text for scrapers that reach the instance itself
 * (the proxy forwards only /api/ and /ws, so it is not public behind it).
 */
export function metricsRoutes(app: App, deps: AppDeps) {
  const metrics = deps.metrics;
  if (!metrics) return;
  app.addHook('onResponse', async (request, reply) => {
    // The route template keeps the label set small; unmatched paths share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get(
    '/metrics',
    { config: { public: true }, schema: { hide: true } },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );
}

import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { limits } from '@switchboard/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { AppDeps } from './app-deps.js';
import { authenticateHook } from './http/authenticate.js';
import { clientErrorHandler } from './http/client-error.js';
import { errorHandler } from './http/error-handler.js';
import { answerExpectContinue } from './http/expect-continue.js';
import { mountGrpc } from './grpc/grpc-server.js';
import { gracefulClose } from './http/graceful-close.js';
import { notFoundHandler, RouteMethods, routerOptions } from './http/method-not-allowed.js';
import { mountWebSocket } from './realtime/ws/endpoint.js';
import { archiveRoutes } from './routes/archive.js';
import { attachmentRoutes } from './routes/attachments.js';
import { authRoutes } from './routes/auth.js';
import { boardRoutes } from './routes/boards.js';
import { checklistRoutes } from './routes/checklists.js';
import { columnRoutes } from './routes/columns.js';
import { commentRoutes } from './routes/comments.js';
import { customFieldRoutes } from './routes/custom-fields.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { labelRoutes } from './routes/labels.js';
import { memberRoutes } from './routes/members.js';
import { metricsRoutes } from './routes/metrics.js';
import { taskRoutes } from './routes/tasks.js';
import { unsplashRoutes } from './routes/unsplash.js';

export interface BuildOptions {
  /** A pino logger for requests; none by default (tests). */
  loggerInstance?: FastifyServerOptions['loggerInstance'];
}

/** The board service as a Fastify app; listening happens elsewhere (server.ts, tests). */
export async function buildApp(
  deps: AppDeps,
  options: BuildOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    bodyLimit: limits.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    // Ids in paths are parsed by the schemas; keep Fastify from 404ing odd-but-valid URLs.
    routerOptions,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    clientErrorHandler,
  });
  answerExpectContinue(app.server, limits.bodyLimitBytes, deps.config.attachmentMaxBytes);
  app.decorateRequest('actor', null);
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built from typed store results; the schemas document them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  // Before any route: the table it keeps tells a wrong method (405) from an unknown path (404).
  app.setNotFoundHandler(notFoundHandler(RouteMethods.track(app)));

  // Only JSON bodies: anything else is 415 rather than a string the schemas then reject.
  app.removeContentTypeParser('text/plain');
  // An empty JSON body (e.g. DELETE with a JSON content type) is no body, not a syntax error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    return parseJson(request, body as string, done);
  });

  await app.register(fastifyCookie);
  const cors = deps.config.corsOrigins;
  if (cors === '*' || cors.length > 0) {
    await app.register(fastifyCors, {
      origin: cors === '*' ? true : cors,
      credentials: true,
      exposedHeaders: ['etag', 'x-served-by', 'x-request-id', 'retry-after'],
    });
  }
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: '1.0.0',
        description:
          'Real-time Kanban boards. Errors are {"error":{"code","message","details"}} (see docs/errors.md). ' +
          'Sign in with POST /api/auth/login; the session cookie or `Authorization: Bearer <token>` authenticates.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The API browser is public; what it calls is not.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, public: true };
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', logLevel: 'silent' });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  app.addHook('onRequest', authenticateHook(deps));
  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('x-instance-id', deps.config.instanceId);
  });

  // First, so its timing hook sees every route.
  metricsRoutes(app, deps);
  healthRoutes(app, deps);
  authRoutes(app, deps);
  boardRoutes(app, deps);
  columnRoutes(app, deps);
  memberRoutes(app, deps);
  taskRoutes(app, deps);
  eventRoutes(app, deps);
  commentRoutes(app, deps);
  checklistRoutes(app, deps);
  labelRoutes(app, deps);
  customFieldRoutes(app, deps);
  archiveRoutes(app, deps);
  attachmentRoutes(app, deps);
  unsplashRoutes(app, deps);
  const { realtime } = deps;
  if (realtime) mountWebSocket(app, realtime);
  const grpc = mountGrpc(app.server, deps);
  gracefulClose(app, async () => {
    await Promise.all([realtime?.closeSockets(), grpc.close()]);
  });
  return app;
}

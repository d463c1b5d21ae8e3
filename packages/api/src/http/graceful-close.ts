import type { FastifyInstance } from 'fastify';

/**
 * app.close() in the order a rolling update needs: stop accepting
 * connections at once, close the WebSockets (1001: reconnect elsewhere and
 * resume), let the requests in flight finish — their responses say
 * `Connection: close`, so no keep-alive connection holds the close open —
 * and only then let Fastify run its onClose hooks (the database goes last).
 * Fastify alone would keep listening, answering 503, until its preClose
 * hooks were done, and then wait for idle keep-alive connections to time out.
 */
export function gracefulClose(app: FastifyInstance, closeSockets?: () => Promise<void>): void {
  let closing = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('preClose', async () => {
    closing = true;
    const server = app.server;
    const drained = server.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    await closeSockets?.();
    await drained;
  });
}

import { create } from '@bufbuild/protobuf';
import { Code, type ConnectRouter, ConnectError } from '@connectrpc/connect';
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
  HealthListResponseSchema,
} from '../gen/grpc/health/v1/health_pb.js';

export interface HealthEnv {
  /** The services served here, by full name ("" is the server as a whole). */
  services: readonly string[];
  /** What /ready would answer: SERVING iff 200. */
  ready(): Promise<boolean>;
  /** Resolves when the instance starts closing (Watch then ends). */
  closing: Promise<void>;
}

/** How often Watch re-reads readiness (the proxy's own checks poll Check). */
const watchEveryMs = 2_000;

/** The standard gRPC health service (grpc.health.v1): SERVING iff the instance is ready. */
export function healthService(router: ConnectRouter, env: HealthEnv): void {
  const known = new Set(['', ...env.services]);
  const status = async (service: string) => {
    if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
    return (await env.ready()) ? Status.SERVING : Status.NOT_SERVING;
  };
  router.service(Health, {
    async check(req) {
      return create(HealthCheckResponseSchema, { status: await status(req.service) });
    },
    async list() {
      const ready = await env.ready();
      const statuses: Record<
        string,
        ReturnType<typeof create<typeof HealthCheckResponseSchema>>
      > = {};
      for (const name of known) {
        statuses[name] = create(HealthCheckResponseSchema, {
          status: ready ? Status.SERVING : Status.NOT_SERVING,
        });
      }
      return create(HealthListResponseSchema, { statuses });
    },
    async *watch(req, context) {
      if (!known.has(req.service)) {
        yield create(HealthCheckResponseSchema, { status: Status.SERVICE_UNKNOWN });
        return;
      }
      let closing = false;
      void env.closing.then(() => (closing = true));
      let last: Status | undefined;
      while (!context.signal.aborted) {
        const now = closing ? Status.NOT_SERVING : await status(req.service);
        if (now !== last) yield create(HealthCheckResponseSchema, { status: now });
        last = now;
        if (closing) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, watchEveryMs);
          const stop = () => {
            clearTimeout(timer);
            resolve();
          };
          context.signal.addEventListener('abort', stop, { once: true });
          void env.closing.then(stop);
        });
      }
    },
  });
}

import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { bearerToken, type ActorSources, resolveActor } from '../auth/resolve-actor.js';
import { actorKey } from './call-context.js';
import { toConnectError } from './errors.js';

export interface CallEnv {
  instanceId: string;
  actors: ActorSources;
  /** A call ended: its status code name (ok, not_found, …) and duration. */
  observe?(service: string, method: string, code: string, seconds: number): void;
}

/** Services anyone may call, as /health and /ready over HTTP. */
const publicServices = new Set([
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
]);

function codeName(err: unknown): string {
  const code = err instanceof ConnectError ? err.code : Code.Unknown;
  return Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Every call passes here once: it is told which instance answers
 * (`x-served-by`, as the proxy's header), who calls (the REST resolution of
 * `authorization: Bearer`), and its errors become gRPC statuses here, streams
 * included, so handlers throw what the store throws. Counted when it ends.
 */
export function callInterceptor(env: CallEnv): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const service = req.service.typeName;
    const method = req.method.name;
    const done = (code: string) =>
      env.observe?.(service, method, code, (performance.now() - started) / 1000);
    let res;
    try {
      if (!publicServices.has(service)) {
        const actor = await resolveActor(env.actors, bearerToken(req.header.get('authorization')));
        if (!actor) throw new ConnectError('Sign in to continue.', Code.Unauthenticated);
        req.contextValues.set(actorKey, actor);
      }
      res = await next(req);
    } catch (err) {
      const status = toConnectError(err);
      status.metadata.set('x-served-by', env.instanceId);
      done(codeName(status));
      throw status;
    }
    res.header.set('x-served-by', env.instanceId);
    if (!res.stream) {
      done('ok');
      return res;
    }
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        // A client that goes away ends the stream without an error: cancelled.
        let code = 'canceled';
        try {
          yield* messages;
          code = 'ok';
        } catch (err) {
          const status = toConnectError(err);
          code = codeName(status);
          throw status;
        } finally {
          done(code);
        }
      })(),
    };
  };
}

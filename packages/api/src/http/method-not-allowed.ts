import { sbError } from '@switchboard/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/** How paths are matched; the app's router and this mirror of it must agree. */
export const routerOptions = { ignoreTrailingSlash: true, maxParamLength: 200 } as const;

/**
 * A mirror of the app's route table, kept by an onRoute hook, that answers
 * "which methods does this path have?". Fastify's own router only says a
 * (method, path) pair is unknown: with the mirror, a known path asked with
 * the wrong method is 405 with `Allow`, and only an unknown path is 404.
 */
export class RouteMethods {
  private readonly router = FindMyWay(routerOptions);
  private readonly methods = new Set<HTTPMethod>();

  /** Registers the hook on `app`; call before any route is added. */
  static track(app: FastifyInstance): RouteMethods {
    const table = new RouteMethods();
    app.addHook('onRoute', (route) => table.add(route));
    return table;
  }

  add(route: Pick<RouteOptions, 'method' | 'url'>): void {
    // A catch-all (the CORS preflight's `OPTIONS *`) says nothing about which paths exist.
    if (route.url === '*' || route.url === '/*') return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]) as HTTPMethod[];
    for (const method of methods) {
      if (this.router.hasRoute(method, route.url)) continue;
      this.router.on(method, route.url, () => {});
      this.methods.add(method);
    }
  }

  /** The methods `path` has (HEAD wherever GET is), sorted; empty for an unknown path. */
  allowed(path: string): string[] {
    const allowed = new Set<string>();
    for (const method of this.methods) {
      if (this.router.find(method, path)) allowed.add(method);
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  }
}

/** The not-found handler: 405 with `Allow` for a known path, 404 for an unknown one. */
export function notFoundHandler(table: RouteMethods) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allow = table.allowed(path);
    const err =
      allow.length > 0
        ? sbError(
            'SB_ERR_METHOD_NOT_ALLOWED',
            `${request.method} is not allowed on ${path}; it allows ${allow.join(', ')}.`,
            { allow },
          )
        : sbError('SB_ERR_ROUTE_NOT_FOUND', `No route ${request.method} ${path}.`);
    if (allow.length > 0) void reply.header('allow', allow.join(', '));
    void reply.code(err.status).type('application/json; charset=utf-8').send(err.toBody());
  };
}

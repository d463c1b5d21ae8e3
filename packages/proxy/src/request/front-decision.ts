import type { ProxyConfig } from '../config/load.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { Router, type RouteRuntime } from './routing.js';

export type FrontKind =
  | 'health'
  | 'ready'
  | 'admin'
  | 'bad-target'
  | 'not-found'
  | 'static'
  | 'limited'
  | 'forward'
  | 'upgrade';

/** What the front door does with a request; made once per config, never per request. */
export interface FrontDecision {
  readonly kind: FrontKind;
  /** The matched route (static, limited, forward, upgrade). */
  readonly route: RouteRuntime | undefined;
  /** `limited`: what happens once the route's rate limit lets the request through. */
  readonly then: FrontDecision | undefined;
}

function own(kind: FrontKind): FrontDecision {
  return { kind, route: undefined, then: undefined };
}

const HEALTH = own('health');
const READY = own('ready');
const ADMIN = own('admin');
const BAD_TARGET = own('bad-target');
const NOT_FOUND = own('not-found');

interface RouteEntry {
  readonly config: RouteRuntime['config'];
  readonly request: FrontDecision;
  readonly upgrade: FrontDecision;
}

function routeDecision(route: RouteRuntime, kind: FrontKind): FrontDecision {
  const d: FrontDecision = { kind, route, then: undefined };
  return route.limiter === undefined ? d : { kind: 'limited', route, then: d };
}

/**
 * The front-door policy of one config, in the one order every engine follows:
 * the proxy's own `/health` and `/ready`, then origin-form targets only, then
 * the admin API where it is exposed on the main listener, then the first
 * matching route — a static site or a pool, behind the route's rate limit if
 * it has one. Upgrade requests go straight to routing: only a pool route takes
 * them. Engines execute the decision; none of them decides.
 */
export class FrontPolicy {
  readonly #healthPath: string | null;
  readonly #readyPath: string | null;
  readonly #admin: boolean;
  readonly #router: Router<RouteEntry>;

  constructor(config: ProxyConfig, routes: readonly RouteRuntime[]) {
    this.#healthPath = config.server.health_path;
    this.#readyPath = config.server.ready_path;
    this.#admin = config.admin.token !== undefined && config.admin.expose_on_main;
    this.#router = new Router(
      routes.map((route) => ({
        config: route.config,
        request: routeDecision(route, route.site !== undefined ? 'static' : 'forward'),
        upgrade: route.pool !== undefined ? routeDecision(route, 'upgrade') : NOT_FOUND,
      })),
    );
  }

  /** Whether any route looks at the Host header (else callers need not read it). */
  get usesHost(): boolean {
    return this.#router.usesHost;
  }

  /** `target` as received, `path` without its query. */
  decide(target: string, path: string, host: string | undefined): FrontDecision {
    if (path === this.#healthPath) return HEALTH;
    if (path === this.#readyPath) return READY;
    if (target.charCodeAt(0) !== 47 /* / */) return BAD_TARGET;
    if (this.#admin && (path === '/admin' || path.startsWith('/admin/'))) return ADMIN;
    return this.#router.match(host, path)?.request ?? NOT_FOUND;
  }

  decideUpgrade(target: string, path: string, host: string | undefined): FrontDecision {
    if (target.charCodeAt(0) !== 47 /* / */) return NOT_FOUND;
    return this.#router.match(host, path)?.upgrade ?? NOT_FOUND;
  }
}

/** The path of a request target (the query cut off). */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** `/ready`: some pool has a backend that takes requests. */
export function anyBackendUp(pools: ReadonlyMap<string, UpstreamPool>): boolean {
  for (const p of pools.values()) if (p.usable().length > 0) return true;
  return false;
}

/** `/ready` with no backend up: when one of them may be back (Retry-After seconds). */
export function readyRetryAfter(pools: ReadonlyMap<string, UpstreamPool>): string {
  let soonest = Infinity;
  for (const p of pools.values()) soonest = Math.min(soonest, p.retryAfterSeconds());
  return String(soonest === Infinity ? 1 : soonest);
}

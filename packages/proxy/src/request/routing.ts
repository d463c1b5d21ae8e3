import type { RouteConfig } from '../config/load.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { UpstreamPool } from '../upstream-pool.js';
import type { StaticSite } from '../static/static-site.js';

/** A configured route, bound to its pool or static site. */
export interface RouteRuntime {
  readonly name: string;
  readonly config: RouteConfig;
  readonly pool: UpstreamPool | undefined;
  readonly site: StaticSite | undefined;
  readonly limiter: RateLimiter | undefined;
  readonly headersTimeout: number | undefined;
  readonly bodyTimeout: number | undefined;
  /** Request bodies above this many bytes are refused with 413 (undefined: no limit). */
  readonly maxBodySize: number | undefined;
}

interface Compiled<T> {
  entry: T;
  host: string | undefined;
  wildcardHost: string | undefined;
  prefix: string | undefined;
  exact: string | undefined;
}

/**
 * First match wins, in config order: host (exact or *.suffix), then exact path
 * or prefix. Each route's `match` comes with an entry of the caller's, which
 * `match()` returns.
 */
export class Router<T extends { readonly config: RouteConfig }> {
  readonly #routes: Compiled<T>[];
  readonly #anyHost: boolean;

  constructor(entries: readonly T[]) {
    this.#routes = entries.map((entry) => {
      const m = entry.config.match;
      const host = m.host?.toLowerCase();
      return {
        entry,
        host: host?.startsWith('*.') ? undefined : host,
        wildcardHost: host?.startsWith('*.') ? host.slice(1) : undefined,
        prefix: m.path_prefix,
        exact: m.path,
      };
    });
    this.#anyHost = this.#routes.every((r) => r.host === undefined && r.wildcardHost === undefined);
  }

  /** Whether any route looks at the Host header (else the hot path need not read it). */
  get usesHost(): boolean {
    return !this.#anyHost;
  }

  /** `path` has no query string; `hostHeader` may carry a port. */
  match(hostHeader: string | undefined, path: string): T | undefined {
    const host = this.#anyHost ? '' : hostname(hostHeader);
    for (const c of this.#routes) {
      if (c.host !== undefined && c.host !== host) continue;
      if (c.wildcardHost !== undefined && !host.endsWith(c.wildcardHost)) continue;
      if (c.exact !== undefined && path !== c.exact) continue;
      if (c.prefix !== undefined && !prefixMatches(path, c.prefix)) continue;
      return c.entry;
    }
    return undefined;
  }
}

export function prefixMatches(path: string, prefix: string): boolean {
  if (prefix === '/' || path === prefix) return true;
  if (!path.startsWith(prefix)) return false;
  if (prefix.endsWith('/')) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47; /* / */
}

function hostname(h: string | undefined): string {
  if (!h) return '';
  const lower = h.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const i = lower.indexOf(':');
  return i === -1 ? lower : lower.slice(0, i);
}

/** The upstream path (with query) after prefix stripping or rewriting. */
export function upstreamPath(route: RouteRuntime, url: string): string {
  const cfg = route.config;
  const prefix = cfg.match.path_prefix;
  if (prefix === undefined || (!cfg.strip_prefix && cfg.prefix_rewrite === undefined)) return url;
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  let rest = url.slice(base.length);
  const replacement = cfg.prefix_rewrite ?? '';
  const rewritten =
    replacement.endsWith('/') && rest.startsWith('/')
      ? replacement + rest.slice(1)
      : replacement + rest;
  if (rewritten === '' || rewritten[0] === '?') rest = '/' + rewritten;
  else rest = rewritten;
  return rest;
}

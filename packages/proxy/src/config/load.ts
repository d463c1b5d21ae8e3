import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { proxyError } from '../errors.js';
import { poolSchema, proxyConfigSchema, type backendSchema, type routeSchema } from './schema.js';

type RawConfig = z.output<typeof proxyConfigSchema>;
export type BackendConfig = z.output<typeof backendSchema> & { id: string };
export type PoolConfig = Omit<z.output<typeof poolSchema>, 'backends'> & {
  backends: BackendConfig[];
};
export type RouteConfig = z.output<typeof routeSchema> & { name: string };
export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;

export interface ProxyConfig extends Omit<
  RawConfig,
  | 'pools'
  | 'routes'
  | 'backends'
  | 'strategy'
  | 'health'
  | 'passive'
  | 'slow_start'
  | 'retries'
  | 'timeouts'
  | 'connections'
  | 'keep_alive'
  | 'drain_timeout'
> {
  pools: Record<string, PoolConfig>;
  routes: RouteConfig[];
}

/** Thrown for an invalid config; the message lists every problem as `key.path: message`. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid proxy config:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `backends[1].url` style path of a zod issue. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

const SHORTHAND = [
  'strategy',
  'health',
  'passive',
  'slow_start',
  'retries',
  'timeouts',
  'connections',
  'keep_alive',
  'drain_timeout',
] as const;

/** Validates a config object (YAML already parsed) and fills defaults. Throws ConfigError. */
export function parseProxyConfig(obj: unknown): ProxyConfig {
  const result = proxyConfigSchema.safeParse(obj ?? {});
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  const raw = result.data;
  const issues: string[] = [];
  const pools: Record<string, PoolConfig> = {};

  const usesShorthand = raw.backends !== undefined || SHORTHAND.some((k) => raw[k] !== undefined);
  if (usesShorthand) {
    if (raw.pools.default) issues.push('backends: top-level backends and pools.default both given');
    const shorthand: Record<string, unknown> = { backends: raw.backends ?? [] };
    for (const k of SHORTHAND) if (raw[k] !== undefined) shorthand[k] = raw[k];
    // Fill the pool defaults without re-validating the (already transformed) values.
    const defaults = poolSchema.parse({});
    pools.default = { ...defaults, ...(shorthand as Partial<PoolConfig>) } as PoolConfig;
    pools.default.backends = assignIds(raw.backends ?? [], 'backend');
  }
  for (const [name, pool] of Object.entries(raw.pools)) {
    pools[name] = {
      ...pool,
      backends: assignIds(pool.backends, name),
    };
  }

  const seen = new Map<string, string>();
  for (const [name, pool] of Object.entries(pools)) {
    pool.backends.forEach((b, i) => {
      const where =
        name === 'default' && usesShorthand ? `backends[${i}]` : `pools.${name}.backends[${i}]`;
      const prev = seen.get(b.id);
      if (prev) issues.push(`${where}.id: duplicate backend id "${b.id}" (also ${prev})`);
      else seen.set(b.id, where);
    });
  }

  const routes: RouteConfig[] = raw.routes.map((r, i) => ({ ...r, name: r.name ?? `route-${i}` }));
  routes.forEach((r, i) => {
    if (r.pool !== undefined && !pools[r.pool]) {
      issues.push(`routes[${i}].pool: unknown pool "${r.pool}"`);
    }
  });
  const names = new Set<string>();
  routes.forEach((r, i) => {
    if (names.has(r.name)) issues.push(`routes[${i}].name: duplicate route name "${r.name}"`);
    names.add(r.name);
  });
  if (routes.length === 0) {
    const first = pools.default ? 'default' : Object.keys(pools)[0];
    if (first !== undefined) {
      routes.push({ name: 'default', match: {}, pool: first, strip_prefix: false });
    }
  }
  if (raw.admin.enabled && !raw.admin.token && !isLoopback(raw.admin.listen.host)) {
    issues.push(
      `admin.token: required when admin.listen is not a loopback address (${raw.admin.listen.host})`,
    );
  }
  if (issues.length) throw new ConfigError(issues);

  const out: Record<string, unknown> = { ...raw };
  for (const k of SHORTHAND) delete out[k];
  delete out.backends;
  out.pools = pools;
  out.routes = routes;
  return out as unknown as ProxyConfig;
}

function assignIds(
  list: readonly z.output<typeof backendSchema>[],
  prefix: string,
): BackendConfig[] {
  return list.map((b, i) => ({ ...b, id: b.id ?? `${prefix}-${i + 1}` }));
}

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '::ffff:127.0.0.1'
  );
}

/** Reads and validates a YAML config file. Errors name the file and the bad keys. */
export async function loadProxyConfig(path: string): Promise<ProxyConfig> {
  const text = await readFile(path, 'utf8');
  let obj: unknown;
  try {
    obj = parseYaml(text);
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`]);
  }
  return parseProxyConfig(obj);
}

/** The coded 400 an admin caller gets for a bad config-shaped body. */
export function configErrorToCoded(err: ConfigError) {
  return proxyError('SB_ERR_VALIDATION', err.issues.join('; '), { issues: err.issues });
}

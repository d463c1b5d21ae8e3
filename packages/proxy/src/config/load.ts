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
  | 'dns_refresh'
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
  'dns_refresh',
] as const;

/**
 * `routes[i].pool: unknown pool` for each route naming a pool the config does
 * not define. Read from the input as given, so the problem is reported along
 * with any other in the file (not only once the rest is valid).
 */
function unknownPools(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const o = input as Record<string, unknown>;
  if (!Array.isArray(o.routes)) return [];
  const known = new Set(
    typeof o.pools === 'object' && o.pools !== null ? Object.keys(o.pools) : [],
  );
  if (o.backends !== undefined || SHORTHAND.some((k) => o[k] !== undefined)) known.add('default');
  const issues: string[] = [];
  o.routes.forEach((r: unknown, i) => {
    const pool = typeof r === 'object' && r !== null ? (r as { pool?: unknown }).pool : undefined;
    if (typeof pool === 'string' && !known.has(pool))
      issues.push(`routes[${i}].pool: unknown pool "${pool}"`);
  });
  return issues;
}

/** Validates a config object (YAML already parsed) and fills defaults. Throws ConfigError. */
export function parseProxyConfig(obj: unknown): ProxyConfig {
  const result = proxyConfigSchema.safeParse(obj ?? {});
  if (!result.success) {
    throw new ConfigError([
      ...result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      ...unknownPools(obj),
    ]);
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
  issues.push(...unknownPools(obj));
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
  if (raw.grpc?.pool !== undefined && pools[raw.grpc.pool] === undefined) {
    issues.push(`grpc.pool: unknown pool "${raw.grpc.pool}"`);
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
  return parseProxyConfig(await readConfigFile(path));
}

/** A config file's YAML, parsed; a missing or unreadable file is a ConfigError naming it. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([
      code === 'ENOENT'
        ? `${path}: config file not found`
        : `${path}: cannot read the config file (${code ?? (e as Error).message})`,
    ]);
  }
  try {
    return parseYaml(text);
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`]);
  }
}

/** The coded 400 an admin caller gets for a bad config-shaped body. */
export function configErrorToCoded(err: ConfigError) {
  return proxyError('SB_ERR_VALIDATION', err.issues.join('; '), { issues: err.issues });
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { authModes, busKinds, logLevels } from '@switchboard/api';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** What `npm start` / `switchboard up` runs: the whole product on one machine. */
export interface UpConfig {
  port: number;
  /**
   * The proxy's gRPC listener (h2c, seed 001's TaskService on :50051); undefined: off.
   * Only an explicit GRPC_PORT is insisted on: the default is given up, with a
   * warning, when another program holds it.
   */
  grpcPort: number | undefined;
  grpcPortExplicit: boolean;
  /**
   * TLS on PORT (HTTP/2 by ALPN, HTTP/1.1 fallback): certificate and key files,
   * a development certificate kept in DATA_DIR, or none (plain HTTP).
   */
  tls: { kind: 'off' } | { kind: 'self-signed' } | { kind: 'files'; cert: string; key: string };
  adminHost: string;
  adminPort: number;
  adminToken: string | undefined;
  apiInstances: number;
  databaseUrl: string | undefined;
  bus: (typeof busKinds)[number];
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  authMode: (typeof authModes)[number];
  dataDir: string;
  logLevel: string;
  /** Requests per minute per client address and per user at the proxy; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Directory served at / instead of the web build (packages/web/dist). */
  webRoot: string | undefined;
}

export class UpConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'UpConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8081');
const url = (...protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.join(' or ')}//`,
  );

/** Each setting: env variable, flag, YAML key and schema. Errors name the env variable. */
const settings = {
  port: {
    description: "The proxy's main listener: the product at http://localhost:PORT.",
    env: 'PORT',
    flag: 'port',
    yaml: 'port',
    schema: port,
    fallback: '8080',
  },
  grpcPort: {
    description:
      "The proxy's gRPC listener (cleartext HTTP/2, seed 001's clients dial it); `off`: none. The default is skipped with a warning when in use.",
    env: 'GRPC_PORT',
    flag: 'grpc-port',
    yaml: 'grpc_port',
    schema: z.union([z.literal('off'), port]),
    fallback: '50051',
  },
  tls: {
    description:
      '`off`: plain HTTP on PORT; `self-signed`: HTTPS (HTTP/2) with a development certificate kept in DATA_DIR. TLS_CERT and TLS_KEY turn it on with those files.',
    env: 'TLS',
    flag: 'tls',
    yaml: 'tls',
    schema: z.enum(['off', 'self-signed']),
    fallback: 'off',
  },
  tlsCert: {
    description:
      'PEM certificate chain for HTTPS on PORT (with TLS_KEY); reloaded when it changes.',
    env: 'TLS_CERT',
    flag: 'tls-cert',
    yaml: 'tls_cert',
    schema: z.string().min(1),
    fallback: undefined,
  },
  tlsKey: {
    description: 'PEM private key of TLS_CERT.',
    env: 'TLS_KEY',
    flag: 'tls-key',
    yaml: 'tls_key',
    schema: z.string().min(1),
    fallback: undefined,
  },
  adminAddr: {
    description: "The proxy's admin API and /metrics (a token is required beyond loopback).",
    env: 'ADMIN_ADDR',
    flag: 'admin-addr',
    yaml: 'admin_addr',
    schema: hostPort,
    fallback: '127.0.0.1:8081',
  },
  adminToken: {
    description:
      'Bearer token of the admin API, at least 16 characters; unset: generated into DATA_DIR/admin-token.',
    secret: 'always',
    env: 'ADMIN_TOKEN',
    flag: 'admin-token',
    yaml: 'admin_token',
    schema: z.string().min(16, 'must be at least 16 characters'),
    fallback: undefined,
  },
  apiInstances: {
    description: 'API processes started behind the proxy.',
    env: 'API_INSTANCES',
    flag: 'instances',
    yaml: 'api_instances',
    schema: z.coerce.number().int().min(1).max(64),
    fallback: '3',
  },
  databaseUrl: {
    description: 'External PostgreSQL; unset: the embedded one in DATA_DIR/pg.',
    secret: 'url',
    env: 'DATABASE_URL',
    flag: 'database-url',
    yaml: 'database_url',
    schema: url('postgres:', 'postgresql:'),
    fallback: undefined,
  },
  bus: {
    description: 'Event fan-out between the instances: `pg`, `nats` or `redis`.',
    env: 'BUS',
    flag: 'bus',
    yaml: 'bus',
    schema: z.enum(busKinds),
    fallback: 'pg',
  },
  natsUrl: {
    description: 'NATS server (required with BUS=nats).',
    secret: 'url',
    env: 'NATS_URL',
    flag: 'nats-url',
    yaml: 'nats_url',
    schema: url('nats:', 'tls:', 'ws:', 'wss:'),
    fallback: undefined,
  },
  redisUrl: {
    description: "Redis server (BUS=redis; also shares the proxy's rate limits).",
    secret: 'url',
    env: 'REDIS_URL',
    flag: 'redis-url',
    yaml: 'redis_url',
    schema: url('redis:', 'rediss:'),
    fallback: undefined,
  },
  authMode: {
    description: '`accounts` (sign-in) or `open` (no login, every board shared).',
    env: 'AUTH_MODE',
    flag: 'auth-mode',
    yaml: 'auth_mode',
    schema: z.enum(authModes),
    fallback: 'accounts',
  },
  dataDir: {
    description: 'Embedded PostgreSQL, admin token, TLS and analytics files.',
    env: 'DATA_DIR',
    flag: 'data-dir',
    yaml: 'data_dir',
    schema: z.string().min(1),
    fallback: './.switchboard',
  },
  webRoot: {
    description: 'Directory served at / instead of the built web app.',
    env: 'WEB_ROOT',
    flag: 'web-root',
    yaml: 'web_root',
    schema: z.string().min(1),
    fallback: undefined,
  },
  rateLimit: {
    description: 'Requests per minute per client address and per user at the proxy; 0: off.',
    env: 'RATE_LIMIT_PER_MINUTE',
    flag: 'rate-limit',
    yaml: 'rate_limit_per_minute',
    schema: z.coerce.number().int().min(0).max(10_000_000),
    fallback: '6000',
  },
  logLevel: {
    description: 'Log level of the API instances and the proxy.',
    env: 'LOG_LEVEL',
    flag: 'log-level',
    yaml: 'log_level',
    schema: z.enum(logLevels),
    fallback: 'warn',
  },
} as const;

type Key = keyof typeof settings;

/** A secret setting's flag is refused: flags show in `ps` to every user of the machine. */
type SecretKind = 'always' | 'url';

export interface UpSetting {
  env: string;
  flag: string;
  yaml: string;
  default: string | undefined;
  description: string;
  secret: boolean;
}

/** Every setting of `up`, for docs/configuration.md and `switchboard config check up`. */
export function upSettings(): UpSetting[] {
  return Object.values(settings).map((s) => ({
    env: s.env,
    flag: `--${s.flag}`,
    yaml: s.yaml,
    default: s.fallback,
    description: s.description,
    secret: 'secret' in s,
  }));
}

/** Refuses a secret given as a flag: a token always, a URL when it carries a password. */
function refuseSecretFlags(
  values: Record<string, unknown>,
  nameOf: (s: (typeof settings)[Key]) => string,
  where: string,
): void {
  for (const s of Object.values(settings)) {
    if (!('secret' in s)) continue;
    const value = values[nameOf(s)];
    if (typeof value !== 'string') continue;
    let carries = (s.secret as SecretKind) === 'always';
    if (!carries) {
      try {
        carries = new URL(value).password !== '';
      } catch {
        carries = false;
      }
    }
    if (carries) {
      throw new UpConfigError(
        where === 'flag' ? `--${s.flag}` : `${s.yaml} (in ${where})`,
        `carries a secret, which belongs in ${s.env} or ${s.env}_FILE, not in a ${where === 'flag' ? 'command line (ps shows it to every user)' : 'configuration file'}`,
      );
    }
  }
}

/** Defaults other commands share with `up` (report finds the admin API and its token by them). */
export const upDefaults = {
  adminAddr: settings.adminAddr.fallback,
  dataDir: settings.dataDir.fallback,
} as const;

export const upUsage = `Usage: switchboard up [options]

Starts PostgreSQL (embedded unless DATABASE_URL is set), API_INSTANCES api
processes and the proxy in front of them on PORT.

Options (each mirrors an environment variable; --config reads a YAML file with the snake_case keys):
${Object.values(settings)
  .map((s) => `  --${s.flag.padEnd(14)} ${s.env.padEnd(14)} default ${s.fallback ?? '(unset)'}`)
  .join('\n')}
  --config FILE    YAML file with any of: ${Object.values(settings)
    .map((s) => s.yaml)
    .join(', ')}
`;

/** Reads `--config FILE`: a mapping of the settings' snake_case keys, nothing else. */
function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UpConfigError(
      '--config',
      missing ? `${file} does not exist` : `cannot read ${file}: ${(err as Error).message}`,
    );
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new UpConfigError('--config', 'the file must hold a mapping of settings');
  }
  const fromFile = (raw ?? {}) as Record<string, unknown>;
  const known = new Set(Object.values(settings).map((s) => s.yaml as string));
  const unknown = Object.keys(fromFile).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new UpConfigError('--config', `unknown keys: ${unknown.join(', ')}`);
  return fromFile;
}

interface Sources {
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  file: Record<string, unknown>;
  configPath: string | undefined;
}

/** One setting: its flag, else the environment, else the YAML file, else the default; validated. */
function resolve(key: Key, { flags, env, file, configPath }: Sources): unknown {
  const s = settings[key];
  const flag = flags[s.flag];
  const envValue = env[s.env] === '' ? undefined : env[s.env];
  const fileValue = file[s.yaml];
  const [source, raw] =
    typeof flag === 'string'
      ? [`--${s.flag}`, flag]
      : envValue !== undefined
        ? [s.env, envValue]
        : fileValue !== undefined && fileValue !== null
          ? [`${s.yaml} (in ${String(configPath)})`, String(fileValue)]
          : [s.env, s.fallback];
  if (raw === undefined) return undefined;
  const result = (s.schema as z.ZodType).safeParse(raw);
  if (!result.success) {
    throw new UpConfigError(
      source,
      `${result.error.issues[0]?.message ?? 'is invalid'} (got ${JSON.stringify(raw)})`,
    );
  }
  return result.data;
}

function splitAdminAddr(admin: string): { adminHost: string; adminPort: number } {
  const sep = admin.lastIndexOf(':');
  const adminHost = admin.slice(0, sep).replace(/^\[|\]$/g, '');
  const adminPort = Number(admin.slice(sep + 1));
  if (!(adminPort >= 1 && adminPort <= 65535))
    throw new UpConfigError('ADMIN_ADDR', `port out of range (got ${admin})`);
  return { adminHost, adminPort };
}

export function parseUpConfig(argv: string[], env: Record<string, string | undefined>): UpConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(
        Object.values(settings).map((s) => [s.flag, { type: 'string' as const }]),
      ),
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  refuseSecretFlags(values as Record<string, unknown>, (s) => s.flag, 'flag');
  const configPath = typeof values.config === 'string' ? values.config : undefined;
  const file = readConfigFile(configPath);
  refuseSecretFlags(file, (s) => s.yaml, String(configPath));
  const sources: Sources = {
    flags: values as Record<string, unknown>,
    env,
    file,
    configPath,
  };
  const out = {} as Record<Key, unknown>;
  for (const key of Object.keys(settings) as Key[]) out[key] = resolve(key, sources);
  const c = out as {
    [K in Key]: K extends 'adminToken' | 'databaseUrl' | 'natsUrl' | 'redisUrl'
      ? string | undefined
      : never;
  } & Record<Key, unknown>;
  const { adminHost, adminPort } = splitAdminAddr(String(c.adminAddr));
  if (c.bus === 'nats' && !c.natsUrl)
    throw new UpConfigError('NATS_URL', 'is required when BUS=nats');
  if (c.bus === 'redis' && !c.redisUrl)
    throw new UpConfigError('REDIS_URL', 'is required when BUS=redis');
  const grpcExplicit =
    typeof (values as Record<string, unknown>)['grpc-port'] === 'string' ||
    (env.GRPC_PORT !== undefined && env.GRPC_PORT !== '') ||
    (file.grpc_port !== undefined && file.grpc_port !== null);
  const tlsCert = c.tlsCert as string | undefined;
  const tlsKey = c.tlsKey as string | undefined;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new UpConfigError(
      tlsCert === undefined ? 'TLS_CERT' : 'TLS_KEY',
      `is required with ${tlsCert === undefined ? 'TLS_KEY' : 'TLS_CERT'}`,
    );
  for (const [variable, file] of [
    ['TLS_CERT', tlsCert],
    ['TLS_KEY', tlsKey],
  ] as const) {
    if (file !== undefined && !existsSync(file))
      throw new UpConfigError(variable, `${file} does not exist`);
  }
  const tls: UpConfig['tls'] =
    tlsCert && tlsKey
      ? { kind: 'files', cert: path.resolve(tlsCert), key: path.resolve(tlsKey) }
      : c.tls === 'self-signed'
        ? { kind: 'self-signed' }
        : { kind: 'off' };
  return {
    port: c.port as number,
    tls,
    grpcPort: c.grpcPort === 'off' ? undefined : (c.grpcPort as number),
    grpcPortExplicit: grpcExplicit,
    adminHost,
    adminPort,
    adminToken: c.adminToken,
    apiInstances: c.apiInstances as number,
    databaseUrl: c.databaseUrl,
    bus: c.bus as UpConfig['bus'],
    natsUrl: c.natsUrl,
    redisUrl: c.redisUrl,
    authMode: c.authMode as UpConfig['authMode'],
    dataDir: path.resolve(String(c.dataDir)),
    logLevel: String(c.logLevel),
    rateLimitPerMinute: c.rateLimit as number,
    webRoot: c.webRoot === undefined ? undefined : path.resolve(String(c.webRoot)),
  };
}

/** Where a running `up` listens and keeps its data: what `report` and `loadgen` need to find it. */
export type UpLocation = Pick<
  UpConfig,
  'port' | 'adminHost' | 'adminPort' | 'adminToken' | 'dataDir'
>;

/**
 * The same settings `up` reads (PORT, ADMIN_ADDR, ADMIN_TOKEN, DATA_DIR from
 * the environment, else the `--config` file `up` was given, else the
 * defaults), and only those: a tool looking for `up` should not fail over
 * a setting it does not use.
 */
export function upLocation(
  env: Record<string, string | undefined>,
  configPath?: string,
): UpLocation {
  const sources: Sources = { flags: {}, env, file: readConfigFile(configPath), configPath };
  return {
    port: resolve('port', sources) as number,
    ...splitAdminAddr(String(resolve('adminAddr', sources))),
    adminToken: resolve('adminToken', sources) as string | undefined,
    dataDir: path.resolve(String(resolve('dataDir', sources))),
  };
}

/** How a client reaches an admin listener (a wildcard host is reached on loopback). */
export function adminAddress(location: Pick<UpLocation, 'adminHost' | 'adminPort'>): string {
  const host =
    location.adminHost === '0.0.0.0'
      ? '127.0.0.1'
      : location.adminHost === '::'
        ? '::1'
        : location.adminHost;
  return `${host.includes(':') ? `[${host}]` : host}:${location.adminPort}`;
}

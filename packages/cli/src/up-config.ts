import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { authModes, busKinds, logLevels } from '@switchboard/api';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** What `npm start` / `switchboard up` runs: the whole product on one machine. */
export interface UpConfig {
  port: number;
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
  port: { env: 'PORT', flag: 'port', yaml: 'port', schema: port, fallback: '8080' },
  adminAddr: {
    env: 'ADMIN_ADDR',
    flag: 'admin-addr',
    yaml: 'admin_addr',
    schema: hostPort,
    fallback: '127.0.0.1:8081',
  },
  adminToken: {
    env: 'ADMIN_TOKEN',
    flag: 'admin-token',
    yaml: 'admin_token',
    schema: z.string().min(16, 'must be at least 16 characters'),
    fallback: undefined,
  },
  apiInstances: {
    env: 'API_INSTANCES',
    flag: 'instances',
    yaml: 'api_instances',
    schema: z.coerce.number().int().min(1).max(64),
    fallback: '3',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: 'database-url',
    yaml: 'database_url',
    schema: url('postgres:', 'postgresql:'),
    fallback: undefined,
  },
  bus: { env: 'BUS', flag: 'bus', yaml: 'bus', schema: z.enum(busKinds), fallback: 'pg' },
  natsUrl: {
    env: 'NATS_URL',
    flag: 'nats-url',
    yaml: 'nats_url',
    schema: url('nats:', 'tls:', 'ws:', 'wss:'),
    fallback: undefined,
  },
  redisUrl: {
    env: 'REDIS_URL',
    flag: 'redis-url',
    yaml: 'redis_url',
    schema: url('redis:', 'rediss:'),
    fallback: undefined,
  },
  authMode: {
    env: 'AUTH_MODE',
    flag: 'auth-mode',
    yaml: 'auth_mode',
    schema: z.enum(authModes),
    fallback: 'accounts',
  },
  dataDir: {
    env: 'DATA_DIR',
    flag: 'data-dir',
    yaml: 'data_dir',
    schema: z.string().min(1),
    fallback: './.switchboard',
  },
  webRoot: {
    env: 'WEB_ROOT',
    flag: 'web-root',
    yaml: 'web_root',
    schema: z.string().min(1),
    fallback: undefined,
  },
  rateLimit: {
    env: 'RATE_LIMIT_PER_MINUTE',
    flag: 'rate-limit',
    yaml: 'rate_limit_per_minute',
    schema: z.coerce.number().int().min(0).max(10_000_000),
    fallback: '6000',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: 'log-level',
    yaml: 'log_level',
    schema: z.enum(logLevels),
    fallback: 'warn',
  },
} as const;

type Key = keyof typeof settings;

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
  let fromFile: Record<string, unknown> = {};
  if (typeof values.config === 'string') {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(values.config, 'utf8'));
    } catch (err) {
      throw new UpConfigError(
        '--config',
        `cannot read ${values.config}: ${(err as Error).message}`,
      );
    }
    if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new UpConfigError('--config', 'the file must hold a mapping of settings');
    }
    fromFile = (raw ?? {}) as Record<string, unknown>;
    const known = new Set(Object.values(settings).map((s) => s.yaml as string));
    const unknown = Object.keys(fromFile).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw new UpConfigError('--config', `unknown keys: ${unknown.join(', ')}`);
  }
  const out = {} as Record<Key, unknown>;
  for (const [key, s] of Object.entries(settings) as [Key, (typeof settings)[Key]][]) {
    const flag = (values as Record<string, unknown>)[s.flag];
    const envValue = env[s.env] === '' ? undefined : env[s.env];
    const fileValue = fromFile[s.yaml];
    const [source, raw] =
      typeof flag === 'string'
        ? [`--${s.flag}`, flag]
        : envValue !== undefined
          ? [s.env, envValue]
          : fileValue !== undefined && fileValue !== null
            ? [`${s.yaml} (in ${String(values.config)})`, String(fileValue)]
            : [s.env, s.fallback];
    if (raw === undefined) {
      out[key] = undefined;
      continue;
    }
    const result = (s.schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      throw new UpConfigError(
        source,
        `${result.error.issues[0]?.message ?? 'is invalid'} (got ${JSON.stringify(raw)})`,
      );
    }
    out[key] = result.data;
  }
  const c = out as {
    [K in Key]: K extends 'adminToken' | 'databaseUrl' | 'natsUrl' | 'redisUrl'
      ? string | undefined
      : never;
  } & Record<Key, unknown>;
  const admin = String(c.adminAddr);
  const sep = admin.lastIndexOf(':');
  const adminHost = admin.slice(0, sep).replace(/^\[|\]$/g, '');
  const adminPort = Number(admin.slice(sep + 1));
  if (!(adminPort >= 1 && adminPort <= 65535))
    throw new UpConfigError('ADMIN_ADDR', `port out of range (got ${admin})`);
  if (c.bus === 'nats' && !c.natsUrl)
    throw new UpConfigError('NATS_URL', 'is required when BUS=nats');
  if (c.bus === 'redis' && !c.redisUrl)
    throw new UpConfigError('REDIS_URL', 'is required when BUS=redis');
  return {
    port: c.port as number,
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

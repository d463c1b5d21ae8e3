import { limits } from '@switchboard/core';
import { z } from 'zod';
import { busPrefixPattern } from './realtime/bus/bus-names.js';

export const authModes = ['accounts', 'open'] as const;
export type AuthMode = (typeof authModes)[number];
export const busKinds = ['pg', 'nats', 'redis'] as const;
export type BusKind = (typeof busKinds)[number];

export interface AuthLimits {
  /** Login attempts per client IP per minute. */
  loginPerIpPerMinute: number;
  /** Failed logins for one username from one client address per 15 minutes; then that address is refused for it. */
  loginFailuresPerUserIpPer15Min: number;
  /** Failed logins for one username from any address per 15 minutes after which its logins slow down (never refused). */
  loginSlowdownAfterFailures: number;
  /** Registrations per client IP per hour. */
  registerPerIpPerHour: number;
}

export interface ApiConfig {
  host: string;
  port: number;
  databaseUrl: string;
  authMode: AuthMode;
  bus: BusKind;
  natsUrl: string | undefined;
  redisUrl: string | undefined;
  /** Namespace on the NATS/Redis server (stream, subject and key prefix); '' for the defaults. */
  busPrefix: string;
  /** HS256 secret for session tokens; unset → one kept in the database, shared by all instances. */
  jwtSecret: string | undefined;
  /** Origins allowed by CORS; '*' reflects any origin (open mode's default). */
  corsOrigins: '*' | string[];
  /** Addresses whose X-Forwarded-* headers are believed (the proxy's). */
  trustProxy: string;
  /** A name for logs and metrics, e.g. api-1. */
  instanceId: string;
  logLevel: string;
  authLimits: AuthLimits;
  /** Size of the PostgreSQL connection pool. */
  poolSize: number;
  /** How long a deleted card stays in the trash (days; fractions for tests). */
  trashRetentionDays: number;
  /** How often the job runner looks for due jobs when idle (ms). */
  jobPollMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every default, once: the environment reader and apiConfig() both start from these. */
export const apiDefaults = {
  host: '127.0.0.1',
  port: 3000,
  authMode: 'accounts',
  bus: 'pg',
  busPrefix: '',
  trustProxy: '127.0.0.1/8,::1/128',
  instanceId: 'api',
  logLevel: 'info',
  authLimits: {
    loginPerIpPerMinute: 30,
    loginFailuresPerUserIpPer15Min: 10,
    loginSlowdownAfterFailures: 10,
    registerPerIpPerHour: 20,
  },
  poolSize: 10,
  trashRetentionDays: limits.trashRetentionDays,
  jobPollMs: 5_000,
} as const satisfies Partial<ApiConfig>;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const urlWith = (...protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
  );

/** Variables the API reads, each validated on its own so an error names it. */
const variables = {
  HOST: z.string().min(1).default(apiDefaults.host),
  PORT: intFrom(0, 65535).default(apiDefaults.port),
  DATABASE_URL: urlWith('postgres:', 'postgresql:'),
  AUTH_MODE: z.enum(authModes).default(apiDefaults.authMode),
  BUS: z.enum(busKinds).default(apiDefaults.bus),
  NATS_URL: urlWith('nats:', 'tls:', 'ws:', 'wss:').optional(),
  REDIS_URL: urlWith('redis:', 'rediss:').optional(),
  BUS_PREFIX: z
    .string()
    .regex(busPrefixPattern, 'letters, digits, dash, underscore; at most 32')
    .default(apiDefaults.busPrefix),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CORS_ORIGINS: z.string().optional(),
  TRUST_PROXY: z.string().default(apiDefaults.trustProxy),
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore; at most 64')
    .default(apiDefaults.instanceId),
  LOG_LEVEL: z.enum(logLevels).default(apiDefaults.logLevel),
  AUTH_LOGIN_PER_IP_PER_MINUTE: intFrom(1, 1_000_000).default(
    apiDefaults.authLimits.loginPerIpPerMinute,
  ),
  AUTH_LOGIN_FAILURES_PER_USER_IP: intFrom(1, 1_000_000).default(
    apiDefaults.authLimits.loginFailuresPerUserIpPer15Min,
  ),
  AUTH_LOGIN_SLOWDOWN_AFTER: intFrom(1, 1_000_000).default(
    apiDefaults.authLimits.loginSlowdownAfterFailures,
  ),
  AUTH_REGISTER_PER_IP_PER_HOUR: intFrom(1, 1_000_000).default(
    apiDefaults.authLimits.registerPerIpPerHour,
  ),
  DB_POOL_SIZE: intFrom(1, 500).default(apiDefaults.poolSize),
  TRASH_RETENTION_DAYS: intFrom(1, 3650).default(apiDefaults.trashRetentionDays),
  JOB_POLL_MS: intFrom(100, 3_600_000).default(apiDefaults.jobPollMs),
} as const;

type Parsed = { [K in keyof typeof variables]: z.output<(typeof variables)[K]> };

/** Reads the API's configuration from the environment; throws ConfigError naming the variable. */
export function apiConfigFromEnv(env: Record<string, string | undefined>): ApiConfig {
  const parsed = {} as Record<string, unknown>;
  for (const [name, schema] of Object.entries(variables)) {
    const raw = env[name] === '' ? undefined : env[name];
    const result = (schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ConfigError(
        name,
        raw === undefined
          ? 'is required'
          : `${issue?.message ?? 'is invalid'} (got ${JSON.stringify(raw)})`,
      );
    }
    parsed[name] = result.data;
  }
  const p = parsed as Parsed;
  if (p.BUS === 'nats' && !p.NATS_URL)
    throw new ConfigError('NATS_URL', 'is required when BUS=nats');
  if (p.BUS === 'redis' && !p.REDIS_URL)
    throw new ConfigError('REDIS_URL', 'is required when BUS=redis');
  const cors = p.CORS_ORIGINS?.trim();
  return {
    host: p.HOST,
    port: p.PORT,
    databaseUrl: p.DATABASE_URL,
    authMode: p.AUTH_MODE,
    bus: p.BUS,
    natsUrl: p.NATS_URL,
    redisUrl: p.REDIS_URL,
    busPrefix: p.BUS_PREFIX,
    jwtSecret: p.JWT_SECRET,
    corsOrigins:
      cors === '*' || (cors === undefined && p.AUTH_MODE === 'open')
        ? '*'
        : (cors ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    trustProxy: p.TRUST_PROXY,
    instanceId: p.INSTANCE_ID,
    logLevel: p.LOG_LEVEL,
    authLimits: {
      loginPerIpPerMinute: p.AUTH_LOGIN_PER_IP_PER_MINUTE,
      loginFailuresPerUserIpPer15Min: p.AUTH_LOGIN_FAILURES_PER_USER_IP,
      loginSlowdownAfterFailures: p.AUTH_LOGIN_SLOWDOWN_AFTER,
      registerPerIpPerHour: p.AUTH_REGISTER_PER_IP_PER_HOUR,
    },
    poolSize: p.DB_POOL_SIZE,
    trashRetentionDays: p.TRASH_RETENTION_DAYS,
    jobPollMs: p.JOB_POLL_MS,
  };
}

/**
 * A complete config for tests and embedding: the defaults, on any free port
 * and without logs unless the overrides say otherwise.
 */
export function apiConfig(overrides: Partial<ApiConfig> & { databaseUrl: string }): ApiConfig {
  return {
    ...apiDefaults,
    port: 0,
    logLevel: 'silent',
    authLimits: { ...apiDefaults.authLimits },
    natsUrl: undefined,
    redisUrl: undefined,
    jwtSecret: undefined,
    corsOrigins: overrides.authMode === 'open' ? '*' : [],
    ...overrides,
  };
}

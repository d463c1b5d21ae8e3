import { limits } from '@switchboard/core';
import { z } from 'zod';

export const authModes = ['accounts', 'open'] as const;
export type AuthMode = (typeof authModes)[number];
export const busKinds = ['pg', 'nats', 'redis'] as const;
export type BusKind = (typeof busKinds)[number];

export interface AuthLimits {
  /** Login attempts per client IP per minute. */
  loginPerIpPerMinute: number;
  /** Failed logins per username per 15 minutes. */
  loginFailuresPerUserPer15Min: number;
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
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intFrom(0, 65535).default(3000),
  DATABASE_URL: urlWith('postgres:', 'postgresql:'),
  AUTH_MODE: z.enum(authModes).default('accounts'),
  BUS: z.enum(busKinds).default('pg'),
  NATS_URL: urlWith('nats:', 'tls:', 'ws:', 'wss:').optional(),
  REDIS_URL: urlWith('redis:', 'rediss:').optional(),
  BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/, 'letters, digits, dash, underscore; at most 32')
    .default(''),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CORS_ORIGINS: z.string().optional(),
  TRUST_PROXY: z.string().default('127.0.0.1/8,::1/128'),
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore; at most 64')
    .default('api'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTH_LOGIN_PER_IP_PER_MINUTE: intFrom(1, 1_000_000).default(30),
  AUTH_LOGIN_FAILURES_PER_USER: intFrom(1, 1_000_000).default(10),
  AUTH_REGISTER_PER_IP_PER_HOUR: intFrom(1, 1_000_000).default(20),
  DB_POOL_SIZE: intFrom(1, 500).default(10),
  TRASH_RETENTION_DAYS: intFrom(1, 3650).default(limits.trashRetentionDays),
  JOB_POLL_MS: intFrom(100, 3_600_000).default(5000),
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
      loginFailuresPerUserPer15Min: p.AUTH_LOGIN_FAILURES_PER_USER,
      registerPerIpPerHour: p.AUTH_REGISTER_PER_IP_PER_HOUR,
    },
    poolSize: p.DB_POOL_SIZE,
    trashRetentionDays: p.TRASH_RETENTION_DAYS,
    jobPollMs: p.JOB_POLL_MS,
  };
}

/** A complete config for tests and embedding, with the given overrides. */
export function apiConfig(overrides: Partial<ApiConfig> & { databaseUrl: string }): ApiConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    authMode: 'accounts',
    bus: 'pg',
    natsUrl: undefined,
    redisUrl: undefined,
    busPrefix: '',
    jwtSecret: undefined,
    corsOrigins: overrides.authMode === 'open' ? '*' : [],
    trustProxy: '127.0.0.1/8,::1/128',
    instanceId: 'api',
    logLevel: 'silent',
    authLimits: {
      loginPerIpPerMinute: 30,
      loginFailuresPerUserPer15Min: 10,
      registerPerIpPerHour: 20,
    },
    poolSize: 10,
    trashRetentionDays: limits.trashRetentionDays,
    jobPollMs: 5000,
    ...overrides,
  };
}

import { limits } from '@switchboard/core';
import { z } from 'zod';
import type { S3Settings } from './attachments/s3-file-store.js';
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
  /** The largest file a card takes (bytes); larger uploads get 413. */
  attachmentMaxBytes: number;
  /** All files of one board together (bytes); an upload past it gets 413. */
  boardAttachmentQuotaBytes: number;
  /** Where attachments' bytes go: PostgreSQL chunk rows, or an S3-compatible bucket. */
  attachmentStore: 'pg' | 's3';
  s3: S3Settings | undefined;
  /** Unsplash API access key; unset: no photo backgrounds (colours and gradients only). */
  unsplashAccessKey: string | undefined;
  /** Base URL of the Unsplash API (tests point it at a local server). */
  unsplashApiUrl: string;
  /** Unsplash searches one user may make per minute (the key's quota is the server's). */
  unsplashSearchesPerMinute: number;
  /**
   * On SIGTERM, how long `/ready` answers 503 draining while requests are still
   * served, before the instance stops accepting (ms): time for load balancers to notice.
   */
  shutdownDelayMs: number;
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
  attachmentStore: 'pg',
  s3: undefined,
  attachmentMaxBytes: limits.attachmentMaxMiB * 1024 * 1024,
  boardAttachmentQuotaBytes: limits.boardAttachmentQuotaMiB * 1024 * 1024,
  shutdownDelayMs: 0,
  unsplashApiUrl: 'https://api.unsplash.com',
  unsplashSearchesPerMinute: 30,
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
  ATTACHMENT_MAX_MB: intFrom(1, 10_240).default(limits.attachmentMaxMiB),
  BOARD_ATTACHMENT_QUOTA_MB: intFrom(1, 10_485_760).default(limits.boardAttachmentQuotaMiB),
  ATTACHMENT_STORE: z.enum(['pg', 's3']).default('pg'),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.url().optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  S3_PREFIX: z.string().max(200).default('attachments/'),
  SHUTDOWN_DELAY_MS: intFrom(0, 600_000).default(apiDefaults.shutdownDelayMs),
  UNSPLASH_ACCESS_KEY: z
    .string()
    .regex(/^[\w-]{8,256}$/, 'must be an Unsplash access key (letters, digits, - and _)')
    .optional(),
  UNSPLASH_API_URL: urlWith('https:', 'http:').default(apiDefaults.unsplashApiUrl),
  UNSPLASH_SEARCHES_PER_MINUTE: intFrom(1, 10_000).default(apiDefaults.unsplashSearchesPerMinute),
} as const;

type Parsed = { [K in keyof typeof variables]: z.output<(typeof variables)[K]> };

export interface VariableDoc {
  description: string;
  /** Carries a secret: read from the environment or NAME_FILE only, masked when printed. */
  secret?: boolean;
}

/**
 * What each variable means, for operators: docs/configuration.md is generated
 * from it (npm run docs:config) and a test fails when a variable has none.
 */
export const apiVariableDocs: Record<string, VariableDoc> = {
  HOST: { description: 'Address the API listens on.' },
  PORT: { description: 'Port the API listens on (0: any free port).' },
  DATABASE_URL: {
    description: 'PostgreSQL connection URL (postgres://user:password@host:port/db).',
    secret: true,
  },
  AUTH_MODE: {
    description: '`accounts`: sign-in required; `open`: no login, every board shared (seed 001).',
  },
  BUS: { description: 'Event fan-out between instances: `pg` (LISTEN/NOTIFY), `nats` or `redis`.' },
  NATS_URL: { description: 'NATS server (required with BUS=nats).', secret: true },
  REDIS_URL: { description: 'Redis server (required with BUS=redis).', secret: true },
  BUS_PREFIX: { description: 'Namespace for streams, subjects and keys on a shared NATS/Redis.' },
  JWT_SECRET: {
    description:
      'HS256 secret for session tokens, at least 32 characters; unset: one kept in the database, shared by all instances.',
    secret: true,
  },
  CORS_ORIGINS: {
    description: "Comma-separated origins allowed by CORS; `*` any (open mode's default).",
  },
  TRUST_PROXY: { description: 'Addresses (CIDRs) whose X-Forwarded-* headers are believed.' },
  INSTANCE_ID: { description: 'Name of this instance in logs, metrics and X-Served-By.' },
  LOG_LEVEL: { description: 'pino log level.' },
  AUTH_LOGIN_PER_IP_PER_MINUTE: { description: 'Login attempts per client address per minute.' },
  AUTH_LOGIN_FAILURES_PER_USER_IP: {
    description:
      'Failed logins for one username from one address per 15 minutes before it is refused.',
  },
  AUTH_LOGIN_SLOWDOWN_AFTER: {
    description:
      'Failed logins for one username from any address after which its logins slow down.',
  },
  AUTH_REGISTER_PER_IP_PER_HOUR: { description: 'Registrations per client address per hour.' },
  DB_POOL_SIZE: { description: 'PostgreSQL connections per instance.' },
  TRASH_RETENTION_DAYS: { description: 'Days a deleted card stays in the trash.' },
  JOB_POLL_MS: { description: 'How often the job runner looks for due jobs when idle (ms).' },
  ATTACHMENT_MAX_MB: {
    description:
      'The largest file a card takes (MiB); larger uploads get 413 SB_ERR_ATTACHMENT_TOO_LARGE. The proxy of `switchboard up` lets bodies this big through to /api/attachments.',
  },
  ATTACHMENT_STORE: {
    description:
      '`pg` (default): files as chunk rows in PostgreSQL, in every backup. `s3`: objects in an S3-compatible bucket (S3_*), for installs whose files outgrow the database; not in `switchboard backup`.',
  },
  S3_BUCKET: { description: 'The bucket for ATTACHMENT_STORE=s3 (required then).' },
  S3_REGION: { description: 'Its region.' },
  S3_ENDPOINT: {
    description: 'An S3-compatible endpoint (MinIO, Ceph, R2 …); unset: AWS S3 itself.',
  },
  S3_ACCESS_KEY_ID: {
    description: 'Access key; unset: the AWS SDK finds credentials itself (IAM role, env).',
  },
  S3_SECRET_ACCESS_KEY: { description: 'Its secret.' },
  S3_FORCE_PATH_STYLE: {
    description: 'Bucket in the path rather than the host name; default true with S3_ENDPOINT.',
  },
  S3_PREFIX: { description: "Prefix of the objects' keys in the bucket." },
  BOARD_ATTACHMENT_QUOTA_MB: {
    description:
      "All files of one board together (MiB); an upload past it gets 413 SB_ERR_BOARD_QUOTA_EXCEEDED. Owners see the board's use in the card dialog.",
  },
  SHUTDOWN_DELAY_MS: {
    description:
      'After SIGTERM, /ready answers 503 draining for this long (ms) while requests are still served, so load balancers take the instance out first.',
  },
  UNSPLASH_ACCESS_KEY: {
    description:
      'Access key of an Unsplash app (unsplash.com/developers): board backgrounds may then be Unsplash photos, searched through the API. Unset: colours and gradients only, and /api/unsplash/search answers 404 SB_ERR_UNSPLASH_DISABLED.',
    secret: true,
  },
  UNSPLASH_API_URL: {
    description: "Base URL of Unsplash's API (a stand-in for tests or an egress proxy).",
  },
  UNSPLASH_SEARCHES_PER_MINUTE: {
    description:
      "Unsplash searches one user may make per minute (429 SB_ERR_RATE_LIMITED past it); the whole server shares the key's hourly quota at Unsplash.",
  },
};

export interface ApiVariable extends VariableDoc {
  name: string;
  /** The default as text; undefined when the variable is required or has none. */
  default: string | undefined;
  required: boolean;
}

/** Every variable the API reads, with its default and description (docs, `config check`). */
export function apiVariables(): ApiVariable[] {
  return Object.entries(variables).map(([name, schema]) => {
    const empty = (schema as z.ZodType).safeParse(undefined);
    const doc = apiVariableDocs[name];
    return {
      name,
      description: doc?.description ?? '',
      ...(doc?.secret ? { secret: true } : {}),
      default: empty.success && empty.data !== undefined ? String(empty.data) : undefined,
      required: !empty.success,
    };
  });
}

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
    attachmentMaxBytes: p.ATTACHMENT_MAX_MB * 1024 * 1024,
    attachmentStore: p.ATTACHMENT_STORE,
    s3: s3Settings(p),
    boardAttachmentQuotaBytes: p.BOARD_ATTACHMENT_QUOTA_MB * 1024 * 1024,
    shutdownDelayMs: p.SHUTDOWN_DELAY_MS,
    unsplashAccessKey: p.UNSPLASH_ACCESS_KEY,
    unsplashApiUrl: p.UNSPLASH_API_URL,
    unsplashSearchesPerMinute: p.UNSPLASH_SEARCHES_PER_MINUTE,
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
    unsplashAccessKey: undefined,
    corsOrigins: overrides.authMode === 'open' ? '*' : [],
    ...overrides,
  };
}

function s3Settings(p: Parsed): S3Settings | undefined {
  if (p.ATTACHMENT_STORE !== 's3') return undefined;
  if (!p.S3_BUCKET) throw new ConfigError('S3_BUCKET', 'is required when ATTACHMENT_STORE=s3');
  return {
    bucket: p.S3_BUCKET,
    region: p.S3_REGION,
    endpoint: p.S3_ENDPOINT,
    accessKeyId: p.S3_ACCESS_KEY_ID,
    secretAccessKey: p.S3_SECRET_ACCESS_KEY,
    forcePathStyle:
      p.S3_FORCE_PATH_STYLE === undefined
        ? p.S3_ENDPOINT !== undefined
        : p.S3_FORCE_PATH_STYLE === 'true',
    prefix: p.S3_PREFIX,
  };
}

import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import type { AppDeps, Readiness } from './app-deps.js';
import { buildApp } from './app.js';
import { AuthRateLimits } from './auth/auth-limits.js';
import { SessionVerifier } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import type { ApiConfig } from './config.js';
import type { RealtimeOverrides } from './realtime/options.js';
import { type Realtime, startRealtime } from './realtime/realtime.js';
import { ensureOpenModeBoard } from './store/boards.js';
import { type DatabaseHandle, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { anonymousUser, signingSecret } from './store/users.js';
import { JobRunner } from './jobs/job-runner.js';
import { jobHandlers } from './jobs/handlers.js';

export interface RunningApi {
  app: FastifyInstance;
  deps: AppDeps;
  realtime: Realtime;
  jobs: JobRunner;
  url: string;
  port: number;
  close(): Promise<void>;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface CreateOptions {
  /** Real-time tunables (tests shorten heartbeats and intervals). */
  realtime?: RealtimeOverrides;
  /** Tests: the LISTEN connection's own database URL (e.g. through a proxy they can cut). */
  listenerUrl?: string;
}

/**
 * Opens the database, migrates, wires the dependencies and starts the
 * real-time layer (bus, hub, relay): everything but listening. Closing the
 * returned database handle stops the real-time layer first.
 */
export async function createDeps(
  config: ApiConfig,
  database?: DatabaseHandle,
  options: CreateOptions = {},
): Promise<{ deps: AppDeps; database: DatabaseHandle; realtime: Realtime; jobs: JobRunner }> {
  const handle =
    database ??
    openDatabase(config.databaseUrl, config.poolSize, `switchboard-${config.instanceId}`);
  const { db, pool } = handle;
  await migrateToLatest(db);
  const tokens = new TokenService(await signingSecret(db, config.jwtSecret));
  const anonymous = await anonymousUser(db);
  if (config.authMode === 'open') {
    await ensureOpenModeBoard(db, {
      id: anonymous.id,
      username: anonymous.username,
      sharedAccess: true,
    });
  }
  const sessions = new SessionVerifier(db, tokens);
  const realtime = await startRealtime({
    config,
    db,
    sessions,
    anonymous,
    ...(options.realtime ? { overrides: options.realtime } : {}),
    ...(options.listenerUrl ? { listenerUrl: options.listenerUrl } : {}),
  });
  // Readiness has a connection of its own: behind a pool busy with queued
  // requests, a check would time out and take a working instance (or all of
  // them, under load) out of the proxy's rotation.
  const probe = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 1,
    connectionTimeoutMillis: 2_000,
    application_name: `switchboard-${config.instanceId}-ready`,
  });
  probe.on('error', () => {});
  const readiness = async (): Promise<Readiness> => {
    let database: string;
    try {
      await withTimeout(probe.query('SELECT 1'), 2_000);
      database = 'ok';
    } catch (err) {
      database = err instanceof Error ? err.message : String(err);
    }
    const bus = realtime.health();
    return { ok: database === 'ok' && bus === 'ok', checks: { database, bus } };
  };
  const deps: AppDeps = {
    config,
    db,
    tokens,
    sessions,
    authLimits: new AuthRateLimits(pool, config.authLimits),
    anonymous,
    readiness,
    onCommitted: (events) => realtime.committed(events),
    realtime,
  };
  // Scheduled work (trash purges): every instance runs jobs; each job runs once.
  const jobLog = pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const jobs = new JobRunner({
    db,
    handlers: jobHandlers(),
    pollMs: config.jobPollMs,
    onCommitted: (events) => realtime.committed(events),
    onError: (err, job) => jobLog.warn({ err, job: job?.id, kind: job?.kind }, 'job failed'),
  });
  jobs.start();
  const closing: DatabaseHandle = {
    ...handle,
    close: async () => {
      await jobs.stop();
      await realtime.stop();
      await probe.end();
      await handle.close();
    },
  };
  return { deps, database: closing, realtime, jobs };
}

/** Starts one API instance and listens on config.host:config.port (0 picks a free port). */
export async function startApi(
  config: ApiConfig,
  options: CreateOptions = {},
): Promise<RunningApi> {
  const { deps, database, realtime, jobs } = await createDeps(config, undefined, options);
  const logger = pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const app = await buildApp(deps, { loggerInstance: logger });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    deps,
    realtime,
    jobs,
    port,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

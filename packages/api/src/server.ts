import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { type Logger, pino } from 'pino';
import type { AppDeps, Readiness } from './app-deps.js';
import { buildApp } from './app.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { fileStoreFor } from './attachments/file-store-for.js';
import { removeStaleUploads, sweepFileDeletions } from './store/attachments.js';

/** An upload still incomplete after this long lost its client. */
const STALE_UPLOAD_MS = 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;
import { AuthRateLimits } from './auth/auth-limits.js';
import { SessionVerifier } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import type { ApiConfig } from './config.js';
import { PgListener } from './realtime/bus/pg-listener.js';
import type { RealtimeOverrides } from './realtime/options.js';
import { type Realtime, startRealtime } from './realtime/realtime.js';
import { ensureOpenModeBoard } from './store/boards.js';
import { type DatabaseHandle, guardPoolClients, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { refuseOpenModeOverAccounts } from './store/open-mode-guard.js';
import { describeError, isConnectionError, whileUnreachable } from './store/unreachable.js';
import { anonymousUser, signingSecret } from './store/users.js';
import { JobRunner } from './jobs/job-runner.js';
import { UnsplashSearchLimit } from './unsplash/search-limit.js';
import { UnsplashClient } from './unsplash/unsplash-client.js';
import { jobHandlers } from './jobs/handlers.js';

export interface RunningApi {
  app: FastifyInstance;
  deps: AppDeps;
  realtime: Realtime;
  jobs: JobRunner;
  url: string;
  port: number;
  /**
   * From now on `/ready` answers 503 draining (requests are still served):
   * load balancers take the instance out before it stops accepting.
   */
  drain(): void;
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
  /** Where state changes go (the database lost and found again); silent by default. */
  logger?: Logger;
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
  const metrics = new ApiMetrics(config.instanceId);
  const handle =
    database ??
    openDatabase(
      config.databaseUrl,
      config.poolSize,
      `switchboard-${config.instanceId}`,
      (ms, failed) => metrics.query(ms, failed),
    );
  metrics.watchPool(handle.pool);
  const { db, pool } = handle;
  const files = fileStoreFor(config, db);
  const log = options.logger;
  // Started during an outage (or restarted by a supervisor in one), wait for
  // the database quietly instead of exiting into a crash loop.
  const { secret, anonymous } = await whileUnreachable(
    async () => {
      await migrateToLatest(db);
      const secret = await signingSecret(db, config.jwtSecret);
      const anonymous = await anonymousUser(db);
      if (config.authMode === 'open') {
        await refuseOpenModeOverAccounts(db);
        await ensureOpenModeBoard(db, {
          id: anonymous.id,
          username: anonymous.username,
          sharedAccess: true,
        });
      }
      return { secret, anonymous };
    },
    { log: (line) => log?.warn(line) },
  );
  const tokens = new TokenService(secret);
  // One LISTEN connection per instance: bus wake-ups (BUS=pg), the relay, and logouts.
  const listener = new PgListener({
    connectionString: options.listenerUrl ?? config.databaseUrl,
    applicationName: `switchboard-${config.instanceId}-listen`.slice(0, 63),
  });
  const sessions = new SessionVerifier(db, tokens, listener);
  const realtime = await startRealtime({
    config,
    db,
    sessions,
    anonymous,
    listener,
    ...(options.realtime ? { overrides: options.realtime } : {}),
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
  guardPoolClients(probe);
  let lastDatabase = 'ok';
  const readiness = async (): Promise<Readiness> => {
    let database: string;
    try {
      await withTimeout(probe.query('SELECT 1'), 2_000);
      database = 'ok';
    } catch (err) {
      database = describeError(err);
    }
    // One line when the database goes away and one when it is back, not one per check.
    if ((database === 'ok') !== (lastDatabase === 'ok')) {
      if (database === 'ok') log?.warn('the database answers again: ready');
      else log?.warn(`the database is unreachable (${database}): not ready`);
    }
    lastDatabase = database;
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
    metrics,
    files,
    ...(config.unsplashAccessKey
      ? {
          unsplash: {
            client: new UnsplashClient(config.unsplashAccessKey, config.unsplashApiUrl),
            searchLimit: new UnsplashSearchLimit(pool, config.unsplashSearchesPerMinute),
          },
        }
      : {}),
  };
  metrics.watchRealtime(realtime);
  realtime.hub.observeDeliveries((count, lagMs) => metrics.delivered(count, lagMs));
  // Scheduled work (trash purges): every instance runs jobs; each job runs once.
  const jobLog = log ?? pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const jobs = new JobRunner({
    db,
    handlers: jobHandlers(),
    pollMs: config.jobPollMs,
    onCommitted: (events) => realtime.committed(events),
    onError: (err, job) => jobLog.warn({ err, job: job?.id, kind: job?.kind }, 'job failed'),
    onUnreachable: (err) =>
      jobLog.warn(`scheduled jobs wait: the database is unreachable (${describeError(err)})`),
    onReachable: () => jobLog.info('scheduled jobs run again: the database answers'),
  });
  jobs.start();
  // Uploads whose client went away mid-file leave incomplete rows: any instance sweeps them.
  const sweep = setInterval(
    () =>
      void removeStaleUploads(db, STALE_UPLOAD_MS)
        .then(() => sweepFileDeletions(db, files))
        .catch((err: unknown) =>
          isConnectionError(err)
            ? undefined // the job runner and /ready already say so
            : jobLog.warn({ err }, 'could not sweep stale uploads or objects'),
        ),
    SWEEP_EVERY_MS,
  );
  sweep.unref();
  const closing: DatabaseHandle = {
    ...handle,
    close: async () => {
      clearInterval(sweep);
      await jobs.stop();
      await realtime.stop();
      await listener.close();
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
  const logger = pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const { deps, database, realtime, jobs } = await createDeps(config, undefined, {
    logger,
    ...options,
  });
  let draining = false;
  const readiness = deps.readiness;
  deps.readiness = async () =>
    draining ? { ok: false, draining: true, checks: { instance: 'draining' } } : readiness();
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
    drain: () => {
      draining = true;
    },
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

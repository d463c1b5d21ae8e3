import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { AppDeps, Readiness } from './app-deps.js';
import { buildApp } from './app.js';
import { AuthRateLimits } from './auth/auth-limits.js';
import { SessionVerifier } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import type { ApiConfig } from './config.js';
import { ensureOpenModeBoard } from './store/boards.js';
import { type DatabaseHandle, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { anonymousUser, signingSecret } from './store/users.js';

export interface RunningApi {
  app: FastifyInstance;
  deps: AppDeps;
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

/** Opens the database, migrates, wires the dependencies: everything but listening. */
export async function createDeps(
  config: ApiConfig,
  database?: DatabaseHandle,
): Promise<{ deps: AppDeps; database: DatabaseHandle }> {
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
  const readiness = async (): Promise<Readiness> => {
    try {
      await withTimeout(sql`SELECT 1`.execute(db), 2_000);
      return { ok: true, checks: { database: 'ok' } };
    } catch (err) {
      return { ok: false, checks: { database: err instanceof Error ? err.message : String(err) } };
    }
  };
  const deps: AppDeps = {
    config,
    db,
    tokens,
    sessions: new SessionVerifier(db, tokens),
    authLimits: new AuthRateLimits(pool, config.authLimits),
    anonymous,
    readiness,
  };
  return { deps, database: handle };
}

/** Starts one API instance and listens on config.host:config.port (0 picks a free port). */
export async function startApi(config: ApiConfig): Promise<RunningApi> {
  const { deps, database } = await createDeps(config);
  const logger = pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const app = await buildApp(deps, { loggerInstance: logger });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    deps,
    port,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

import path from 'node:path';
import { migrateToLatest, openDatabase } from '@switchboard/api';
import { ApiSupervisor } from '../api-supervisor.js';
import { lockDataDir } from '../data-dir-lock.js';
import { ensureDatabase } from '../database-setup.js';
import { type EmbeddedDatabase, freePort, startEmbeddedPostgres } from '../embedded-postgres.js';
import { parseUpConfig, UpConfigError, upUsage } from '../up-config.js';

const log = (line: string) => console.log(`[switchboard] ${line}`);

/** `switchboard up` (what `npm start` runs): PostgreSQL, N API instances and the proxy. */
export async function runUp(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(upUsage);
    return;
  }
  let config;
  try {
    config = parseUpConfig(argv, process.env);
  } catch (err) {
    if (
      err instanceof UpConfigError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`switchboard up: ${(err as Error).message}\n\n${upUsage}`);
      process.exit(2);
    }
    throw err;
  }
  const started = Date.now();
  const unlock = await lockDataDir(config.dataDir);
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log(`starting embedded PostgreSQL (data in ${path.join(config.dataDir, 'pg')})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
    databaseUrl = await ensureDatabase(embedded.url, 'switchboard');
  }
  const handle = openDatabase(databaseUrl, 2, 'switchboard-up');
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }

  const ports = await Promise.all(Array.from({ length: config.apiInstances }, () => freePort()));
  const supervisor = new ApiSupervisor({
    ports,
    log,
    env: {
      DATABASE_URL: databaseUrl,
      AUTH_MODE: config.authMode,
      BUS: config.bus,
      NATS_URL: config.natsUrl,
      REDIS_URL: config.redisUrl,
      LOG_LEVEL: config.logLevel,
    },
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await supervisor.stop();
    await embedded?.stop();
    await unlock();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await supervisor.start();
  log(
    `${config.apiInstances} API instance(s) on ${supervisor
      .list()
      .map((i) => `127.0.0.1:${i.port}`)
      .join(', ')}`,
  );
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s (auth mode: ${config.authMode})`);
}

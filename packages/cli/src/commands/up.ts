import path from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError } from '@switchboard/api';
import { startProxy, type RunningProxy } from '@switchboard/proxy';
import { ApiSupervisor } from '../api-supervisor.js';
import { buildWeb } from '../build-web.js';
import {
  adminToken,
  adminTokenFile,
  fallbackWebDir,
  frontDoorConfig,
  grpcBackendId,
  selfSignedCertFile,
  webDistDir,
} from '../front-door.js';
import { lockDataDir } from '../data-dir-lock.js';
import { ensureDatabase } from '../database-setup.js';
import { type EmbeddedDatabase, freePort, startEmbeddedPostgres } from '../embedded-postgres.js';
import { checkListenersFree, defaultGrpcPortTaken, upListeners } from '../up/listeners-free.js';
import { prepareDatabase } from '../up/prepare-database.js';
import { everyPool, poolAdmin, RollingRestart } from '../up/rolling-restart.js';
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
    if (config.webRoot && !existsSync(path.join(config.webRoot, 'index.html'))) {
      throw new UpConfigError('WEB_ROOT', `${config.webRoot} has no index.html`);
    }
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
  // Before a database is created or started: a port in use is found at once.
  await checkListenersFree(upListeners(config)).catch((err: unknown) => {
    if (!(err instanceof UpConfigError)) throw err;
    console.error(`switchboard up: ${err.message}`);
    process.exit(2);
  });
  const grpcTaken = await defaultGrpcPortTaken(config);
  if (grpcTaken) {
    log(`no gRPC listener: ${grpcTaken}; set GRPC_PORT to another port (or off)`);
    config = { ...config, grpcPort: undefined };
  }
  const started = Date.now();
  const unlock = await lockDataDir(config.dataDir);
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log(`starting embedded PostgreSQL (data in ${path.join(config.dataDir, 'pg')})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, onRestart: log });
    databaseUrl = await ensureDatabase(embedded.url, 'switchboard');
  }
  let jwtSecret: string;
  try {
    jwtSecret = await prepareDatabase(databaseUrl, config.authMode, log);
  } catch (err) {
    await embedded?.stop();
    await unlock();
    if (!(err instanceof ConfigError)) throw err;
    console.error(`switchboard up: ${err.message}`);
    process.exit(2);
  }
  let webRoot = config.webRoot ?? webDistDir();
  if (!existsSync(`${webRoot}/index.html`)) {
    log('building the web app (npm install normally does this)');
    try {
      await buildWeb();
    } catch (err) {
      // The API and proxy are still worth running; the page says what to do.
      log(`the web app could not be built (${(err as Error).message}); serving a notice at /`);
      webRoot = fallbackWebDir();
    }
  }

  const ports = await Promise.all(Array.from({ length: config.apiInstances }, () => freePort()));
  const supervisor = new ApiSupervisor({
    ports,
    log,
    // Generous: from source (tsx) on a busy machine an instance can take half a minute.
    startTimeoutMs: 120_000,
    env: {
      DATABASE_URL: databaseUrl,
      AUTH_MODE: config.authMode,
      BUS: config.bus,
      NATS_URL: config.natsUrl,
      REDIS_URL: config.redisUrl,
      LOG_LEVEL: config.logLevel,
      JWT_SECRET: jwtSecret,
      // The proxy is told to drain an instance before it is stopped; this covers
      // requests it had already picked that instance for.
      SHUTDOWN_DELAY_MS: process.env.SHUTDOWN_DELAY_MS || '500',
    },
  });
  // Filled in once the proxy runs; a signal may arrive before that.
  const running: { proxy?: RunningProxy; restarts?: RollingRestart } = {};

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    supervisor.beginStop();
    embedded?.beginStop();
    await running.proxy?.close().catch(() => {});
    await supervisor.stop();
    await embedded?.stop();
    await unlock();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // SIGHUP: replace every API instance, one at a time, without a failed request.
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (running.restarts) running.restarts.request();
    else log('SIGHUP: not started yet; ignored');
  });
  // `npm start` killed on its own (not the whole process group, as Ctrl-C does)
  // exits without passing the signal on: notice being orphaned and stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent process exited');
  }, 1000).unref();

  await supervisor.start();
  const token = await adminToken(config);
  const proxy = await startProxy(
    frontDoorConfig({ config, apiPorts: ports, jwtSecret, adminToken: token, webRoot }),
  );
  running.proxy = proxy;
  const pools = [{ admin: poolAdmin(proxy.adminUrl, token, 'api'), id: (id: string) => id }];
  if (config.grpcPort !== undefined)
    pools.push({ admin: poolAdmin(proxy.adminUrl, token, 'api-grpc'), id: grpcBackendId });
  running.restarts = new RollingRestart(supervisor, everyPool(pools), log);
  log(
    `${config.apiInstances} API instance(s) on ${supervisor
      .list()
      .map((i) => `127.0.0.1:${i.port}`)
      .join(', ')}, bus ${config.bus}, auth mode ${config.authMode}`,
  );
  if (config.grpcPort !== undefined)
    log(`gRPC (h2c) on :${config.grpcPort}: task.v1 and switchboard.v1 services (docs/grpc.md)`);
  log(
    `admin API on ${proxy.adminUrl} (token in ${adminTokenFile(config.dataDir)} unless ADMIN_TOKEN is set)`,
  );
  if (config.tls.kind === 'self-signed') {
    const cert = selfSignedCertFile(config.dataDir);
    log(
      `development certificate ${cert}: trust it (docs/deploy.md, "HTTPS on a laptop") or expect a warning`,
    );
  }
  const scheme = config.tls.kind === 'off' ? 'http' : 'https';
  log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: open ${scheme}://localhost:${config.port}`,
  );
}

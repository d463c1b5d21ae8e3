import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lockDataDir } from '../data-dir-lock.js';
import { ensureDatabase } from '../database-setup.js';
import { startEmbeddedPostgres } from '../embedded-postgres.js';
import { isAlive } from '../process-alive.js';
import { BackupError } from './errors.js';

/** The database `up` keeps on its embedded cluster (see commands/up.ts). */
const embeddedDatabaseName = 'switchboard';

export interface Target {
  url: string;
  /** Where it is, for messages (never the password). */
  describe: string;
  /** Stops what was started for this command (the embedded server, the lock). */
  release(): Promise<void>;
}

/** The pid of a live `switchboard up` holding the data directory, if any. */
async function runningUp(dataDir: string): Promise<number | undefined> {
  const file = path.join(dataDir, 'switchboard.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number((await readFile(file, 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/** How to reach the server a running `up` started: its postmaster.pid says the port. */
async function connectToRunning(dataDir: string, upPid: number): Promise<string> {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) {
    throw new BackupError(
      'SB_BACKUP_NO_DATABASE',
      `switchboard (pid ${upPid}) holds ${dataDir} but its PostgreSQL is not running; try again when it is up`,
    );
  }
  const port = Number((await readFile(pidFile, 'utf8')).split('\n')[3]);
  const password = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${embeddedDatabaseName}`;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * The database a backup reads: DATABASE_URL, else the embedded one in
 * DATA_DIR — the running `up`'s server if it runs (it keeps the lock; a
 * backup reads beside it), else started here under the lock and stopped after.
 */
export async function backupSource(
  databaseUrl: string | undefined,
  dataDir: string,
): Promise<Target> {
  if (databaseUrl)
    return { url: databaseUrl, describe: redact(databaseUrl), release: async () => {} };
  const upPid = await runningUp(dataDir);
  if (upPid !== undefined) {
    return {
      url: await connectToRunning(dataDir, upPid),
      describe: `the embedded PostgreSQL of switchboard up (pid ${upPid}) in ${dataDir}`,
      release: async () => {},
    };
  }
  if (!existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))) {
    throw new BackupError(
      'SB_BACKUP_NO_DATABASE',
      `no DATABASE_URL and no embedded PostgreSQL in ${dataDir} (set DATABASE_URL or DATA_DIR)`,
    );
  }
  return startEmbedded(dataDir);
}

/**
 * The database a restore writes: DATABASE_URL, else the embedded one in
 * DATA_DIR, initialised here when the directory has none. A running `up`
 * is refused: its instances would write beside the restore.
 */
export async function restoreTarget(
  databaseUrl: string | undefined,
  dataDir: string,
): Promise<Target> {
  if (databaseUrl)
    return { url: databaseUrl, describe: redact(databaseUrl), release: async () => {} };
  const upPid = await runningUp(dataDir);
  if (upPid !== undefined) {
    throw new BackupError(
      'SB_RESTORE_IN_USE',
      `switchboard (pid ${upPid}) is running with data directory ${dataDir}; stop it, or restore into another DATA_DIR`,
    );
  }
  return startEmbedded(dataDir);
}

async function startEmbedded(dataDir: string): Promise<Target> {
  const unlock = await lockDataDir(dataDir).catch((err: unknown) => {
    throw new BackupError('SB_RESTORE_IN_USE', (err as Error).message);
  });
  try {
    const embedded = await startEmbeddedPostgres({ dataDir });
    const stopOnSignal = () => {
      embedded.beginStop();
      void embedded
        .stop()
        .finally(unlock)
        .finally(() => process.exit(130));
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    try {
      const url = await ensureDatabase(embedded.url, embeddedDatabaseName);
      return {
        url,
        describe: `the embedded PostgreSQL in ${dataDir}`,
        release: async () => {
          process.off('SIGINT', stopOnSignal);
          process.off('SIGTERM', stopOnSignal);
          embedded.beginStop();
          await embedded.stop();
          await unlock();
        },
      };
    } catch (err) {
      await embedded.stop();
      throw err;
    }
  } catch (err) {
    await unlock();
    throw err;
  }
}

import path from 'node:path';
import { parseArgs } from 'node:util';
import { backup } from '../backup/backup.js';
import { BackupError } from '../backup/errors.js';
import { restore } from '../backup/restore.js';
import { backupSource, restoreTarget, type Target } from '../backup/target.js';
import { resolveSecretFiles, SecretFileError } from '../config/secrets.js';
import { upDefaults } from '../up-config.js';

/** The settings of `backup` and `restore`, for docs/configuration.md. */
export const backupSettings: {
  env?: string;
  flag?: string;
  default?: string;
  description: string;
  secret?: boolean;
}[] = [
  {
    env: 'DATABASE_URL',
    description: 'The database to back up or restore into; unset: the embedded one in DATA_DIR.',
    secret: true,
  },
  {
    env: 'DATA_DIR',
    flag: '--data-dir',
    default: upDefaults.dataDir,
    description:
      'The data directory of `up` whose embedded PostgreSQL is used without DATABASE_URL.',
  },
  { flag: '--out', description: 'backup: the file to write (`-`: stdout). Required.' },
  {
    flag: '--progress',
    description: 'Progress on stderr even when it is not a terminal (`--no-progress`: never).',
  },
];

export const backupUsage = `Usage: switchboard backup --out FILE [--data-dir DIR] [--progress | --no-progress]

A consistent online snapshot of the database (one REPEATABLE READ transaction),
gzip-compressed with a sha256 checksum. Reads DATABASE_URL (or DATABASE_URL_FILE);
without it, the embedded PostgreSQL in DATA_DIR (${upDefaults.dataDir}), running or not.
  --out FILE      where to write ("-" for stdout); written to FILE.partial, then renamed
  --data-dir DIR  overrides DATA_DIR
  --progress      progress on stderr even when it is not a terminal (--no-progress: never)
Exit status: 0 done, 2 refused (the message starts with its SB_ code), 1 other failure.`;

export const restoreUsage = `Usage: switchboard restore FILE [--data-dir DIR] [--progress | --no-progress]

Restores a backup into an empty database, in one transaction: DATABASE_URL (or
DATABASE_URL_FILE); without it, DATA_DIR (${upDefaults.dataDir}), initialising the embedded
PostgreSQL there. Refuses a non-empty database, a backup of a newer schema and a
damaged file (exit status 2, the message starting with its SB_ code).`;

interface Common {
  databaseUrl: string | undefined;
  dataDir: string;
  progress: boolean | undefined;
}

function common(values: Record<string, unknown>): Common {
  const env = resolveSecretFiles(process.env);
  const dataDir = (values['data-dir'] as string | undefined) ?? env.DATA_DIR ?? upDefaults.dataDir;
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(dataDir || upDefaults.dataDir),
    progress: values['no-progress'] ? false : values.progress ? true : undefined,
  };
}

const options = {
  'data-dir': { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Refusals exit 2 with their code; anything else is a failure (1). */
function fail(command: string, err: unknown): never {
  if (err instanceof BackupError || err instanceof SecretFileError) {
    console.error(`switchboard ${command}: ${err.message}`);
    process.exit(2);
  }
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(
      `switchboard ${command}: SB_BACKUP_USAGE: ${(err as Error).message}\n\n${command === 'backup' ? backupUsage : restoreUsage}`,
    );
    process.exit(2);
  }
  console.error(`switchboard ${command}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

async function withTarget<T>(target: Target, run: (url: string) => Promise<T>): Promise<T> {
  try {
    return await run(target.url);
  } finally {
    await target.release();
  }
}

export async function runBackup(argv: string[]): Promise<void> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ...options, out: { type: 'string', short: 'o' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return void console.log(backupUsage);
    if (!values.out)
      throw new BackupError('SB_BACKUP_USAGE', `--out FILE is required\n\n${backupUsage}`);
    const c = common(values);
    const out = values.out === '-' ? '-' : path.resolve(values.out);
    const source = await backupSource(c.databaseUrl, c.dataDir);
    const summary = await withTarget(source, (url) =>
      backup({ url, out, ...(c.progress === undefined ? {} : { progress: c.progress }) }),
    );
    const rows = summary.header.tables.reduce((n, t) => n + t.rows, 0);
    // On stderr: stdout may be the backup itself (--out -).
    console.error(
      `switchboard backup: ${out === '-' ? 'stdout' : out}: schema ${summary.header.schemaVersion}, ` +
        `${summary.header.tables.length} tables, ${rows} rows, sha256 ${summary.sha256} (from ${source.describe})`,
    );
  } catch (err) {
    fail('backup', err);
  }
}

export async function runRestore(argv: string[]): Promise<void> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return void console.log(restoreUsage);
    if (positionals.length !== 1)
      throw new BackupError('SB_BACKUP_USAGE', `give exactly one backup FILE\n\n${restoreUsage}`);
    const c = common(values);
    const file = path.resolve(positionals[0]!);
    const target = await restoreTarget(c.databaseUrl, c.dataDir);
    const header = await withTarget(target, (url) =>
      restore({ url, file, ...(c.progress === undefined ? {} : { progress: c.progress }) }),
    );
    const rows = header.tables.reduce((n, t) => n + t.rows, 0);
    console.error(
      `switchboard restore: ${file} (taken ${header.createdAt}): schema ${header.schemaVersion}, ` +
        `${header.tables.length} tables, ${rows} rows into ${target.describe}`,
    );
  } catch (err) {
    fail('restore', err);
  }
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { migrateWithinTransaction, migrationNames } from '@switchboard/api';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { BackupError } from './errors.js';
import { backupFormat, backupFormatVersion, type BackupHeader, trailerPrefix } from './format.js';
import { countLines, Progress } from './progress.js';
import { ChunkReader } from './reader.js';
import {
  appliedMigrations,
  dataTables,
  migrationTables,
  setSessionFormats,
} from './schema-info.js';

export interface RestoreOptions {
  url: string;
  file: string;
  progress?: boolean;
}

const headerSchema = z.object({
  format: z.literal(backupFormat),
  formatVersion: z.number().int(),
  createdAt: z.string(),
  schemaVersion: z.string(),
  migrations: z.array(z.string()),
  postgresVersion: z.string(),
  tables: z.array(
    z.object({ name: z.string(), columns: z.array(z.string()), rows: z.number().int().min(0) }),
  ),
  sequences: z.array(
    z.object({ name: z.string(), lastValue: z.number().int(), isCalled: z.boolean() }),
  ),
});

const maxHeaderBytes = 16 * 1024 * 1024;

function corrupt(message: string, cause?: unknown): BackupError {
  return new BackupError('SB_BACKUP_CORRUPT', message, { cause });
}

/** zlib's complaints (bad header, bad CRC, truncation) mean a damaged file. */
function asFileError(err: unknown, file: string): unknown {
  if (err instanceof BackupError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code?.startsWith('Z_')) return corrupt(`not a valid gzip stream (${e.message})`, err);
  if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')
    return new BackupError('SB_BACKUP_FILE', `cannot read ${file}: ${e.message}`, { cause: err });
  return err;
}

/** Reads and checks the header: a file this build can restore, of a schema it knows. */
async function readHeader(reader: ChunkReader): Promise<{ header: BackupHeader; raw: string }> {
  const raw = await reader.line(maxHeaderBytes);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw corrupt('the file does not start with a Switchboard backup header');
  }
  if ((json as { format?: unknown } | null)?.format !== backupFormat)
    throw corrupt('the file is not a Switchboard backup');
  const version = (json as { formatVersion?: unknown }).formatVersion;
  if (version !== backupFormatVersion) {
    throw new BackupError(
      'SB_BACKUP_FORMAT',
      `backup format version ${String(version)}; this build reads version ${backupFormatVersion}`,
    );
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`the header is malformed: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const header = parsed.data as BackupHeader;
  const known = header.migrations.every((m, i) => migrationNames[i] === m);
  if (!known || !migrationNames.includes(header.schemaVersion)) {
    throw new BackupError(
      'SB_RESTORE_SCHEMA_NEWER',
      `the backup's schema version is ${header.schemaVersion}; this build knows up to ${migrationNames.at(-1)} — restore with a newer switchboard`,
    );
  }
  return { header, raw };
}

/**
 * Empty means: no table of anyone else's, no migration past the backup's,
 * and no rows beyond those the migrations themselves seed (the anonymous
 * user) — a new database, or one a migration job has just prepared.
 */
async function refuseNonEmpty(client: pg.ClientBase, header: BackupHeader): Promise<void> {
  const applied = await appliedMigrations(client);
  const tables = await dataTables(client);
  if (applied.length === 0 && tables.length > 0) {
    throw new BackupError(
      'SB_RESTORE_NOT_EMPTY',
      `the target database has tables that are not Switchboard's (${tables
        .slice(0, 3)
        .map((t) => t.name)
        .join(', ')}…); restore into an empty database`,
    );
  }
  if (applied.length > header.migrations.length) {
    throw new BackupError(
      'SB_RESTORE_NOT_EMPTY',
      `the target database has schema ${applied.at(-1)}, newer than the backup's ${header.schemaVersion}; restore into an empty database`,
    );
  }
  for (const t of tables) {
    const { rows } = await client.query<{ n: string }>(
      t.name === 'users'
        ? `SELECT count(*) AS n FROM public.users WHERE username <> 'anonymous'`
        : `SELECT count(*) AS n FROM public.${pg.escapeIdentifier(t.name)}`,
    );
    const n = Number(rows[0]!.n);
    if (n > 0) {
      throw new BackupError(
        'SB_RESTORE_NOT_EMPTY',
        `the target database is not empty (table ${t.name} has ${n} rows); restore into an empty database`,
      );
    }
  }
}

/** Writes one chunk into a COPY, waiting when PostgreSQL is slower than the file. */
async function write(copy: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  if (!copy.write(chunk)) await once(copy, 'drain');
}

/**
 * `switchboard restore`: into an empty database, in one transaction — the
 * schema (migrations up to the backup's version), every table's rows, the
 * sequences — so a failure anywhere, a bad checksum at the very end
 * included, leaves the database as it was.
 */
export async function restore(options: RestoreOptions): Promise<BackupHeader> {
  const file = createReadStream(options.file);
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  file.pipe(gunzip);
  const reader = new ChunkReader(gunzip);
  const hash = createHash('sha256');
  const client = new pg.Client({
    connectionString: options.url,
    application_name: 'switchboard-restore',
  });
  let connected = false;
  try {
    const { header, raw } = await readHeader(reader);
    hash.update(raw + '\n');
    await client.connect().catch((err: unknown) => {
      throw new BackupError('SB_BACKUP_NO_DATABASE', `cannot connect: ${(err as Error).message}`, {
        cause: err,
      });
    });
    connected = true;
    client.on('error', () => {});
    await setSessionFormats(client);
    await client.query('BEGIN');
    await refuseNonEmpty(client, header);
    await migrateWithinTransaction(client, header.schemaVersion);

    const present = new Map((await dataTables(client)).map((t) => [t.name, t.columns]));
    for (const t of header.tables) {
      const columns = present.get(t.name);
      if (!columns || t.columns.some((c) => !columns.includes(c)))
        throw corrupt(`table ${t.name} of the backup does not fit schema ${header.schemaVersion}`);
    }
    // Rows the migrations seeded (the anonymous user) come back from the backup.
    if (present.size > 0) {
      await client.query(
        `TRUNCATE ${[...present.keys()]
          .filter((n) => !migrationTables.includes(n))
          .map((n) => `public.${pg.escapeIdentifier(n)}`)
          .join(', ')}`,
      );
    }

    const totalRows = header.tables.reduce((n, t) => n + t.rows, 0);
    const progress = Progress.forStderr(
      'restore',
      header.tables.length,
      totalRows,
      options.progress,
    );
    for (const table of header.tables) {
      progress.startTable(table.name);
      const columns = table.columns.map((c) => pg.escapeIdentifier(c)).join(', ');
      const copy = client.query(
        copyFrom(`COPY public.${pg.escapeIdentifier(table.name)} (${columns}) FROM STDIN`),
      );
      // Rejections are collected by `finished` below; until then keep it from being unhandled.
      const done = finished(copy);
      done.catch(() => {});
      try {
        for (;;) {
          const head = await reader.exactly(4);
          hash.update(head);
          const length = head.readUInt32BE(0);
          if (length === 0) break;
          if (length > 64 * 1024 * 1024) throw corrupt('a frame is impossibly large');
          const data = await reader.exactly(length);
          hash.update(data);
          await Promise.race([write(copy, data), done]);
          progress.add(countLines(data), data.length);
        }
      } catch (err) {
        copy.destroy(err as Error);
        throw err;
      }
      copy.end();
      await done.catch((err: unknown) => {
        throw corrupt(
          `table ${table.name}: PostgreSQL refused the data (${(err as Error).message})`,
          err,
        );
      });
      if (copy.rowCount !== table.rows)
        throw corrupt(
          `table ${table.name} has ${copy.rowCount} rows, the header says ${table.rows}`,
        );
    }

    const trailer = await reader.line(4096);
    if (!trailer.startsWith(trailerPrefix)) throw corrupt('the file has no trailer');
    let expected: unknown;
    try {
      expected = (JSON.parse(trailer.slice(trailerPrefix.length)) as { sha256?: unknown }).sha256;
    } catch {
      throw corrupt('the trailer is malformed');
    }
    const actual = hash.digest('hex');
    if (expected !== actual) {
      throw new BackupError(
        'SB_BACKUP_CHECKSUM',
        `the content's sha256 is ${actual}, the file says ${String(expected)}; nothing was restored`,
      );
    }
    if (!(await reader.atEnd())) throw corrupt('data follows the trailer');

    // New writes continue after the backup's ids: no collision with restored rows.
    for (const s of header.sequences) {
      await client.query('SELECT setval($1::regclass, $2, $3)', [
        `public.${pg.escapeIdentifier(s.name)}`,
        s.lastValue,
        s.isCalled,
      ]);
    }
    await client.query('COMMIT');
    progress.done();
    return header;
  } catch (err) {
    throw asFileError(err, options.file);
  } finally {
    file.destroy();
    gunzip.destroy();
    // Without COMMIT, closing the connection rolls everything back.
    if (connected) await client.end().catch(() => {});
  }
}

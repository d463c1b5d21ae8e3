import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  backupFormat,
  backupFormatVersion,
  type BackupHeader,
  endOfTable,
  frame,
  trailerPrefix,
} from './format.js';
import { BackupError } from './errors.js';
import { countLines, Progress } from './progress.js';
import { appliedMigrations, dataTables, sequences, setSessionFormats } from './schema-info.js';

export interface BackupOptions {
  url: string;
  /** A file path, or '-' for stdout. */
  out: string;
  /** Force progress on or off; by default on when stderr is a terminal. */
  progress?: boolean;
}

export interface BackupSummary {
  header: BackupHeader;
  /** Uncompressed bytes (header, COPY text, framing). */
  bytes: number;
  /** sha256 of those bytes, as the file's trailer holds it. */
  sha256: string;
}

/** COPY output is gathered into frames of about this size: few headers, flat memory. */
const frameBytes = 256 * 1024;

/**
 * Reads the header of the snapshot: what the one transaction will then COPY.
 * Counts, sequences and data all come from the same snapshot (REPEATABLE
 * READ), so the counts are exactly the rows that follow; sequences are read
 * after the snapshot is taken, so they are at least every id it holds.
 */
async function readHeader(client: pg.ClientBase): Promise<BackupHeader> {
  const migrations = await appliedMigrations(client);
  if (migrations.length === 0) {
    throw new BackupError('SB_BACKUP_NO_DATABASE', 'the database has no Switchboard schema');
  }
  const tables = [];
  for (const t of await dataTables(client)) {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM public.${pg.escapeIdentifier(t.name)}`,
    );
    tables.push({ ...t, rows: Number(rows[0]!.n) });
  }
  const { rows: version } = await client.query<{ v: string }>(
    `SELECT current_setting('server_version') AS v`,
  );
  return {
    format: backupFormat,
    formatVersion: backupFormatVersion,
    createdAt: new Date().toISOString(),
    schemaVersion: migrations[migrations.length - 1]!,
    migrations,
    postgresVersion: version[0]!.v,
    tables,
    sequences: await sequences(client),
  };
}

/**
 * `switchboard backup`: one consistent online snapshot of the database,
 * streamed table by table into a gzip file; memory stays flat whatever the
 * size, because every stage waits for the next (pipeline back-pressure).
 */
export async function backup(options: BackupOptions): Promise<BackupSummary> {
  const client = new pg.Client({
    connectionString: options.url,
    application_name: 'switchboard-backup',
  });
  await client.connect().catch((err: unknown) => {
    throw new BackupError('SB_BACKUP_NO_DATABASE', `cannot connect: ${(err as Error).message}`, {
      cause: err,
    });
  });
  client.on('error', () => {}); // a lost server fails the running query instead
  const toStdout = options.out === '-';
  const partial = toStdout ? undefined : `${options.out}.partial`;
  try {
    await setSessionFormats(client);
    // READ ONLY DEFERRABLE would wait for a safe snapshot only under SERIALIZABLE;
    // REPEATABLE READ already gives one snapshot for every statement.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const header = await readHeader(client);
    const totalRows = header.tables.reduce((n, t) => n + t.rows, 0);
    const progress = Progress.forStderr(
      'backup',
      header.tables.length,
      totalRows,
      options.progress,
    );
    const hash = createHash('sha256');
    let bytes = 0;
    async function* content(): AsyncGenerator<Buffer> {
      const emit = (b: Buffer) => {
        hash.update(b);
        bytes += b.length;
        return b;
      };
      yield emit(Buffer.from(JSON.stringify(header) + '\n'));
      for (const table of header.tables) {
        progress.startTable(table.name);
        const columns = table.columns.map((c) => pg.escapeIdentifier(c)).join(', ');
        const stream = client.query(
          copyTo(`COPY public.${pg.escapeIdentifier(table.name)} (${columns}) TO STDOUT`),
        );
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          pending.push(chunk);
          pendingBytes += chunk.length;
          progress.add(countLines(chunk), chunk.length);
          if (pendingBytes >= frameBytes) {
            yield emit(frame(Buffer.concat(pending, pendingBytes)));
            pending = [];
            pendingBytes = 0;
          }
        }
        if (pendingBytes > 0) yield emit(frame(Buffer.concat(pending, pendingBytes)));
        yield emit(endOfTable);
      }
      const sha256 = hash.copy().digest('hex');
      yield Buffer.from(`${trailerPrefix}${JSON.stringify({ sha256 })}\n`);
    }
    const sink: Writable = toStdout ? process.stdout : createWriteStream(partial!);
    await pipeline(
      Readable.from(content(), { objectMode: false }),
      createGzip({ level: constants.Z_DEFAULT_COMPRESSION }),
      sink,
      { end: !toStdout },
    ).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).syscall) {
        throw new BackupError(
          'SB_BACKUP_FILE',
          `cannot write ${options.out}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    });
    await client.query('COMMIT');
    if (partial) await rename(partial, options.out);
    progress.done();
    // The trailer's hash covers what precedes it; recompute for the summary.
    return { header, bytes, sha256: hash.digest('hex') };
  } catch (err) {
    if (partial) await rm(partial, { force: true });
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

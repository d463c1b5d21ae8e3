import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

// bigint ids, seqs and counts fit in a JS number (< 2^53); parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// bigint[] (assignee_ids) likewise: parse as int[] does (OID 1016 is int8[], 1007 int4[]).
type TypeId = Parameters<typeof pg.types.setTypeParser>[0];
const parseIntArray = pg.types.getTypeParser(1007 as TypeId) as (value: string) => number[];
pg.types.setTypeParser(1016 as TypeId, (value) => parseIntArray(value));
// date (due and start dates) as its YYYY-MM-DD text: a Date would shift it by the local zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(
  url: string,
  poolSize = 10,
  applicationName = 'switchboard',
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  // Nor one in use: its query rejects, then the closed socket is also emitted as an
  // 'error' on the client, which would be uncaught (e.g. pg_terminate_backend mid-transaction).
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    close: async () => {
      await db.destroy();
    },
  };
}

/** PostgreSQL error codes we act on. */
export const pgCodes = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** Errors that mean the database is unreachable rather than that the request was wrong. */
export function isConnectionError(err: unknown): boolean {
  const code = pgErrorCode(err);
  if (code === undefined) {
    const message = err instanceof Error ? err.message : '';
    return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|timeout exceeded when trying to connect|Connection terminated/i.test(
      message,
    );
  }
  // Class 08: connection exceptions; 57P01-03: admin shutdown, crash shutdown, cannot connect now.
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

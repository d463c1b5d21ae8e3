import { Kysely } from 'kysely';
import pg from 'pg';
import { PipelinedPostgresDialect, type QueryObserver } from './pipelined-driver.js';
import type { Database } from './schema.js';

export type { QueryObserver };

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

/**
 * A client that loses its server (restart, crash, pg_terminate_backend) emits
 * 'error'. pg-pool listens only while the client is idle: one checked out
 * between two statements of a transaction would throw an unhandled 'error'
 * and take the process down. Every client gets a listener of its own; the
 * failed query still rejects, and pg-pool drops the broken client on release.
 */
export function guardPoolClients(pool: pg.Pool): void {
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
}

/**
 * A transaction left open by an instance that went silent (powered off, cut
 * off from the database mid-transaction) would keep its row locks, the
 * board's seq row among them, until TCP gives up on the socket: minutes, or
 * never without traffic. Every other instance's writes to that board would
 * wait behind it. The server ends such a session instead once it has been
 * idle inside a transaction this long; ours never wait on anything but the
 * database between two statements, so 5 s is far beyond a live one.
 */
export const idleInTransactionTimeoutMs = 5_000;

export function openDatabase(
  url: string,
  poolSize = 10,
  applicationName = 'switchboard',
  observeQuery?: QueryObserver,
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMs,
    // Statements go out without waiting for the answers before them (pipelined-driver.ts).
    pipeline: true,
  });
  guardPoolClients(pool);
  const db = new Kysely<Database>({ dialect: new PipelinedPostgresDialect(pool, observeQuery) });
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

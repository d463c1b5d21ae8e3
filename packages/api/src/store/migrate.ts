import {
  Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
  Migrator,
  PostgresDialect,
  type PostgresPool,
} from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-relay.js';
import * as m0003 from './migrations/0003-cards.js';
import * as m0004 from './migrations/0004-jobs.js';
import * as m0005 from './migrations/0005-attachments.js';
import * as m0006 from './migrations/0006-board-looks.js';

/** Versioned, forward-only migrations, in order. Never edit one that has shipped: add the next. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-relay': m0002,
  '0003-cards': m0003,
  '0004-jobs': m0004,
  '0005-attachments': m0005,
  '0006-board-looks': m0006,
};

class InCodeProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: MigrationResult[] | undefined,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema up to date. Safe to run from several instances at once:
 * Kysely holds an advisory lock while it migrates.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(
      `migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`,
      results,
      error,
    );
  }
  return results ?? [];
}

/** Brings the schema up to (and including) one migration: for tests of a later one's data changes. */
export async function migrateTo(db: Db, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeProvider() });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

export const migrationNames = Object.keys(migrations);

/** A pg client (or anything with its `query`), e.g. one inside a caller's open transaction. */
export interface QueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Brings the schema up to (and including) `name` on one connection, inside
 * the transaction the caller already holds open: Kysely's own transaction is
 * disabled, and its lock (pg_advisory_xact_lock) belongs to ours. A restore
 * creates the schema and loads the data in one transaction, so a failure
 * leaves the database as it found it.
 */
export async function migrateWithinTransaction(client: QueryClient, name: string): Promise<void> {
  if (!(name in migrations)) throw new MigrationError(`unknown migration ${name}`, undefined);
  // A pool of one connection that is never really released: the caller owns it.
  const pool = {
    connect: async () => ({
      query: (text: string, values?: unknown[]) => client.query(text, values),
      release: () => {},
    }),
    end: async () => {},
  };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }),
  });
  const migrator = new Migrator({ db, provider: new InCodeProvider(), disableTransactions: true });
  const { error, results } = await migrator.migrateTo(name);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(
      `migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`,
      results,
      error,
    );
  }
}

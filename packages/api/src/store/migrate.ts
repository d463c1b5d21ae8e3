import { type Migration, type MigrationProvider, type MigrationResult, Migrator } from 'kysely';
import type { Db } from './db.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-relay.js';
import * as m0003 from './migrations/0003-cards.js';
import * as m0004 from './migrations/0004-jobs.js';

/** Versioned, forward-only migrations, in order. Never edit one that has shipped: add the next. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-relay': m0002,
  '0003-cards': m0003,
  '0004-jobs': m0004,
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

import { type Migration, type MigrationProvider, type MigrationResult, Migrator } from 'kysely';
import type { Db } from './db.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-relay.js';

/** Versioned, forward-only migrations, in order. Never edit one that has shipped: add the next. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-relay': m0002,
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

export const migrationNames = Object.keys(migrations);

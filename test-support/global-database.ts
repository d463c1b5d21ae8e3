import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * One PostgreSQL server for the whole run: the one named by TEST_DATABASE_URL
 * (CI points it at the machine's server), else an embedded one started here.
 * Each test file then makes its own database on it (test-support/database.ts).
 */
export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('adminDatabaseUrl', given);
    return;
  }
  const { startEmbeddedPostgres } = await import('@switchboard/cli');
  const dir = await mkdtemp(path.join(tmpdir(), 'sb-test-pg-'));
  const db = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
  project.provide('adminDatabaseUrl', db.url);
  return async () => {
    await db.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

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
  // The one relative path into a package: vitest loads global setup without the
  // "source" export condition, so '@switchboard/cli' would need a build first.
  // eslint-disable-next-line switchboard/no-relative-escape
  const { startEmbeddedPostgres } = await import('../packages/cli/src/index.js');
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

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { type DatabaseHandle, openDatabase } from '../src/store/db.js';
import { migrateToLatest, migrationNames } from '../src/store/migrate.js';

let testDb: TestDatabase;
const handles: DatabaseHandle[] = [];
beforeAll(async () => {
  testDb = await createTestDatabase('migrations');
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await testDb?.drop();
});

const open = () => {
  const handle = openDatabase(testDb.url, 3);
  handles.push(handle);
  return handle.db;
};

describe('migrations', () => {
  it('build the schema from an empty database, from several instances at once', async () => {
    const results = await Promise.all([
      migrateToLatest(open()),
      migrateToLatest(open()),
      migrateToLatest(open()),
    ]);
    // Exactly one migrator applied each migration; the others found nothing to do.
    const applied = results
      .flat()
      .filter((r) => r.status === 'Success')
      .map((r) => r.migrationName);
    expect(applied.sort()).toEqual([...migrationNames].sort());
    const db = open();
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(
      db,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'board_events',
        'board_members',
        'boards',
        'columns',
        'sessions',
        'settings',
        'tasks',
        'users',
      ]),
    );
    const anonymous = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'anonymous')
      .execute();
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0]!.password_hash).toBeNull();
  });

  it('re-run is a no-op', async () => {
    expect(await migrateToLatest(open())).toEqual([]);
    const db = open();
    expect(await db.selectFrom('users').select('id').execute()).toHaveLength(1);
  });

  it('positions compare byte-wise whatever the database collation', async () => {
    const { rows } = await sql<{ collation_name: string | null; table_name: string }>`
      SELECT table_name, collation_name FROM information_schema.columns
      WHERE column_name = 'position' AND table_schema = 'public' ORDER BY table_name`.execute(
      open(),
    );
    expect(rows).toEqual([
      { table_name: 'columns', collation_name: 'C' },
      { table_name: 'tasks', collation_name: 'C' },
    ]);
  });
});

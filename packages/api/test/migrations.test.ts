import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { type DatabaseHandle, openDatabase } from '../src/store/db.js';
import { migrateTo, migrateToLatest, migrationNames } from '../src/store/migrate.js';

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
      { table_name: 'checklist_items', collation_name: 'C' },
      { table_name: 'checklists', collation_name: 'C' },
      { table_name: 'columns', collation_name: 'C' },
      { table_name: 'tasks', collation_name: 'C' },
    ]);
  });
});

describe('0003-cards on existing data', () => {
  let other: TestDatabase;
  afterAll(async () => other?.drop());

  it('turns free-text labels into board labels and due instants into dates', async () => {
    other = await createTestDatabase('migrations-cards');
    const handle = openDatabase(other.url, 2);
    handles.push(handle);
    const db = handle.db;
    await migrateTo(db, '0002-relay');
    await sql`
      INSERT INTO boards (id, title, created_by) VALUES (7, 'Old', 1), (8, 'Other', 1);
      INSERT INTO columns (id, board_id, title, position) OVERRIDING SYSTEM VALUE
        VALUES (70, 7, 'To do', 'a0'), (80, 8, 'To do', 'a0');
      INSERT INTO tasks (board_id, column_id, title, position, labels, due_at, created_by) VALUES
        (7, 70, 'one', 'a0', '{bug,UI}', '2026-12-24T17:30:00Z', 1),
        (7, 70, 'two', 'a1', '{ui,Docs,BUG}', NULL, 1),
        (8, 80, 'three', 'a0', '{bug}', NULL, 1),
        (8, 80, 'four', 'a1', '{}', NULL, 1);
    `.execute(db);
    await migrateToLatest(db);
    const labels = await db
      .selectFrom('labels')
      .select(['id', 'board_id', 'name', 'color'])
      .orderBy('id')
      .execute();
    expect(labels.map((l) => [l.board_id, l.name, l.color])).toEqual([
      [7, 'bug', 'red'],
      [7, 'UI', 'orange'],
      [7, 'Docs', 'yellow'],
      [8, 'bug', 'red'],
    ]);
    const id = (board: number, name: string) =>
      labels.find((l) => l.board_id === board && l.name.toLowerCase() === name)!.id;
    const tasks = await db
      .selectFrom('tasks')
      .select(['title', 'label_ids', 'due_date', 'due_time', 'due_tz', 'due_at'])
      .orderBy('id')
      .execute();
    expect(tasks.map((t) => [t.title, t.label_ids])).toEqual([
      ['one', [id(7, 'bug'), id(7, 'ui')]],
      ['two', [id(7, 'ui'), id(7, 'docs'), id(7, 'bug')]],
      ['three', [id(8, 'bug')]],
      ['four', []],
    ]);
    expect(tasks[0]).toMatchObject({
      due_date: '2026-12-24',
      due_time: '17:30:00.000',
      due_tz: null,
    });
  });
});

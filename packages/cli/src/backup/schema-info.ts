import pg from 'pg';
import type { BackupSequence } from './format.js';

/** Kysely's bookkeeping: recreated by running the migrations, never copied. */
export const migrationTables = ['kysely_migration', 'kysely_migration_lock'];

export interface TableInfo {
  name: string;
  columns: string[];
}

/**
 * The data tables of the public schema, referenced tables before the tables
 * that reference them (COPY FROM checks foreign keys as it goes). A table
 * referencing itself is fine: its checks run at the end of its COPY.
 */
export async function dataTables(client: pg.ClientBase): Promise<TableInfo[]> {
  const { rows } = await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name,
           array_agg(a.attname::text ORDER BY a.attnum) AS columns
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attgenerated = ''
     GROUP BY c.relname
     ORDER BY c.relname`);
  const { rows: refs } = await client.query<{ child: string; parent: string }>(`
    SELECT c.relname AS child, p.relname AS parent
      FROM pg_constraint k
      JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_class p ON p.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`);
  const tables = rows.filter((t) => !migrationTables.includes(t.name));
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set()]));
  for (const r of refs) parents.get(r.child)?.add(r.parent);
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.filter(
      (t) => !placed.has(t.name) && [...parents.get(t.name)!].every((p) => placed.has(p)),
    );
    // A cycle of foreign keys between tables: none in our schema; say so rather than loop.
    if (next.length === 0) throw new Error('foreign keys form a cycle between tables');
    for (const t of next) {
      ordered.push(t);
      placed.add(t.name);
    }
  }
  return ordered;
}

export async function sequences(client: pg.ClientBase): Promise<BackupSequence[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
  );
  const out: BackupSequence[] = [];
  for (const { name } of rows) {
    // Read from the sequence itself: pg_sequences hides a never-used one's state.
    const { rows: state } = await client.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value, is_called FROM public.${pg.escapeIdentifier(name)}`,
    );
    const s = state[0]!;
    out.push({ name, lastValue: Number(s.last_value), isCalled: s.is_called });
  }
  return out;
}

/** The migrations applied to the database, in order; [] when it has none. */
export async function appliedMigrations(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT to_regclass('public.kysely_migration') IS NOT NULL AS present`,
  );
  if (!rows[0]?.present) return [];
  const { rows: names } = await client.query<{ name: string }>(
    'SELECT name FROM public.kysely_migration ORDER BY name',
  );
  return names.map((r) => r.name);
}

/** Both ends read and write COPY text in the same unambiguous forms. */
export async function setSessionFormats(client: pg.ClientBase): Promise<void> {
  await client.query(
    `SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3`,
  );
}

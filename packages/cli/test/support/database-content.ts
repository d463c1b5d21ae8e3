import pg from 'pg';

export interface DatabaseContent {
  /** Every row of every table as PostgreSQL's text form, sorted; by table. */
  tables: Record<string, string[]>;
  sequences: Record<string, { last_value: string; is_called: boolean }>;
  migrations: string[];
}

/** Everything a backup must carry, read so two databases can be compared whole. */
export async function databaseContent(url: string): Promise<DatabaseContent> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables
        WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_%' ORDER BY 1`,
    );
    const content: DatabaseContent = { tables: {}, sequences: {}, migrations: [] };
    for (const { name } of tables) {
      const { rows } = await client.query<{ r: string }>(
        `SELECT t::text AS r FROM public.${pg.escapeIdentifier(name)} t ORDER BY 1`,
      );
      content.tables[name] = rows.map((x) => x.r);
    }
    const { rows: seqs } = await client.query<{ name: string }>(
      `SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    for (const { name } of seqs) {
      const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text, is_called FROM public.${pg.escapeIdentifier(name)}`,
      );
      content.sequences[name] = rows[0]!;
    }
    const { rows: migrations } = await client.query<{ name: string }>(
      `SELECT name FROM kysely_migration ORDER BY name`,
    );
    content.migrations = migrations.map((m) => m.name);
    return content;
  } finally {
    await client.end();
  }
}

/** Tables in the public schema (an empty database has none). */
export async function tableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

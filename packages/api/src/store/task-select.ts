import { type RawBuilder, sql } from 'kysely';
import type { Tx } from './board-write.js';
import type { Db } from './db.js';
import { taskWireColumns, type TaskWithExtras } from './mappers.js';

/**
 * A task's wire form needs its column's name (status) and its labels' names.
 * These expressions add them to any SELECT or RETURNING over `tasks`, so a
 * single-task read or write needs no extra round trip. (The board payload
 * reads columns and labels anyway and joins in memory instead.)
 */
export const taskExtras = [
  sql<string>`(SELECT c.title FROM columns c WHERE c.id = tasks.column_id)`.as('status'),
  sql<string[]>`ARRAY(SELECT l.name FROM unnest(tasks.label_ids) WITH ORDINALITY AS u (id, n)
    JOIN labels l ON l.id = u.id ORDER BY u.n)`.as('label_names'),
] as const;

/** The same, as raw SQL for hand-written RETURNING clauses. */
export const taskExtrasSql = sql`(SELECT c.title FROM columns c WHERE c.id = tasks.column_id) AS status,
  ARRAY(SELECT l.name FROM unnest(tasks.label_ids) WITH ORDINALITY AS u (id, n)
    JOIN labels l ON l.id = u.id ORDER BY u.n) AS label_names`;

/** A task on the board or archived — not one in the trash — with its extras. */
export async function findTask(db: Db | Tx, taskId: number): Promise<TaskWithExtras | undefined> {
  return db
    .selectFrom('tasks')
    .selectAll('tasks')
    .select(taskExtras)
    .where('tasks.id', '=', taskId)
    .where('tasks.deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * A timestamp column as the wire's ISO text (what Date#toISOString gives:
 * UTC, milliseconds truncated), so a 5 000-card board skips making and
 * formatting 10 000 Dates.
 */
function isoText(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const timestampColumns = new Set(['due_at', 'archived_at', 'created_at', 'updated_at']);

/** The columns of a task's wire form for bulk reads, timestamps already as text. */
export const taskWireSelection = taskWireColumns.map((column) =>
  timestampColumns.has(column) ? isoText(column).as(column) : column,
);

import {
  type CustomField,
  isoDateSchema,
  limits,
  type ListTasksQuery,
  normalizeFieldValue,
  parseFieldFilter,
  sbError,
  type TaskPage,
} from '@switchboard/core';
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import type { Db } from './db.js';
import { toCustomField, toTask } from './mappers.js';
import { taskExtras } from './task-select.js';

/**
 * GET /api/tasks: the cards of the boards the caller reads, filtered and
 * paged. Cards in the trash never show; archived ones (or those of an
 * archived column) only when asked for.
 */
export async function listTasks(db: Db, actor: Actor, query: ListTasksQuery): Promise<TaskPage> {
  const page = query.page ?? 1;
  const pageSize = query.page_size ?? limits.pageSizeDefault;
  if (query.board_id !== undefined) await accessBoard(db, query.board_id, actor, 'board.read');
  const fieldFilters = await fieldConditions(db, actor, query);
  let base = db
    .selectFrom('tasks')
    .innerJoin('boards', 'boards.id', 'tasks.board_id')
    .innerJoin('columns', 'columns.id', 'tasks.column_id')
    .where('boards.deleted_at', 'is', null)
    .where('tasks.deleted_at', 'is', null);
  if (query.board_id !== undefined) base = base.where('tasks.board_id', '=', query.board_id);
  else if (!actor.sharedAccess) {
    base = base.where('tasks.board_id', 'in', (eb) =>
      eb.selectFrom('board_members').select('board_id').where('user_id', '=', actor.id),
    );
  }
  const archived = query.archived ?? 'false';
  if (archived !== 'all') {
    const hidden = sql<SqlBool>`(tasks.archived_at IS NOT NULL OR columns.archived_at IS NOT NULL)`;
    base = base.where(archived === 'true' ? hidden : sql<SqlBool>`NOT ${hidden}`);
  }
  if (query.column_id !== undefined) base = base.where('tasks.column_id', '=', query.column_id);
  if (query.completed !== undefined) base = base.where('tasks.completed', '=', query.completed);
  if (query.status !== undefined) {
    base = base.where(sql<SqlBool>`lower(columns.title) = lower(${query.status})`);
  }
  if (query.label !== undefined) {
    base = base.where(sql<SqlBool>`tasks.label_ids @> ${query.label}::bigint[]`);
  }
  if (query.due !== undefined) {
    const soon = `${limits.dueSoonHours} hours`;
    base = base
      .where('tasks.completed', '=', false)
      .where(
        query.due === 'overdue'
          ? sql<SqlBool>`tasks.due_at < now()`
          : sql<SqlBool>`tasks.due_at >= now() AND tasks.due_at < now() + ${soon}::interval`,
      );
  }
  for (const condition of fieldFilters) base = base.where(condition);
  const [{ count }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
    base
      .selectAll('tasks')
      .select(taskExtras)
      .orderBy('tasks.board_id')
      .orderBy('columns.position')
      .orderBy('tasks.position')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
  ]);
  return { tasks: rows.map(toTask), total_count: Number(count), page, page_size: pageSize };
}

function badFilter(raw: string, message: string): never {
  throw sbError('SB_ERR_VALIDATION', `query.field: ${message}`, {
    issues: [{ path: 'query.field', message: `${JSON.stringify(raw)}: ${message}` }],
  });
}

/** `field=<id>:<value>` filters as SQL conditions, interpreted by each field's type. */
async function fieldConditions(
  db: Db,
  actor: Actor,
  query: ListTasksQuery,
): Promise<Expression<SqlBool>[]> {
  if (query.field === undefined) return [];
  const raws = Array.isArray(query.field) ? query.field : [query.field];
  const filters = raws.map((raw) => {
    const parsed = parseFieldFilter(raw);
    if (!parsed) badFilter(raw, 'must be <field id>:<value>');
    return { raw, ...parsed };
  });
  const rows = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where(
      'id',
      'in',
      filters.map((f) => f.fieldId),
    )
    .execute();
  const fields = new Map<number, CustomField>(rows.map((r) => [r.id, toCustomField(r)]));
  const conditions: Expression<SqlBool>[] = [];
  for (const filter of filters) {
    const field = fields.get(filter.fieldId);
    // A field of a board the caller cannot read is as unknown as a missing one.
    const readable =
      field &&
      (query.board_id === undefined || field.board_id === query.board_id) &&
      (await accessBoard(db, field.board_id, actor, 'board.read').then(
        () => true,
        () => false,
      ));
    if (!field || !readable) {
      throw sbError('SB_ERR_UNKNOWN_FIELD', undefined, { field_id: filter.fieldId });
    }
    const key = String(field.id);
    const value = filter.value;
    switch (field.type) {
      case 'text': {
        const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        conditions.push(sql<SqlBool>`tasks.custom_fields ->> ${key} ILIKE ${pattern}`);
        break;
      }
      case 'number': {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n)) badFilter(filter.raw, 'needs a number');
        conditions.push(sql<SqlBool>`tasks.custom_fields -> ${key} = ${JSON.stringify(n)}::jsonb`);
        break;
      }
      case 'date':
        if (!isoDateSchema.safeParse(value).success) badFilter(filter.raw, 'needs YYYY-MM-DD');
        conditions.push(sql<SqlBool>`tasks.custom_fields ->> ${key} = ${value}`);
        break;
      case 'single_select': {
        const option = normalizeFieldValue(field, value);
        conditions.push(sql<SqlBool>`tasks.custom_fields ->> ${key} = ${String(option)}`);
        break;
      }
      case 'checkbox':
        if (value !== 'true' && value !== 'false') badFilter(filter.raw, 'needs true or false');
        conditions.push(
          value === 'true'
            ? sql<SqlBool>`tasks.custom_fields -> ${key} = 'true'::jsonb`
            : sql<SqlBool>`NOT (tasks.custom_fields ? ${key})`,
        );
        break;
    }
  }
  return conditions;
}

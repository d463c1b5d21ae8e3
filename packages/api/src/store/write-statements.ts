import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  CompiledQuery as Query,
} from 'kysely';
import { appendStatement, type Tx } from './board-write.js';
import { accessQuery } from './board-access.js';
import type { Database } from './schema.js';
import { targetColumnQuery } from './target-column.js';
import { insertTaskQuery } from './tasks.js';

/**
 * The statements of a write exactly as the store sends them, grouped by
 * network round trip, for the write bench's pgbench reference (issue 16: the
 * reference runs the API's own SQL, so the ratio measures what HTTP and the
 * application cost). Built by the same functions the store calls; only the
 * values the application computes (the task's key, the event payload) are
 * stand-ins.
 */
export interface WriteTrips {
  /** Each trip's statements, in order; BEGIN opens the first, COMMIT closes the last. */
  trips: CompiledQuery[][];
}

/** A Kysely that compiles only (never connects). */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * POST /api/tasks {board_id, title} to the board's first column: BEGIN +
 * lock + target column; INSERT; event append + COMMIT (three round trips).
 */
export function createTaskTrips(spec: {
  boardId: number;
  actorId: number;
  title: string;
  /** The key the application computes from the column's last key. */
  position: string;
  /** The column the target-column read finds (the insert names it). */
  columnId: number;
}): WriteTrips {
  const tx = compiler as unknown as Tx;
  const actor = { id: spec.actorId, username: 'bench', sharedAccess: false };
  const task = {
    board_id: spec.boardId,
    column_id: spec.columnId,
    title: spec.title,
    description: '',
    completed: false,
    position: spec.position,
    assignee_ids: [],
    label_ids: [],
    start_date: null,
    custom_fields: '{}',
    created_by: spec.actorId,
  };
  // An event payload of the size the API writes: the task's wire form.
  const payload = {
    task: {
      id: 0,
      ...task,
      status: 'To do',
      labels: [],
      custom_fields: {},
      due_at: null,
      version: 1,
      archived: false,
      created_at: new Date(0).toISOString(),
      updated_at: new Date(0).toISOString(),
    },
  };
  return {
    trips: [
      [
        Query.raw('begin'),
        accessQuery(compiler, spec.boardId, actor, true).compile(),
        targetColumnQuery(tx, spec.boardId, {}).compile(),
      ],
      [insertTaskQuery(compiler, task).compile()],
      [
        appendStatement(spec.boardId, spec.actorId, [{ type: 'task.created', payload }]).compile(
          compiler,
        ),
        Query.raw('commit'),
      ],
    ],
  };
}

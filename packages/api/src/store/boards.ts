import {
  type Board,
  type BoardBackground,
  type BoardDetail,
  type CreateBoardInput,
  defaultColumnTitles,
  initialRanks,
  type ListBoardsQuery,
  type Role,
  sameBackground,
  sbError,
  type Task,
  type UpdateBoardInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { appendEvents, type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { taskWireSelection } from './task-select.js';
import {
  type BoardRow,
  taskFromRow,
  type TaskWireRow,
  toBoard,
  toBoardFields,
  toColumn,
  toCustomField,
  toLabel,
  toMember,
} from './mappers.js';
import { checkVersion } from './tasks.js';

/** Owner membership, starting columns and the opening events of a board just inserted. */
async function fillNewBoard(
  tx: Tx,
  board: BoardRow,
  actor: Actor,
  titles: readonly string[],
): Promise<WriteResult<BoardDetail>> {
  const member = await tx
    .insertInto('board_members')
    .values({ board_id: board.id, user_id: actor.id, role: 'owner' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const ranks = initialRanks(titles.length);
  const columns =
    titles.length === 0
      ? []
      : await tx
          .insertInto('columns')
          .values(titles.map((title, i) => ({ board_id: board.id, title, position: ranks[i]! })))
          .returningAll()
          .execute();
  const wireColumns = columns.map(toColumn);
  const wireMember = toMember({ ...member, username: actor.username });
  const events = await appendEvents(tx, board.id, actor.id, [
    { type: 'board.created', payload: { board: toBoardFields(board) } },
    ...wireColumns.map((column) => ({ type: 'column.created' as const, payload: { column } })),
    { type: 'member.added', payload: { member: wireMember } },
  ]);
  const seq = events.at(-1)?.seq ?? 0;
  return {
    result: {
      ...toBoard({ ...board, seq }, 'owner'),
      columns: wireColumns,
      tasks: [],
      members: [wireMember],
      labels: [],
      custom_fields: [],
    },
    events,
  };
}

export async function createBoard(
  db: Db,
  actor: Actor,
  input: CreateBoardInput,
): Promise<WriteResult<BoardDetail>> {
  return db.transaction().execute(async (tx) => {
    const board = await tx
      .insertInto('boards')
      .values({ title: input.title, created_by: actor.id })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fillNewBoard(tx, board, actor, input.columns ?? defaultColumnTitles);
  });
}

/**
 * Open mode promises board 1, so a client that never creates a board (a
 * script that posts tasks with board_id 1, as the README's curl examples do)
 * has one to write to. Several instances may start at once; only one inserts it.
 */
export async function ensureOpenModeBoard(db: Db, actor: Actor): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const board = await tx
      .insertInto('boards')
      .values({ id: 1, title: 'My board', created_by: actor.id })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!board) return;
    // Keep the identity sequence past the id given by hand.
    await sql`SELECT setval(pg_get_serial_sequence('boards', 'id'), GREATEST((SELECT max(id) FROM boards), 1))`.execute(
      tx,
    );
    await fillNewBoard(tx, board, actor, defaultColumnTitles);
  });
}

export async function listBoards(db: Db, actor: Actor, query: ListBoardsQuery): Promise<Board[]> {
  let q = db
    .selectFrom('boards')
    .leftJoin('board_members as m', (join) =>
      join.onRef('m.board_id', '=', 'boards.id').on('m.user_id', '=', actor.id),
    )
    .selectAll('boards')
    .select('m.role')
    .where('boards.deleted_at', 'is', null)
    .orderBy('boards.updated_at', 'desc')
    .orderBy('boards.id', 'desc');
  if (!actor.sharedAccess) q = q.where('m.role', 'is not', null);
  const archived = query.archived ?? 'false';
  if (archived !== 'all') q = q.where('boards.archived', '=', archived === 'true');
  const rows = await q.execute();
  return rows.map(({ role, ...board }) =>
    toBoard(board, actor.sharedAccess ? 'owner' : (role as Role)),
  );
}

/**
 * The whole board read in one REPEATABLE READ snapshot, so its seq matches its
 * contents exactly (WebSocket snapshots rely on that). Archived columns and
 * cards, and cards in the trash, are left out; a card's status and label
 * names come from the columns and labels read here, not per row.
 */
export async function getBoardDetail(db: Db, actor: Actor, boardId: number): Promise<BoardDetail> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => {
      const { board, role } = await accessBoard(tx, boardId, actor, 'board.read');
      const [columns, tasks, members, labels, fields] = await Promise.all([
        tx
          .selectFrom('columns')
          .selectAll()
          .where('board_id', '=', boardId)
          .where('archived_at', 'is', null)
          .orderBy('position')
          .execute(),
        tx
          .selectFrom('tasks')
          .select(taskWireSelection)
          .where('board_id', '=', boardId)
          .where('archived_at', 'is', null)
          .where('deleted_at', 'is', null)
          .orderBy('column_id')
          .orderBy('position')
          .$castTo<TaskWireRow>()
          .execute(),
        tx
          .selectFrom('board_members as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select(['m.user_id', 'u.username', 'm.role', 'm.added_at'])
          .where('m.board_id', '=', boardId)
          .orderBy('m.added_at')
          .execute(),
        tx.selectFrom('labels').selectAll().where('board_id', '=', boardId).orderBy('id').execute(),
        tx
          .selectFrom('custom_fields')
          .selectAll()
          .where('board_id', '=', boardId)
          .orderBy('id')
          .execute(),
      ]);
      const status = new Map(columns.map((c) => [c.id, c.title]));
      const labelName = new Map(labels.map((l) => [l.id, l.name]));
      const onBoard: Task[] = [];
      for (const task of tasks) {
        const title = status.get(task.column_id);
        if (title === undefined) continue; // in an archived column
        const names: string[] = [];
        for (const id of task.label_ids) {
          const name = labelName.get(id);
          if (name !== undefined) names.push(name);
        }
        onBoard.push(taskFromRow(task, title, names));
      }
      return {
        ...toBoard(board, role),
        columns: columns.map(toColumn),
        tasks: onBoard,
        members: members.map(toMember),
        labels: labels.map(toLabel),
        custom_fields: fields.map(toCustomField),
      };
    });
}

/** A board change as the store takes it: a background already resolved (an Unsplash photo fetched). */
export type BoardChange = Omit<UpdateBoardInput, 'background'> & { background?: BoardBackground };

export async function updateBoard(
  db: Db,
  actor: Actor,
  boardId: number,
  input: BoardChange,
  ifMatch: number | undefined,
): Promise<WriteResult<Board>> {
  const changingArchive = input.archived !== undefined;
  // Archiving needs the owner; a rename or a new background needs editor or better.
  // Un-archiving is allowed on an archived board.
  const action = changingArchive ? 'board.archive' : 'board.rename';
  const unarchiveOnly =
    input.archived === false && input.title === undefined && input.background === undefined;
  return writeBoard(
    db,
    boardId,
    actor,
    action,
    async ({ tx, board, role, emit }) => {
      checkVersion(ifMatch ?? input.version, board, (row) => toBoard(row, role));
      if (board.archived && !unarchiveOnly && input.archived !== false) {
        throw sbError('SB_ERR_BOARD_ARCHIVED', undefined, { board_id: boardId });
      }
      const changed: string[] = [];
      const set: { title?: string; archived?: boolean; background?: string | null } = {};
      if (input.title !== undefined && input.title !== board.title) {
        set.title = input.title;
        changed.push('title');
      }
      if (input.archived !== undefined && input.archived !== board.archived) {
        set.archived = input.archived;
        changed.push('archived');
      }
      if (input.background !== undefined && !sameBackground(input.background, board.background)) {
        set.background = input.background === null ? null : JSON.stringify(input.background);
        changed.push('background');
      }
      if (changed.length === 0) return toBoard(board, role);
      const row = await tx
        .updateTable('boards')
        .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
        .where('id', '=', boardId)
        .returningAll()
        .executeTakeFirstOrThrow();
      emit({ type: 'board.updated', payload: { board: toBoardFields(row), changed } });
      // The event bumps seq after this row was read; report the seq it will have.
      return toBoard({ ...row, seq: row.seq + 1 }, role);
    },
    { allowArchived: true },
  );
}

export async function deleteBoard(
  db: Db,
  actor: Actor,
  boardId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<{ id: number }>> {
  return writeBoard(
    db,
    boardId,
    actor,
    'board.delete',
    async ({ tx, board, role, emit }) => {
      checkVersion(ifMatch, board, (row) => toBoard(row, role));
      // The board row stays as a tombstone so the log keeps its final event.
      await tx.deleteFrom('tasks').where('board_id', '=', boardId).execute();
      await tx.deleteFrom('columns').where('board_id', '=', boardId).execute();
      await tx.deleteFrom('labels').where('board_id', '=', boardId).execute();
      await tx.deleteFrom('custom_fields').where('board_id', '=', boardId).execute();
      await tx
        .updateTable('boards')
        .set({ deleted_at: sql`now()`, updated_at: sql`now()`, version: sql`version + 1` })
        .where('id', '=', boardId)
        .execute();
      emit({ type: 'board.deleted', payload: { board_id: boardId } });
      return { id: boardId };
    },
    { allowArchived: true },
  );
}

import {
  type Checklist,
  type ChecklistProgress,
  type ChecklistWithItems,
  type CreateChecklistInput,
  limits,
  sbError,
  type UpdateChecklistInput,
} from '@switchboard/core';
import { generateNKeysBetween } from 'fractional-indexing';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, type WriteContext, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { type ChecklistRow, toChecklist, toChecklistItem } from './mappers.js';
import { placeAmongSiblings } from './placement.js';
import { boardOfTask, checkVersion, ensureOnBoard, lockedTask } from './tasks.js';

/**
 * Checklists of a card, ordered by fractional keys like tasks. The card keeps
 * its progress (items done / in all) in the same transaction as any change to
 * them, and every checklist event carries the new figure.
 */
export async function recountProgress(tx: Tx, taskId: number): Promise<ChecklistProgress> {
  const { rows } = await sql<{ done: number; total: number }>`
    UPDATE tasks SET checklist_done = s.done, checklist_total = s.total
    FROM (SELECT count(*) FILTER (WHERE done)::int AS done, count(*)::int AS total
          FROM checklist_items WHERE task_id = ${taskId}) AS s
    WHERE tasks.id = ${taskId}
    RETURNING tasks.checklist_done AS done, tasks.checklist_total AS total`.execute(tx);
  return rows[0]!;
}

async function itemsOf(db: Db | Tx, checklistIds: number[]) {
  if (checklistIds.length === 0) return [];
  return db
    .selectFrom('checklist_items')
    .selectAll()
    .where('checklist_id', 'in', checklistIds)
    .orderBy('checklist_id')
    .orderBy('position')
    .execute();
}

async function withItems(db: Db | Tx, lists: Checklist[]): Promise<ChecklistWithItems[]> {
  const items = await itemsOf(
    db,
    lists.map((l) => l.id),
  );
  return lists.map((list) => ({
    ...list,
    items: items.filter((i) => i.checklist_id === list.id).map(toChecklistItem),
  }));
}

export async function listChecklists(
  db: Db,
  actor: Actor,
  taskId: number,
): Promise<ChecklistWithItems[]> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  const lists = await db
    .selectFrom('checklists')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('position')
    .execute();
  return withItems(db, lists.map(toChecklist));
}

export async function createChecklist(
  db: Db,
  actor: Actor,
  taskId: number,
  input: CreateChecklistInput,
): Promise<WriteResult<ChecklistWithItems>> {
  const boardId = await boardOfTask(db, taskId);
  return writeBoard(db, boardId, actor, 'task.write', async ({ tx, emit }) => {
    ensureOnBoard(await lockedTask(tx, taskId));
    const { count } = await tx
      .selectFrom('checklists')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('task_id', '=', taskId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limits.checklistsPerTask) {
      throw sbError(
        'SB_ERR_TOO_MANY',
        `A card has at most ${limits.checklistsPerTask} checklists.`,
        {
          limit: limits.checklistsPerTask,
        },
      );
    }
    const position = await placeAmongSiblings(
      tx,
      { table: 'checklists', parentColumn: 'task_id', parentId: taskId },
      input,
    );
    const row = await tx
      .insertInto('checklists')
      .values({ task_id: taskId, board_id: boardId, title: input.title, position })
      .returningAll()
      .executeTakeFirstOrThrow();
    const titles = input.items ?? [];
    const keys = generateNKeysBetween(null, null, titles.length);
    if (titles.length > 0) {
      await tx
        .insertInto('checklist_items')
        .values(
          titles.map((title, i) => ({
            checklist_id: row.id,
            task_id: taskId,
            board_id: boardId,
            title,
            position: keys[i]!,
          })),
        )
        .execute();
    }
    const [checklist] = await withItems(tx, [toChecklist(row)]);
    const progress = await recountProgress(tx, taskId);
    emit({
      type: 'checklist.created',
      payload: { task_id: taskId, checklist: checklist!, progress },
    });
    return checklist!;
  });
}

async function boardOfChecklist(db: Db, checklistId: number): Promise<number> {
  const row = await db
    .selectFrom('checklists')
    .innerJoin('tasks', 'tasks.id', 'checklists.task_id')
    .select('checklists.board_id')
    .where('checklists.id', '=', checklistId)
    .where('tasks.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row)
    throw sbError('SB_ERR_NOT_FOUND', 'Checklist not found.', { checklist_id: checklistId });
  return row.board_id;
}

export async function lockedChecklist(tx: Tx, checklistId: number): Promise<ChecklistRow> {
  const row = await tx
    .selectFrom('checklists')
    .selectAll()
    .where('id', '=', checklistId)
    .executeTakeFirst();
  if (!row)
    throw sbError('SB_ERR_NOT_FOUND', 'Checklist not found.', { checklist_id: checklistId });
  ensureOnBoard(await lockedTask(tx, row.task_id));
  return row;
}

/** Runs a write on a checklist's board with the checklist read under the lock. */
export async function writeChecklist<T>(
  db: Db,
  actor: Actor,
  checklistId: number,
  fn: (ctx: WriteContext, list: ChecklistRow) => Promise<T>,
): Promise<WriteResult<T>> {
  const boardId = await boardOfChecklist(db, checklistId);
  return writeBoard(db, boardId, actor, 'task.write', async (ctx) =>
    fn(ctx, await lockedChecklist(ctx.tx, checklistId)),
  );
}

export async function updateChecklist(
  db: Db,
  actor: Actor,
  checklistId: number,
  input: UpdateChecklistInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Checklist>> {
  return writeChecklist(db, actor, checklistId, async ({ tx, emit }, current) => {
    checkVersion(ifMatch ?? input.version, current, toChecklist);
    const set: { title?: string; position?: string } = {};
    if (input.title !== undefined && input.title !== current.title) set.title = input.title;
    if (input.after_id != null || input.before_id != null) {
      const position = await placeAmongSiblings(
        tx,
        {
          table: 'checklists',
          parentColumn: 'task_id',
          parentId: current.task_id,
          movingId: checklistId,
        },
        input,
      );
      if (position !== current.position) set.position = position;
    }
    const before = toChecklist(current);
    if (Object.keys(set).length === 0) return before;
    const row = await tx
      .updateTable('checklists')
      .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', checklistId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const checklist = toChecklist(row);
    const changed = Object.keys(set);
    const changes = Object.fromEntries(
      changed.map((k) => [
        k,
        { from: before[k as 'title' | 'position'], to: checklist[k as 'title' | 'position'] },
      ]),
    );
    emit({
      type: 'checklist.updated',
      payload: { task_id: current.task_id, checklist, changed, changes },
    });
    return checklist;
  });
}

export async function deleteChecklist(
  db: Db,
  actor: Actor,
  checklistId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<Checklist>> {
  return writeChecklist(db, actor, checklistId, async ({ tx, emit }, current) => {
    checkVersion(ifMatch, current, toChecklist);
    await tx.deleteFrom('checklists').where('id', '=', checklistId).execute();
    const progress = await recountProgress(tx, current.task_id);
    const checklist = toChecklist(current);
    emit({ type: 'checklist.deleted', payload: { task_id: current.task_id, checklist, progress } });
    return checklist;
  });
}

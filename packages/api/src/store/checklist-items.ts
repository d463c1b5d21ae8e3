import {
  type ChecklistItem,
  type ConvertChecklistItemInput,
  type CreateChecklistItemInput,
  limits,
  sbError,
  type Task,
  type UpdateChecklistItemInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { type Tx, type WriteContext, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { type ChecklistItemRow, toChecklistItem } from './mappers.js';
import { placeAmongSiblings } from './placement.js';
import { lockedChecklist, recountProgress, writeChecklist } from './checklists.js';
import { checkVersion, insertTask } from './tasks.js';

/** Checklist items: tick, rename, reorder (within or across a card's checklists), convert. */
export async function createChecklistItem(
  db: Db,
  actor: Actor,
  checklistId: number,
  input: CreateChecklistItemInput,
): Promise<WriteResult<ChecklistItem>> {
  return writeChecklist(db, actor, checklistId, async ({ tx, emit }, list) => {
    const { count } = await tx
      .selectFrom('checklist_items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('checklist_id', '=', checklistId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limits.checklistItemsPerChecklist) {
      throw sbError(
        'SB_ERR_TOO_MANY',
        `A checklist has at most ${limits.checklistItemsPerChecklist} items.`,
        { limit: limits.checklistItemsPerChecklist },
      );
    }
    const position = await placeAmongSiblings(
      tx,
      { table: 'checklist_items', parentColumn: 'checklist_id', parentId: checklistId },
      input,
    );
    const done = input.done ?? false;
    const row = await tx
      .insertInto('checklist_items')
      .values({
        checklist_id: checklistId,
        task_id: list.task_id,
        board_id: list.board_id,
        title: input.title,
        done,
        position,
        done_by: done ? actor.id : null,
        done_at: done ? sql`now()` : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const item = toChecklistItem(row);
    const progress = await recountProgress(tx, list.task_id);
    emit({ type: 'checklist_item.created', payload: { task_id: list.task_id, item, progress } });
    return item;
  });
}

async function boardOfItem(db: Db, itemId: number): Promise<number> {
  const row = await db
    .selectFrom('checklist_items')
    .innerJoin('tasks', 'tasks.id', 'checklist_items.task_id')
    .select('checklist_items.board_id')
    .where('checklist_items.id', '=', itemId)
    .where('tasks.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Checklist item not found.', { item_id: itemId });
  return row.board_id;
}

async function writeItem<T>(
  db: Db,
  actor: Actor,
  itemId: number,
  fn: (ctx: WriteContext, item: ChecklistItemRow) => Promise<T>,
): Promise<WriteResult<T>> {
  const boardId = await boardOfItem(db, itemId);
  return writeBoard(db, boardId, actor, 'task.write', async (ctx) => {
    const item = await lockedItem(ctx.tx, itemId);
    await lockedChecklist(ctx.tx, item.checklist_id); // the card must be on the board
    return fn(ctx, item);
  });
}

async function lockedItem(tx: Tx, itemId: number): Promise<ChecklistItemRow> {
  const row = await tx
    .selectFrom('checklist_items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Checklist item not found.', { item_id: itemId });
  return row;
}

const fields = ['title', 'done', 'checklist_id', 'position'] as const;

export async function updateChecklistItem(
  db: Db,
  actor: Actor,
  itemId: number,
  input: UpdateChecklistItemInput,
  ifMatch: number | undefined,
): Promise<WriteResult<ChecklistItem>> {
  return writeItem(db, actor, itemId, async ({ tx, emit }, current) => {
    checkVersion(ifMatch ?? input.version, current, toChecklistItem);
    const set: Partial<Pick<ChecklistItemRow, (typeof fields)[number]>> = {};
    if (input.title !== undefined && input.title !== current.title) set.title = input.title;
    if (input.done !== undefined && input.done !== current.done) set.done = input.done;
    let checklistId = current.checklist_id;
    if (input.checklist_id !== undefined && input.checklist_id !== current.checklist_id) {
      const target = await tx
        .selectFrom('checklists')
        .select('id')
        .where('id', '=', input.checklist_id)
        .where('task_id', '=', current.task_id)
        .executeTakeFirst();
      if (!target) {
        throw sbError(
          'SB_ERR_BAD_NEIGHBOUR',
          'checklist_id must name a checklist of the same card.',
          {
            checklist_id: input.checklist_id,
          },
        );
      }
      checklistId = target.id;
      set.checklist_id = checklistId;
    }
    if (checklistId !== current.checklist_id || input.after_id != null || input.before_id != null) {
      const position = await placeAmongSiblings(
        tx,
        {
          table: 'checklist_items',
          parentColumn: 'checklist_id',
          parentId: checklistId,
          movingId: itemId,
        },
        input,
      );
      if (position !== current.position || checklistId !== current.checklist_id) {
        set.position = position;
      }
    }
    const before = toChecklistItem(current);
    if (Object.keys(set).length === 0) return before;
    const row = await tx
      .updateTable('checklist_items')
      .set({
        ...set,
        ...(set.done !== undefined
          ? { done_by: set.done ? actor.id : null, done_at: set.done ? sql`now()` : null }
          : {}),
        version: sql`version + 1`,
        updated_at: sql`now()`,
      })
      .where('id', '=', itemId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const item = toChecklistItem(row);
    const changed = fields.filter((f) => f in set);
    const changes = Object.fromEntries(changed.map((f) => [f, { from: before[f], to: item[f] }]));
    const progress = await recountProgress(tx, current.task_id);
    emit({
      type: 'checklist_item.updated',
      payload: { task_id: current.task_id, item, changed, changes, progress },
    });
    return item;
  });
}

export async function deleteChecklistItem(
  db: Db,
  actor: Actor,
  itemId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<ChecklistItem>> {
  return writeItem(db, actor, itemId, async ({ tx, emit }, current) => {
    checkVersion(ifMatch, current, toChecklistItem);
    await tx.deleteFrom('checklist_items').where('id', '=', itemId).execute();
    const progress = await recountProgress(tx, current.task_id);
    const item = toChecklistItem(current);
    emit({ type: 'checklist_item.deleted', payload: { task_id: current.task_id, item, progress } });
    return item;
  });
}

/**
 * Turns an item into a card of its own, in its card's column (or the one
 * named), last; the item goes. One write: both events or neither.
 */
export async function convertChecklistItem(
  db: Db,
  actor: Actor,
  itemId: number,
  input: ConvertChecklistItemInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Task>> {
  return writeItem(db, actor, itemId, async (ctx, current) => {
    checkVersion(ifMatch ?? input.version, current, toChecklistItem);
    const source = await ctx.tx
      .selectFrom('tasks')
      .select('column_id')
      .where('id', '=', current.task_id)
      .executeTakeFirstOrThrow();
    await ctx.tx.deleteFrom('checklist_items').where('id', '=', itemId).execute();
    const progress = await recountProgress(ctx.tx, current.task_id);
    ctx.emit({
      type: 'checklist_item.deleted',
      payload: { task_id: current.task_id, item: toChecklistItem(current), progress },
    });
    const task = await insertTask(ctx, current.board_id, {
      title: current.title,
      column_id: input.column_id ?? source.column_id,
      completed: current.done,
      created_by: ctx.actor.id,
    });
    ctx.emit({
      type: 'task.created',
      payload: { task, from_checklist_item: { id: itemId, task_id: current.task_id } },
    });
    return task;
  });
}

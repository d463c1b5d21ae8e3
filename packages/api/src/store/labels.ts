import {
  type CreateLabelInput,
  type Label,
  limits,
  nextLabelColor,
  sbError,
  type UpdateLabelInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toLabel } from './mappers.js';
import { checkVersion } from './tasks.js';

/**
 * A board's labels. Cards refer to labels by id, so a rename or recolour is
 * one row and one event; a delete takes the label off every card in one
 * statement (clients do the same on label.deleted).
 */
export async function listLabels(db: Db, actor: Actor, boardId: number): Promise<Label[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await db
    .selectFrom('labels')
    .selectAll()
    .where('board_id', '=', boardId)
    .orderBy('id')
    .execute();
  return rows.map(toLabel);
}

async function lockedLabel(tx: Tx, boardId: number, labelId: number) {
  const row = await tx
    .selectFrom('labels')
    .selectAll()
    .where('id', '=', labelId)
    .where('board_id', '=', boardId)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Label not found.', { label_id: labelId });
  return row;
}

async function ensureNameFree(tx: Tx, boardId: number, name: string, exceptId?: number) {
  let query = tx
    .selectFrom('labels')
    .select('id')
    .where('board_id', '=', boardId)
    .where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  const clash = await query.executeTakeFirst();
  if (clash) {
    throw sbError('SB_ERR_NAME_TAKEN', `The board already has a label called "${name}".`, {
      label_id: clash.id,
    });
  }
}

export async function createLabel(
  db: Db,
  actor: Actor,
  boardId: number,
  input: CreateLabelInput,
): Promise<WriteResult<Label>> {
  return writeBoard(db, boardId, actor, 'label.manage', async ({ tx, emit }) => {
    const existing = await tx
      .selectFrom('labels')
      .select(['name', 'color'])
      .where('board_id', '=', boardId)
      .execute();
    if (existing.length >= limits.labelsPerBoard) {
      throw sbError('SB_ERR_TOO_MANY', `A board has at most ${limits.labelsPerBoard} labels.`, {
        limit: limits.labelsPerBoard,
      });
    }
    await ensureNameFree(tx, boardId, input.name);
    const row = await tx
      .insertInto('labels')
      .values({
        board_id: boardId,
        name: input.name,
        color: input.color ?? nextLabelColor(existing.map((l) => l.color)),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const label = toLabel(row);
    emit({ type: 'label.created', payload: { label } });
    return label;
  });
}

export async function updateLabel(
  db: Db,
  actor: Actor,
  boardId: number,
  labelId: number,
  input: UpdateLabelInput,
  ifMatch: number | undefined,
): Promise<WriteResult<Label>> {
  return writeBoard(db, boardId, actor, 'label.manage', async ({ tx, emit }) => {
    const current = await lockedLabel(tx, boardId, labelId);
    checkVersion(ifMatch ?? input.version, current, toLabel);
    const set: { name?: string; color?: Label['color'] } = {};
    if (input.name !== undefined && input.name !== current.name) {
      if (input.name.toLowerCase() !== current.name.toLowerCase()) {
        await ensureNameFree(tx, boardId, input.name, labelId);
      }
      set.name = input.name;
    }
    if (input.color !== undefined && input.color !== current.color) set.color = input.color;
    if (Object.keys(set).length === 0) return toLabel(current);
    const row = await tx
      .updateTable('labels')
      .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', labelId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const label = toLabel(row);
    const changes = Object.fromEntries(
      Object.keys(set).map((k) => [
        k,
        { from: current[k as 'name' | 'color'], to: row[k as 'name' | 'color'] },
      ]),
    );
    emit({ type: 'label.updated', payload: { label, changes } });
    return label;
  });
}

export async function deleteLabel(
  db: Db,
  actor: Actor,
  boardId: number,
  labelId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<Label>> {
  return writeBoard(db, boardId, actor, 'label.manage', async ({ tx, emit }) => {
    const current = await lockedLabel(tx, boardId, labelId);
    checkVersion(ifMatch, current, toLabel);
    await sql`
      UPDATE tasks SET label_ids = array_remove(label_ids, ${labelId}::bigint)
      WHERE board_id = ${boardId} AND ${labelId}::bigint = ANY (label_ids)`.execute(tx);
    await tx.deleteFrom('labels').where('id', '=', labelId).execute();
    const label = toLabel(current);
    emit({ type: 'label.deleted', payload: { label } });
    return label;
  });
}

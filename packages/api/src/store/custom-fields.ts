import {
  type CreateCustomFieldInput,
  type CustomField,
  limits,
  resolveOptions,
  sbError,
  type UpdateCustomFieldInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toCustomField } from './mappers.js';
import { checkVersion } from './tasks.js';

/**
 * A board's custom fields. Values live on the cards (field id → value);
 * deleting a field, or an option of a single-select, clears those values on
 * every card in one statement, as keepValidValues does on clients.
 */
export async function listCustomFields(
  db: Db,
  actor: Actor,
  boardId: number,
): Promise<CustomField[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where('board_id', '=', boardId)
    .orderBy('id')
    .execute();
  return rows.map(toCustomField);
}

async function lockedField(tx: Tx, boardId: number, fieldId: number) {
  const row = await tx
    .selectFrom('custom_fields')
    .selectAll()
    .where('id', '=', fieldId)
    .where('board_id', '=', boardId)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Custom field not found.', { field_id: fieldId });
  return row;
}

async function ensureNameFree(tx: Tx, boardId: number, name: string, exceptId?: number) {
  let query = tx
    .selectFrom('custom_fields')
    .select('id')
    .where('board_id', '=', boardId)
    .where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  const clash = await query.executeTakeFirst();
  if (clash) {
    throw sbError('SB_ERR_NAME_TAKEN', `The board already has a field called "${name}".`, {
      field_id: clash.id,
    });
  }
}

export async function createCustomField(
  db: Db,
  actor: Actor,
  boardId: number,
  input: CreateCustomFieldInput,
): Promise<WriteResult<CustomField>> {
  return writeBoard(db, boardId, actor, 'field.manage', async ({ tx, emit }) => {
    const { count } = await tx
      .selectFrom('custom_fields')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('board_id', '=', boardId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limits.customFieldsPerBoard) {
      throw sbError(
        'SB_ERR_TOO_MANY',
        `A board has at most ${limits.customFieldsPerBoard} custom fields.`,
        { limit: limits.customFieldsPerBoard },
      );
    }
    await ensureNameFree(tx, boardId, input.name);
    const options = resolveOptions(input.type, [], input.options ?? []);
    const row = await tx
      .insertInto('custom_fields')
      .values({
        board_id: boardId,
        name: input.name,
        type: input.type,
        options: JSON.stringify(options),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const field = toCustomField(row);
    emit({ type: 'custom_field.created', payload: { field } });
    return field;
  });
}

export async function updateCustomField(
  db: Db,
  actor: Actor,
  boardId: number,
  fieldId: number,
  input: UpdateCustomFieldInput,
  ifMatch: number | undefined,
): Promise<WriteResult<CustomField>> {
  return writeBoard(db, boardId, actor, 'field.manage', async ({ tx, emit }) => {
    const current = await lockedField(tx, boardId, fieldId);
    checkVersion(ifMatch ?? input.version, current, toCustomField);
    const before = toCustomField(current);
    const set: { name?: string; options?: string } = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (input.name !== undefined && input.name !== current.name) {
      if (input.name.toLowerCase() !== current.name.toLowerCase()) {
        await ensureNameFree(tx, boardId, input.name, fieldId);
      }
      set.name = input.name;
      changes.name = { from: current.name, to: input.name };
    }
    const options = resolveOptions(current.type, current.options, input.options);
    if (JSON.stringify(options) !== JSON.stringify(current.options)) {
      set.options = JSON.stringify(options);
      changes.options = { from: current.options, to: options };
    }
    if (Object.keys(set).length === 0) return before;
    const row = await tx
      .updateTable('custom_fields')
      .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', fieldId)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (set.options !== undefined && current.type === 'single_select') {
      const key = String(fieldId);
      await sql`
        UPDATE tasks SET custom_fields = custom_fields - ${key}
        WHERE board_id = ${boardId} AND custom_fields ? ${key}
          AND NOT (custom_fields ->> ${key} = ANY (${options.map((o) => o.id)}::text[]))`.execute(
        tx,
      );
    }
    const field = toCustomField(row);
    emit({ type: 'custom_field.updated', payload: { field, changes } });
    return field;
  });
}

export async function deleteCustomField(
  db: Db,
  actor: Actor,
  boardId: number,
  fieldId: number,
  ifMatch: number | undefined,
): Promise<WriteResult<CustomField>> {
  return writeBoard(db, boardId, actor, 'field.manage', async ({ tx, emit }) => {
    const current = await lockedField(tx, boardId, fieldId);
    checkVersion(ifMatch, current, toCustomField);
    const key = String(fieldId);
    await sql`
      UPDATE tasks SET custom_fields = custom_fields - ${key}
      WHERE board_id = ${boardId} AND custom_fields ? ${key}`.execute(tx);
    await tx.deleteFrom('custom_fields').where('id', '=', fieldId).execute();
    const field = toCustomField(current);
    emit({ type: 'custom_field.deleted', payload: { field } });
    return field;
  });
}

import {
  applyFieldValues,
  type CustomFieldValues,
  type CustomFieldValuesInput,
  dueInstant,
  type DueInput,
  duePartsFromInstant,
  type LabelColor,
  limits,
  nextLabelColor,
  sbError,
} from '@switchboard/core';
import type { WriteContext } from './board-write.js';
import { toCustomField, toLabel } from './mappers.js';

/**
 * The parts of a task write that refer to other rows of the board — labels
 * and custom fields — or need computing — the due instant — turned into the
 * task row's values. Runs under the board lock.
 */

/** Label ids for `label_ids` (checked) or `labels` (names; missing ones are created). */
export async function resolveLabelIds(
  ctx: WriteContext,
  boardId: number,
  input: { label_ids?: number[] | undefined; labels?: string[] | undefined },
): Promise<number[] | undefined> {
  if (input.label_ids !== undefined) {
    if (input.label_ids.length === 0) return [];
    const found = await ctx.tx
      .selectFrom('labels')
      .select('id')
      .where('board_id', '=', boardId)
      .where('id', 'in', input.label_ids)
      .execute();
    const known = new Set(found.map((r) => r.id));
    const missing = input.label_ids.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw sbError('SB_ERR_UNKNOWN_LABEL', undefined, { label_ids: missing });
    return input.label_ids;
  }
  if (input.labels === undefined) return undefined;
  if (input.labels.length === 0) return [];
  const existing = await ctx.tx
    .selectFrom('labels')
    .select(['id', 'name', 'color'])
    .where('board_id', '=', boardId)
    .execute();
  const byName = new Map(existing.map((l) => [l.name.toLowerCase(), l.id]));
  const colors: LabelColor[] = existing.map((l) => l.color);
  const ids: number[] = [];
  for (const name of input.labels) {
    let id = byName.get(name.toLowerCase());
    if (id === undefined) {
      if (byName.size >= limits.labelsPerBoard) {
        throw sbError('SB_ERR_TOO_MANY', `A board has at most ${limits.labelsPerBoard} labels.`, {
          limit: limits.labelsPerBoard,
        });
      }
      const color = nextLabelColor(colors);
      const row = await ctx.tx
        .insertInto('labels')
        .values({ board_id: boardId, name, color })
        .returningAll()
        .executeTakeFirstOrThrow();
      ctx.emit({ type: 'label.created', payload: { label: toLabel(row) } });
      colors.push(color);
      byName.set(name.toLowerCase(), row.id);
      id = row.id;
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The task's custom-field values after the write, checked by type; undefined if not asked. */
export async function resolveFieldValues(
  ctx: WriteContext,
  boardId: number,
  current: CustomFieldValues,
  input: CustomFieldValuesInput | undefined,
): Promise<CustomFieldValues | undefined> {
  if (input === undefined) return undefined;
  const ids = Object.keys(input).map(Number);
  if (ids.length === 0) return current;
  const rows = await ctx.tx
    .selectFrom('custom_fields')
    .selectAll()
    .where('board_id', '=', boardId)
    .where('id', 'in', ids)
    .execute();
  return applyFieldValues(rows.map(toCustomField), current, input);
}

export interface DueColumns {
  due_at: string | null;
  due_date: string | null;
  due_time: string | null;
  due_tz: string | null;
}

/** Row values for `due` (as entered) or `due_at` (an instant, from older clients). */
export function dueColumns(input: {
  due?: DueInput | null | undefined;
  due_at?: string | null | undefined;
}): DueColumns | undefined {
  const none = { due_at: null, due_date: null, due_time: null, due_tz: null };
  if (input.due !== undefined) {
    if (input.due === null) return none;
    const parts = {
      date: input.due.date,
      time: input.due.time ?? null,
      time_zone: input.due.time_zone ?? null,
    };
    return {
      due_at: dueInstant(parts),
      due_date: parts.date,
      due_time: parts.time,
      due_tz: parts.time_zone,
    };
  }
  if (input.due_at !== undefined) {
    if (input.due_at === null) return none;
    const parts = duePartsFromInstant(input.due_at);
    return {
      due_at: dueInstant(parts),
      due_date: parts.date,
      due_time: parts.time,
      due_tz: parts.time_zone,
    };
  }
  return undefined;
}

import { sbError } from '@switchboard/core';
import { sql } from 'kysely';
import type { Tx } from './board-write.js';
import type { Db } from './db.js';

/**
 * Bytes of attachments: of a board (`boardId`) or a card (`taskId`);
 * incomplete uploads count with their declared size unless `completeOnly`
 * (so two uploads cannot both squeeze under a quota).
 */
export async function attachmentBytes(
  db: Db | Tx,
  of: { boardId: number } | { taskId: number },
  options: { exceptId?: number; completeOnly?: boolean } = {},
): Promise<number> {
  let query = db
    .selectFrom('attachments')
    .select(sql<number>`coalesce(sum(size), 0)::bigint`.as('bytes'));
  query =
    'boardId' in of
      ? query.where('board_id', '=', of.boardId)
      : query.where('task_id', '=', of.taskId);
  if (options.exceptId !== undefined) query = query.where('id', '!=', options.exceptId);
  if (options.completeOnly) query = query.where('complete', '=', true);
  return Number((await query.executeTakeFirstOrThrow()).bytes);
}

/** The board takes `adding` more bytes, or a coded 413 that says how far over it would go. */
export async function checkBoardQuota(
  db: Db | Tx,
  boardId: number,
  adding: number,
  quota: number,
  exceptId?: number,
): Promise<void> {
  const used = await attachmentBytes(db, { boardId }, exceptId === undefined ? {} : { exceptId });
  if (used + adding > quota) {
    throw sbError('SB_ERR_BOARD_QUOTA_EXCEEDED', undefined, {
      used_bytes: used,
      adding_bytes: adding,
      quota_bytes: quota,
    });
  }
}

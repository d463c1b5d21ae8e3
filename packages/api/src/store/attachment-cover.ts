import { attachmentUrls, type Cover, sbError } from '@switchboard/core';
import type { Tx } from './board-write.js';

/** A card's cover on the wire, from its attachment id. */
export function coverOf(id: number | null): Cover | null {
  return id === null ? null : { attachment_id: id, url: attachmentUrls.thumbnail(id) };
}

/** Whether an attachment can be a card's cover: an image of that card. */
export async function checkCover(tx: Tx, taskId: number, attachmentId: number): Promise<void> {
  const row = await tx
    .selectFrom('attachments')
    .select('id')
    .where('id', '=', attachmentId)
    .where('task_id', '=', taskId)
    .where('complete', '=', true)
    .where('thumbnail', 'is not', null)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_AN_IMAGE', undefined, { attachment_id: attachmentId });
}

import {
  type Attachment,
  type AttachmentList,
  attachmentUrls,
  limits,
  sbError,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { FileStore } from '../attachments/file-store.js';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import type { AttachmentsTable } from './schema.js';
import type { Selectable } from 'kysely';
import { coverOf } from './attachment-cover.js';
import { attachmentBytes, checkBoardQuota } from './attachment-quota.js';
import { boardOfTask } from './tasks.js';

export type AttachmentRow = Selectable<AttachmentsTable>;

/** Columns of a row for the wire and for serving (not the thumbnail bytes). */
const rowColumns = [
  'id',
  'board_id',
  'task_id',
  'name',
  'content_type',
  'size',
  'sha256',
  'storage',
  'storage_key',
  'chunk_size',
  'width',
  'height',
  'complete',
  'uploaded_by',
  'created_at',
] as const;
export type ServedAttachment = Pick<AttachmentRow, (typeof rowColumns)[number]>;

export function toAttachment(row: ServedAttachment & { has_thumbnail: boolean }): Attachment {
  return {
    id: row.id,
    task_id: row.task_id,
    board_id: row.board_id,
    name: row.name,
    content_type: row.content_type,
    size: row.size,
    sha256: row.sha256 ?? '',
    image:
      row.width !== null && row.height !== null ? { width: row.width, height: row.height } : null,
    url: attachmentUrls.content(row.id),
    thumbnail_url: row.has_thumbnail ? attachmentUrls.thumbnail(row.id) : null,
    uploaded_by: row.uploaded_by,
    created_at: row.created_at.toISOString(),
  };
}

const hasThumbnail = sql<boolean>`thumbnail IS NOT NULL`.as('has_thumbnail');

export interface UploadLimits {
  maxBytes: number;
  quotaBytes: number;
}

/**
 * An upload starts: the caller may write to the card's board, the declared
 * size fits the file limit and the board's quota, and the card has room.
 * The row is incomplete (and counted against the quota with its declared
 * size) until `finishUpload`; nothing is on the board's log yet.
 */
export async function beginUpload(
  db: Db,
  actor: Actor,
  input: {
    taskId: number;
    name: string;
    contentType: string;
    declaredSize: number | undefined;
    chunkSize: number;
  },
  limitsOf: UploadLimits,
): Promise<{ id: number; boardId: number }> {
  const boardId = await boardOfTask(db, input.taskId);
  await accessBoard(db, boardId, actor, 'task.write');
  const declared = input.declaredSize;
  if (declared !== undefined && declared > limitsOf.maxBytes) {
    throw sbError('SB_ERR_ATTACHMENT_TOO_LARGE', undefined, { max_bytes: limitsOf.maxBytes });
  }
  const count = await db
    .selectFrom('attachments')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('task_id', '=', input.taskId)
    .executeTakeFirstOrThrow();
  if (count.n >= limits.attachmentsPerTask) {
    throw sbError('SB_ERR_TOO_MANY', `A card has at most ${limits.attachmentsPerTask} files.`, {
      limit: limits.attachmentsPerTask,
    });
  }
  await checkBoardQuota(db, boardId, declared ?? 0, limitsOf.quotaBytes);
  const row = await db
    .insertInto('attachments')
    .values({
      board_id: boardId,
      task_id: input.taskId,
      name: input.name,
      content_type: input.contentType,
      size: declared ?? 0,
      chunk_size: input.chunkSize,
      uploaded_by: actor.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, boardId };
}

/** An upload that failed or was refused: its row and chunks go. */
export async function abortUpload(db: Db, attachmentId: number): Promise<void> {
  await db
    .deleteFrom('attachments')
    .where('id', '=', attachmentId)
    .where('complete', '=', false)
    .execute();
}

/**
 * The last byte is in: one board write marks it complete with what the
 * bytes turned out to be, counts it on the card, makes it the cover when it
 * is the card's first image (and nobody removed the cover), and logs
 * `attachment.created`. The quota is checked again with the real size, under
 * the board's lock.
 */
export async function finishUpload(
  db: Db,
  actor: Actor,
  attachmentId: number,
  facts: {
    size: number;
    sha256: string;
    storage: 'pg' | 's3';
    key: string | null;
    image: { contentType: string; width: number; height: number; thumbnail: Buffer } | null;
  },
  limitsOf: UploadLimits,
): Promise<WriteResult<Attachment>> {
  const pending = await db
    .selectFrom('attachments')
    .select(['board_id', 'task_id'])
    .where('id', '=', attachmentId)
    .executeTakeFirstOrThrow();
  return writeBoard(db, pending.board_id, actor, 'task.write', async ({ tx, emit }) => {
    await checkBoardQuota(tx, pending.board_id, facts.size, limitsOf.quotaBytes, attachmentId);
    const row = await tx
      .updateTable('attachments')
      .set({
        size: facts.size,
        sha256: facts.sha256,
        storage: facts.storage,
        storage_key: facts.key,
        complete: true,
        ...(facts.image
          ? {
              content_type: facts.image.contentType,
              width: facts.image.width,
              height: facts.image.height,
              thumbnail: facts.image.thumbnail,
            }
          : {}),
      })
      .where('id', '=', attachmentId)
      .returning(rowColumns)
      .returning(hasThumbnail)
      .executeTakeFirstOrThrow();
    // The card may have been deleted (trash) meanwhile: then the file goes too.
    const task = await tx
      .updateTable('tasks')
      .set((eb) => ({
        attachment_count: eb('attachment_count', '+', 1),
        ...(facts.image
          ? {
              cover_attachment_id: sql<
                number | null
              >`CASE WHEN cover_attachment_id IS NULL AND NOT cover_removed THEN ${attachmentId}::bigint ELSE cover_attachment_id END`,
            }
          : {}),
      }))
      .where('id', '=', pending.task_id)
      .where('deleted_at', 'is', null)
      .returning(['attachment_count', 'cover_attachment_id'])
      .executeTakeFirst();
    if (!task) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: pending.task_id });
    const attachment = toAttachment(row);
    emit({
      type: 'attachment.created',
      payload: {
        task_id: pending.task_id,
        attachment,
        attachment_count: task.attachment_count,
        cover: coverOf(task.cover_attachment_id),
      },
    });
    return attachment;
  });
}

/** A card's files, oldest first, and the board's use of its quota. */
export async function listAttachments(
  db: Db,
  actor: Actor,
  taskId: number,
  quotaBytes: number,
): Promise<AttachmentList> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await db
    .selectFrom('attachments')
    .select(rowColumns)
    .select(hasThumbnail)
    .where('task_id', '=', taskId)
    .where('complete', '=', true)
    .orderBy('id')
    .execute();
  const used = await attachmentBytes(db, { boardId }, { completeOnly: true });
  return {
    attachments: rows.map(toAttachment),
    board_usage: { bytes: used, quota: quotaBytes },
  };
}

/**
 * An attachment someone may read: on a board they can read, complete, on a
 * card that is not in the trash. Anything else is 404, for non-members too.
 */
export async function readableAttachment(
  db: Db,
  actor: Actor,
  attachmentId: number,
): Promise<ServedAttachment> {
  const row = await db
    .selectFrom('attachments')
    .innerJoin('tasks', 'tasks.id', 'attachments.task_id')
    .select(rowColumns.map((c) => `attachments.${c}` as const))
    .where('attachments.id', '=', attachmentId)
    .where('attachments.complete', '=', true)
    .where('tasks.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Attachment not found.');
  try {
    await accessBoard(db, row.board_id, actor, 'board.read');
  } catch {
    throw sbError('SB_ERR_NOT_FOUND', 'Attachment not found.');
  }
  return row;
}

export async function thumbnailOf(db: Db, attachmentId: number): Promise<Buffer | null> {
  const row = await db
    .selectFrom('attachments')
    .select('thumbnail')
    .where('id', '=', attachmentId)
    .executeTakeFirst();
  return row?.thumbnail ?? null;
}

/**
 * Removes a file from its card: the count goes down, and a cover that was
 * this file passes to the card's first remaining image (unless the cover
 * was removed by hand). The bytes go with the row (chunks cascade).
 */
export async function deleteAttachment(
  db: Db,
  actor: Actor,
  attachmentId: number,
): Promise<WriteResult<void>> {
  const found = await db
    .selectFrom('attachments')
    .select(['board_id', 'task_id'])
    .where('id', '=', attachmentId)
    .where('complete', '=', true)
    .executeTakeFirst();
  if (!found) throw sbError('SB_ERR_NOT_FOUND', 'Attachment not found.');
  return writeBoard(db, found.board_id, actor, 'task.write', async ({ tx, emit }) => {
    const gone = await tx
      .deleteFrom('attachments')
      .where('id', '=', attachmentId)
      .returning(['name', 'task_id'])
      .executeTakeFirst();
    if (!gone) throw sbError('SB_ERR_NOT_FOUND', 'Attachment not found.');
    const task = await tx
      .updateTable('tasks')
      .set({
        attachment_count: sql<number>`greatest(attachment_count - 1, 0)`,
        cover_attachment_id: sql<
          number | null
        >`CASE WHEN cover_attachment_id = ${attachmentId}::bigint THEN (
          SELECT a.id FROM attachments a WHERE a.task_id = tasks.id AND a.complete AND a.thumbnail IS NOT NULL
          ORDER BY a.id LIMIT 1) ELSE cover_attachment_id END`,
      })
      .where('id', '=', gone.task_id)
      .returning(['attachment_count', 'cover_attachment_id'])
      .executeTakeFirstOrThrow();
    emit({
      type: 'attachment.deleted',
      payload: {
        task_id: gone.task_id,
        attachment_id: attachmentId,
        name: gone.name,
        attachment_count: task.attachment_count,
        cover: coverOf(task.cover_attachment_id),
      },
    });
  });
}

/** Incomplete uploads older than this are gone for good (their client went away mid-file). */
export async function removeStaleUploads(db: Db, olderThanMs: number): Promise<number> {
  const result = await db
    .deleteFrom('attachments')
    .where('complete', '=', false)
    .where('created_at', '<', new Date(Date.now() - olderThanMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes from the object store the objects whose rows are gone (the
 * attachments trigger lists them in file_deletions), a batch at a time;
 * several instances may sweep at once (SKIP LOCKED), each key once.
 */
export async function sweepFileDeletions(db: Db, files: FileStore): Promise<number> {
  if (files.kind === 'pg') return 0;
  let removed = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('file_deletions')
        .select('storage_key')
        .orderBy('deleted_at')
        .limit(500)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      const keys = rows.map((r) => r.storage_key);
      await files.remove(keys);
      await tx.deleteFrom('file_deletions').where('storage_key', 'in', keys).execute();
      return keys.length;
    });
    removed += batch;
    if (batch < 500) return removed;
  }
}

import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

/** A file on a card. Its bytes are served at `url`; images also have a small `thumbnail_url`. */
export const attachmentSchema = z.object({
  id: idSchema,
  task_id: idSchema,
  board_id: idSchema,
  name: z.string(),
  content_type: z.string(),
  size: z.int().nonnegative().meta({ description: 'Bytes' }),
  sha256: z.string().meta({ description: 'Hex digest of the content (also its ETag)' }),
  /** Images: their size in pixels. */
  image: z.object({ width: z.int(), height: z.int() }).nullable(),
  url: z.string(),
  /** A small WebP preview (images only). */
  thumbnail_url: z.string().nullable(),
  uploaded_by: idSchema.nullable(),
  created_at: timestampSchema,
});
export type Attachment = z.infer<typeof attachmentSchema>;

/** A card's cover: one of its image attachments, shown on the card face. */
export const coverSchema = z.object({
  attachment_id: idSchema,
  /** The cover's thumbnail. */
  url: z.string(),
});
export type Cover = z.infer<typeof coverSchema>;

export const attachmentListSchema = z.object({
  attachments: z.array(attachmentSchema),
  /** The board's files in bytes, and its quota (owners see it to make room). */
  board_usage: z.object({ bytes: z.int().nonnegative(), quota: z.int().nonnegative() }),
});
export type AttachmentList = z.infer<typeof attachmentListSchema>;

/** Upload query: the task, and the file's name as the user had it. */
export const uploadAttachmentQuerySchema = z.strictObject({
  task_id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'must be a task id')
    .transform(Number),
  name: z.string().trim().min(1).max(255),
});

/** The URL of an attachment's bytes, and of its thumbnail. */
export const attachmentUrls = {
  content: (id: number) => `/api/attachments/${id}`,
  thumbnail: (id: number) => `/api/attachments/${id}/thumbnail`,
};

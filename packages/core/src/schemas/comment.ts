import { z } from 'zod';
import { limits } from '../limits.js';
import {
  cursorParamSchema,
  idSchema,
  pageLimitSchema,
  textSchema,
  timestampSchema,
  versionSchema,
} from './common.js';

const bodySchema = textSchema
  .max(limits.commentMax)
  .refine((s) => s.trim().length > 0, 'must not be empty');

/** A comment on a card: Markdown text, rendered (and sanitised) by the client. */
export const commentSchema = z.object({
  id: idSchema,
  task_id: idSchema,
  board_id: idSchema,
  author_id: idSchema,
  author_username: z.string(),
  body: z.string(),
  /** Members named as @username in the body, when it was last saved. */
  mention_ids: z.array(idSchema),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  /** When the body last changed; null if never edited. */
  edited_at: timestampSchema.nullable(),
  version: versionSchema,
});
export type Comment = z.infer<typeof commentSchema>;

export const createCommentSchema = z.strictObject({ body: bodySchema });
export type CreateCommentInput = z.infer<typeof createCommentSchema>;

export const updateCommentSchema = z.strictObject({
  body: bodySchema,
  /** The version the client saw; stale → 409 with the current comment. Same as If-Match. */
  version: versionSchema.optional(),
});
export type UpdateCommentInput = z.infer<typeof updateCommentSchema>;

export const listCommentsQuerySchema = z.strictObject({
  /** next_cursor of the previous page. */
  cursor: cursorParamSchema.optional(),
  order: z
    .enum(['newest', 'oldest'])
    .optional()
    .meta({ description: 'newest (default) or oldest first' }),
  limit: pageLimitSchema(limits.commentsPageMax).optional(),
});
export type ListCommentsQuery = z.infer<typeof listCommentsQuerySchema>;

export const commentPageSchema = z.object({
  comments: z.array(commentSchema),
  /** Pass as cursor for the next page; null when this is the last. */
  next_cursor: z.string().nullable(),
  /** Comments on the task in all. */
  total: z.int().nonnegative(),
});
export type CommentPage = z.infer<typeof commentPageSchema>;

/** Ticks or unticks the n-th Markdown task-list item (`- [ ] …`, counted from 0) of a text. */
export const tickTaskItemSchema = z.strictObject({
  checked: z.boolean(),
  /** The version of the task or comment the client saw; stale → 409. Same as If-Match. */
  version: versionSchema.optional(),
});
export type TickTaskItemInput = z.infer<typeof tickTaskItemSchema>;

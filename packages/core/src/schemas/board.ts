import { z } from 'zod';
import { backgroundColors, backgroundGradients } from '../board-backgrounds.js';
import { limits } from '../limits.js';
import { columnSchema } from './column.js';
import { customFieldSchema } from './custom-field.js';
import { labelSchema } from './label.js';
import { idSchema, timestampSchema, versionSchema, textSchema } from './common.js';
import { memberSchema, roleSchema } from './member.js';
import { taskSchema } from './task.js';

const titleSchema = textSchema.trim().min(1).max(limits.boardTitleMax);

/** Unsplash photo ids: short URL-safe strings (e.g. "Dwu85P9SOIk"). */
export const unsplashPhotoIdSchema = z
  .string()
  .regex(/^[\w-]{1,64}$/, 'must be an Unsplash photo id');

/** Images are shown only from Unsplash's CDN (the CSP allows nothing else). */
const unsplashImageUrl = z
  .url({ protocol: /^https$/, hostname: /^images\.unsplash\.com$/ })
  .max(2048);
const httpsUrl = z.url({ protocol: /^https?$/ }).max(2048);

const colorBackground = z.strictObject({
  kind: z.literal('color'),
  color: z.enum(backgroundColors),
});
const gradientBackground = z.strictObject({
  kind: z.literal('gradient'),
  gradient: z.enum(backgroundGradients),
});

/** A photo chosen from Unsplash, as the server fetched it (clients never supply these URLs). */
export const unsplashBackgroundSchema = z.object({
  kind: z.literal('unsplash'),
  photo_id: unsplashPhotoIdSchema,
  urls: z.object({
    full: unsplashImageUrl,
    regular: unsplashImageUrl,
    small: unsplashImageUrl,
    thumb: unsplashImageUrl,
  }),
  /** The photo's dominant colour, painted while it loads. */
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  alt: z.string().max(1000).nullable(),
  photographer_name: z.string().max(200),
  /** The photographer's Unsplash profile, with Switchboard's referral parameters. */
  photographer_url: httpsUrl,
  /** The photo's page on Unsplash, with Switchboard's referral parameters. */
  unsplash_url: httpsUrl,
});
export type UnsplashBackground = z.infer<typeof unsplashBackgroundSchema>;

/** A board's background as stored and sent; null is none (the theme's canvas). */
export const boardBackgroundSchema = z
  .discriminatedUnion('kind', [colorBackground, gradientBackground, unsplashBackgroundSchema])
  .nullable();
export type BoardBackground = z.infer<typeof boardBackgroundSchema>;

/** What a client asks for: a colour or gradient by name, a photo by its Unsplash id only, or none. */
export const boardBackgroundInputSchema = z
  .discriminatedUnion('kind', [
    colorBackground,
    gradientBackground,
    z.strictObject({ kind: z.literal('unsplash'), photo_id: unsplashPhotoIdSchema }),
  ])
  .nullable();
export type BoardBackgroundInput = z.infer<typeof boardBackgroundInputSchema>;

export const boardSchema = z.object({
  id: idSchema,
  title: z.string(),
  archived: z.boolean(),
  created_by: idSchema,
  created_at: timestampSchema,
  updated_at: timestampSchema,
  version: versionSchema,
  /** Sequence number of the board's latest event. */
  seq: z.int().nonnegative(),
  /** Absent in events logged before backgrounds existed: none. */
  background: boardBackgroundSchema.default(null),
  /** The caller's role on the board. */
  role: roleSchema,
});
export type Board = z.infer<typeof boardSchema>;

/**
 * A board with everything on it: what GET /api/boards/:id and snapshots carry.
 * Archived columns and cards, and cards in the trash, are left out.
 */
export const boardDetailSchema = boardSchema.extend({
  columns: z.array(columnSchema),
  tasks: z.array(taskSchema),
  members: z.array(memberSchema),
  labels: z.array(labelSchema),
  custom_fields: z.array(customFieldSchema),
});
export type BoardDetail = z.infer<typeof boardDetailSchema>;

export const createBoardSchema = z.strictObject({
  title: titleSchema,
  /** Column titles to start with; default To do / In progress / Done. */
  columns: z.array(textSchema.trim().min(1).max(limits.columnTitleMax)).max(20).optional(),
});
export type CreateBoardInput = z.infer<typeof createBoardSchema>;

export const updateBoardSchema = z.strictObject({
  title: titleSchema.optional(),
  archived: z.boolean().optional(),
  /** Owners and editors; an Unsplash photo is looked up by the server, which stores its details. */
  background: boardBackgroundInputSchema.optional(),
  version: versionSchema.optional(),
});
export type UpdateBoardInput = z.infer<typeof updateBoardSchema>;

export const listBoardsQuerySchema = z.strictObject({
  archived: z
    .enum(['true', 'false', 'all'])
    .optional()
    .meta({ description: 'false (default): active boards; true: archived; all: both' }),
});
export type ListBoardsQuery = z.infer<typeof listBoardsQuerySchema>;

export const boardListSchema = z.object({ boards: z.array(boardSchema) });

export const defaultColumnTitles = ['To do', 'In progress', 'Done'] as const;

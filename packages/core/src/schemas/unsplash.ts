import { z } from 'zod';
import { textSchema } from './common.js';

/** GET /api/unsplash: whether the server can offer Unsplash photos (it has a key). */
export const unsplashStatusSchema = z.object({ enabled: z.boolean() });
export type UnsplashStatus = z.infer<typeof unsplashStatusSchema>;

export const unsplashSearchQuerySchema = z.strictObject({
  query: textSchema.trim().min(1).max(100),
  page: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'must be a page number from 1')
    .transform(Number)
    .pipe(z.int().max(100))
    .optional(),
});
export type UnsplashSearchQuery = z.infer<typeof unsplashSearchQuerySchema>;

/** One photo of a search, trimmed to what a picker shows (attribution included). */
export const unsplashPhotoSummarySchema = z.object({
  id: z.string(),
  alt: z.string().nullable(),
  /** The photo's dominant colour, painted while the thumbnail loads. */
  color: z.string(),
  urls: z.object({ small: z.string(), thumb: z.string() }),
  photographer_name: z.string(),
  /** The photographer's Unsplash profile, with Switchboard's referral parameters. */
  photographer_url: z.string(),
});
export type UnsplashPhotoSummary = z.infer<typeof unsplashPhotoSummarySchema>;

export const unsplashSearchResultSchema = z.object({
  page: z.int(),
  total: z.int(),
  total_pages: z.int(),
  results: z.array(unsplashPhotoSummarySchema),
});
export type UnsplashSearchResult = z.infer<typeof unsplashSearchResultSchema>;

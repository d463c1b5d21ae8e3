import {
  sbError,
  type UnsplashBackground,
  unsplashBackgroundSchema,
  type UnsplashSearchResult,
} from '@switchboard/core';
import { z } from 'zod';

/** How long one call to Unsplash may take before the request gets 503. */
const timeoutMs = 8_000;
/** Photos per search page (Unsplash allows up to 30). */
export const unsplashPerPage = 24;

// What Switchboard reads of Unsplash's photo object (the rest is ignored).
const photoSchema = z.object({
  id: z.string(),
  color: z.string().nullish(),
  alt_description: z.string().nullish(),
  description: z.string().nullish(),
  urls: z.object({ full: z.string(), regular: z.string(), small: z.string(), thumb: z.string() }),
  links: z.object({ html: z.string(), download_location: z.string() }),
  user: z.object({ name: z.string(), links: z.object({ html: z.string() }) }),
});
type Photo = z.infer<typeof photoSchema>;
const searchSchema = z.object({
  total: z.number(),
  total_pages: z.number(),
  results: z.array(photoSchema),
});

export interface UnsplashChoice {
  background: UnsplashBackground;
  /** Unsplash's download-tracking URL for the photo: call it once when the photo is used. */
  downloadLocation: string;
}

const hexColor = /^#[0-9a-fA-F]{6}$/;

function altOf(photo: Photo): string | null {
  return (photo.alt_description ?? photo.description ?? null)?.slice(0, 1000) ?? null;
}

/**
 * Unsplash's API, called with the server's key (`Authorization: Client-ID`).
 * Every answer is checked before use; anything unexpected, a timeout or an
 * error status is a coded 503 (a spent quota 429), never a 500, and nothing
 * the caller was about to change changes.
 */
export class UnsplashClient {
  private readonly base: URL;

  constructor(
    private readonly accessKey: string,
    apiUrl: string,
  ) {
    this.base = new URL(apiUrl.endsWith('/') ? apiUrl : apiUrl + '/');
  }

  async search(query: string, page: number): Promise<UnsplashSearchResult> {
    const url = new URL('search/photos', this.base);
    url.search = new URLSearchParams({
      query,
      page: String(page),
      per_page: String(unsplashPerPage),
      content_filter: 'high',
    }).toString();
    const body = searchSchema.safeParse(await this.call(url));
    if (!body.success) throw unexpected('search');
    return {
      page,
      total: body.data.total,
      total_pages: body.data.total_pages,
      results: body.data.results.flatMap((photo) => {
        const photographerUrl = withUnsplashUtm(photo.user.links.html);
        if (!isImageUrl(photo.urls.small) || !isImageUrl(photo.urls.thumb) || !photographerUrl) {
          return [];
        }
        return [
          {
            id: photo.id,
            alt: altOf(photo),
            color: photo.color && hexColor.test(photo.color) ? photo.color : '#808080',
            urls: { small: photo.urls.small, thumb: photo.urls.thumb },
            photographer_name: photo.user.name,
            photographer_url: photographerUrl,
          },
        ];
      }),
    };
  }

  /** A photo's details by id, as a board background (404 coded when Unsplash has none). */
  async photo(id: string): Promise<UnsplashChoice> {
    const url = new URL(`photos/${encodeURIComponent(id)}`, this.base);
    const parsed = photoSchema.safeParse(await this.call(url, { notFound: true }));
    if (!parsed.success) throw unexpected('photo');
    const photo = parsed.data;
    const background = unsplashBackgroundSchema.safeParse({
      kind: 'unsplash',
      photo_id: photo.id,
      urls: photo.urls,
      color: photo.color && hexColor.test(photo.color) ? photo.color : '#808080',
      alt: altOf(photo),
      photographer_name: photo.user.name.slice(0, 200),
      photographer_url: withUnsplashUtm(photo.user.links.html),
      unsplash_url: withUnsplashUtm(photo.links.html),
    });
    if (!background.success) throw unexpected('photo');
    return { background: background.data, downloadLocation: photo.links.download_location };
  }

  /**
   * Unsplash's download tracking: called once each time a photo is chosen.
   * Only a URL on the API's own origin is followed (the key goes with it).
   */
  async trackDownload(downloadLocation: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(downloadLocation);
    } catch {
      throw unexpected('download_location');
    }
    if (url.origin !== this.base.origin) throw unexpected('download_location');
    await this.call(url);
  }

  private async call(url: URL, options: { notFound?: boolean } = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          authorization: `Client-ID ${this.accessKey}`,
          'accept-version': 'v1',
          accept: 'application/json',
        },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw sbError('SB_ERR_UNSPLASH_UNAVAILABLE', undefined, {
        reason: err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'unreachable',
      });
    }
    // Unsplash answers a spent hourly quota with 403 and X-Ratelimit-Remaining: 0 (429 too, at times).
    const remaining = res.headers.get('x-ratelimit-remaining');
    if (res.status === 429 || (res.status === 403 && remaining === '0')) {
      await res.body?.cancel();
      const retry = Number(res.headers.get('retry-after'));
      throw sbError(
        'SB_ERR_UNSPLASH_RATE_LIMITED',
        undefined,
        Number.isInteger(retry) && retry > 0 ? { retry_after: retry } : { retry_after: 60 },
      );
    }
    if (res.status === 404 && options.notFound) {
      await res.body?.cancel();
      throw sbError('SB_ERR_UNSPLASH_PHOTO_NOT_FOUND');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw sbError('SB_ERR_UNSPLASH_UNAVAILABLE', undefined, { unsplash_status: res.status });
    }
    try {
      return (await res.json()) as unknown;
    } catch {
      throw unexpected(url.pathname);
    }
  }
}

/**
 * `url` with Switchboard's referral parameters, which Unsplash's API
 * guidelines ask of every link to a photographer or to Unsplash.
 */
export function withUnsplashUtm(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:') return null;
  u.searchParams.set('utm_source', 'switchboard');
  u.searchParams.set('utm_medium', 'referral');
  return u.toString();
}

function isImageUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname === 'images.unsplash.com';
  } catch {
    return false;
  }
}

function unexpected(what: string) {
  return sbError('SB_ERR_UNSPLASH_UNAVAILABLE', undefined, { reason: `unexpected ${what} answer` });
}

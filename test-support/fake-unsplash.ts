import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the part of Unsplash's API Switchboard
 * uses — GET /search/photos, GET /photos/:id and a photo's download_location
 * (GET /photos/:id/download) — checking `Authorization: Client-ID <key>`
 * like Unsplash and counting every call. `mode` makes it misbehave the ways
 * Unsplash can: a spent quota (403 + X-Ratelimit-Remaining: 0), an outage
 * (503), an answer that is not what the API documents, or an outage of the
 * download-tracking endpoint alone.
 */
export type FakeUnsplashMode = 'ok' | 'rate-limited' | 'down' | 'garbage' | 'downloads-down';

export interface FakeUnsplashCall {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface FakeUnsplash {
  url: string;
  accessKey: string;
  calls: FakeUnsplashCall[];
  mode: FakeUnsplashMode;
  /** How many times a photo's download_location was called. */
  downloads(photoId: string): number;
  close(): Promise<void>;
}

export interface FakePhoto {
  id: string;
  color: string;
  alt: string;
  photographer: string;
  username: string;
  tags: string[];
}

export const fakePhotos: FakePhoto[] = [
  {
    id: 'mtn-Lake_01',
    color: '#2d4a5e',
    alt: 'a lake below snowy mountains',
    photographer: 'Ada Peak',
    username: 'adapeak',
    tags: ['mountain', 'lake', 'nature'],
  },
  {
    id: 'Forest-02x',
    color: '#1f3d1a',
    alt: 'pine forest in fog',
    photographer: 'Bo Grove',
    username: 'bogrove',
    tags: ['forest', 'nature'],
  },
  {
    id: 'Desert_03z',
    color: '#c08a4a',
    alt: 'sand dunes at dusk',
    photographer: 'Cy Dune',
    username: 'cydune',
    tags: ['desert', 'nature'],
  },
];

function photoJson(p: FakePhoto, base: string) {
  const img = (w: number) =>
    `https://images.unsplash.com/photo-${p.id}?ixid=fake&ixlib=rb-4.0.3&w=${w}&fit=max`;
  return {
    id: p.id,
    color: p.color,
    description: null,
    alt_description: p.alt,
    width: 4000,
    height: 3000,
    urls: {
      raw: `https://images.unsplash.com/photo-${p.id}?ixid=fake`,
      full: img(4000),
      regular: img(1080),
      small: img(400),
      thumb: img(200),
    },
    links: {
      self: `${base}/photos/${p.id}`,
      html: `https://unsplash.com/photos/${p.id}`,
      download: `https://unsplash.com/photos/${p.id}/download`,
      download_location: `${base}/photos/${p.id}/download?ixid=fake`,
    },
    user: {
      id: `u-${p.username}`,
      username: p.username,
      name: p.photographer,
      links: { html: `https://unsplash.com/@${p.username}` },
    },
  };
}

export async function startFakeUnsplash(
  options: { accessKey?: string; photos?: FakePhoto[] } = {},
): Promise<FakeUnsplash> {
  const accessKey = options.accessKey ?? 'fake-unsplash-access-key';
  const photos = options.photos ?? fakePhotos;
  const calls: FakeUnsplashCall[] = [];
  const downloads = new Map<string, number>();
  const state = { mode: 'ok' as FakeUnsplashMode };
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      ...headers,
    });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    calls.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    });
    if (req.headers.authorization !== `Client-ID ${accessKey}`) {
      return send(res, 401, { errors: ['OAuth error: The access token is invalid'] });
    }
    if (state.mode === 'rate-limited') {
      return send(res, 403, 'Rate Limit Exceeded', {
        'content-type': 'text/plain',
        'x-ratelimit-remaining': '0',
      });
    }
    if (state.mode === 'down') return send(res, 503, { errors: ['Service unavailable'] });
    if (state.mode === 'garbage') return send(res, 200, { surprise: true });
    if (req.method !== 'GET') return send(res, 405, { errors: ['Method not allowed'] });

    if (url.pathname === '/search/photos') {
      const query = (url.searchParams.get('query') ?? '').toLowerCase();
      const page = Number(url.searchParams.get('page') ?? '1');
      const perPage = Number(url.searchParams.get('per_page') ?? '10');
      const found = photos.filter((p) => p.tags.some((t) => t.includes(query)));
      const slice = found.slice((page - 1) * perPage, page * perPage);
      return send(res, 200, {
        total: found.length,
        total_pages: Math.ceil(found.length / perPage),
        results: slice.map((p) => photoJson(p, base)),
      });
    }
    const download = /^\/photos\/([^/]+)\/download$/.exec(url.pathname);
    if (download && state.mode === 'downloads-down') {
      return send(res, 503, { errors: ['Service unavailable'] });
    }
    if (download) {
      const photo = photos.find((p) => p.id === decodeURIComponent(download[1]!));
      if (!photo) return send(res, 404, { errors: ["Couldn't find Photo"] });
      downloads.set(photo.id, (downloads.get(photo.id) ?? 0) + 1);
      return send(res, 200, { url: photoJson(photo, base).urls.raw });
    }
    const one = /^\/photos\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const photo = photos.find((p) => p.id === decodeURIComponent(one[1]!));
      if (!photo) return send(res, 404, { errors: ["Couldn't find Photo"] });
      return send(res, 200, photoJson(photo, base));
    }
    return send(res, 404, { errors: ['Not found'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    accessKey,
    calls,
    get mode() {
      return state.mode;
    },
    set mode(mode: FakeUnsplashMode) {
      state.mode = mode;
    },
    downloads: (id) => downloads.get(id) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeUnsplash, startFakeUnsplash } from '../../../test-support/fake-unsplash.js';
import { Client, type Harness, registerUser, startHarness } from './support/harness.js';
import { boardRows, type Expected, matrixTests, type RouteCase, write } from './support/matrix.js';

/**
 * Board backgrounds: colours, gradients and Unsplash photos, against a real
 * HTTP server on loopback that speaks Unsplash's API and counts its calls.
 */
type User = Client & { userId: number; username: string };
let h: Harness;
let fake: FakeUnsplash;
let owner: User;
let editor: User;
let viewer: User;
let stranger: User;
const searchesPerMinute = 5;

beforeAll(async () => {
  fake = await startFakeUnsplash();
  h = await startHarness('looks', {
    unsplashAccessKey: fake.accessKey,
    unsplashApiUrl: fake.url,
    unsplashSearchesPerMinute: searchesPerMinute,
  });
  owner = await registerUser(h.app, 'owner');
  editor = await registerUser(h.app, 'editor');
  viewer = await registerUser(h.app, 'viewer');
  stranger = await registerUser(h.app, 'stranger');
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.mode = 'ok';
});

async function newBoard(): Promise<number> {
  const board = await owner.post('/api/boards', { title: 'Looks' });
  expect(board.status).toBe(201);
  const id = board.body.id as number;
  for (const [who, role] of [
    [editor, 'editor'],
    [viewer, 'viewer'],
  ] as const) {
    const res = await owner.post(`/api/boards/${id}/members`, { username: who.username, role });
    expect(res.status).toBe(201);
  }
  return id;
}

async function events(boardId: number) {
  return (await owner.get(`/api/boards/${boardId}/events?after=0&limit=1000`)).body.events as {
    type: string;
    payload: { changed?: string[]; board?: { background: unknown } };
  }[];
}

const photoCalls = (id: string) => fake.calls.filter((c) => c.path === `/photos/${id}`).length;

describe('colours and gradients', () => {
  it('sets, changes and removes a background, each one board.updated event', async () => {
    const b = await newBoard();
    expect((await owner.get(`/api/boards/${b}`)).body.background).toBeNull();

    const blue = await editor.patch(`/api/boards/${b}`, {
      background: { kind: 'color', color: 'blue' },
    });
    expect(blue.status).toBe(200);
    expect(blue.body.background).toEqual({ kind: 'color', color: 'blue' });
    const dusk = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'gradient', gradient: 'dusk' },
    });
    expect(dusk.body.background).toEqual({ kind: 'gradient', gradient: 'dusk' });
    expect((await viewer.get(`/api/boards/${b}`)).body.background).toEqual({
      kind: 'gradient',
      gradient: 'dusk',
    });
    // The same choice again changes nothing and logs nothing.
    const again = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'gradient', gradient: 'dusk' },
    });
    expect(again.body.version).toBe(dusk.body.version);
    const none = await owner.patch(`/api/boards/${b}`, { background: null });
    expect(none.body.background).toBeNull();

    const updates = (await events(b)).filter((e) => e.type === 'board.updated');
    expect(updates.map((e) => [e.payload.changed, e.payload.board?.background])).toEqual([
      [['background'], { kind: 'color', color: 'blue' }],
      [['background'], { kind: 'gradient', gradient: 'dusk' }],
      [['background'], null],
    ]);
    // A rename keeps the background.
    await owner.patch(`/api/boards/${b}`, { background: { kind: 'color', color: 'teal' } });
    const renamed = await owner.patch(`/api/boards/${b}`, { title: 'Renamed' });
    expect(renamed.body.background).toEqual({ kind: 'color', color: 'teal' });
    expect(fake.calls.length).toBe(0);
  });

  it('PUT and DELETE /api/boards/:id/background say the same as PATCH', async () => {
    const b = await newBoard();
    const put = await editor.put(`/api/boards/${b}/background`, { kind: 'color', color: 'green' });
    expect(put.status).toBe(200);
    expect(put.body.background).toEqual({ kind: 'color', color: 'green' });
    const bad = await editor.put(`/api/boards/${b}/background`, { kind: 'color', color: '#0f0' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'SB_ERR_VALIDATION']);
    expect(
      (await viewer.put(`/api/boards/${b}/background`, { kind: 'color', color: 'red' })).status,
    ).toBe(403);
    expect((await stranger.delete(`/api/boards/${b}/background`)).status).toBe(404);
    const gone = await editor.delete(`/api/boards/${b}/background`);
    expect(gone.body.background).toBeNull();
    const updates = (await events(b)).filter((e) => e.type === 'board.updated');
    expect(updates.map((e) => e.payload.board?.background)).toEqual([
      { kind: 'color', color: 'green' },
      null,
    ]);
  });

  it('refuses bad input with a coded 400 and changes nothing', async () => {
    const b = await newBoard();
    const before = await boardRows(h.deps.db, b);
    const bad: unknown[] = [
      { kind: 'color', color: 'chartreuse' },
      { kind: 'color', color: '#ff0000' },
      { kind: 'gradient', gradient: 'rainbow' },
      { kind: 'gradient' },
      { kind: 'image', url: 'https://example.com/x.png' },
      { kind: 'unsplash', photo_id: '../../me' },
      { kind: 'unsplash', photo_id: '' },
      { kind: 'unsplash', photo_id: 'x'.repeat(65) },
      // Clients never supply the photo's URLs or attribution: the server fetches them.
      {
        kind: 'unsplash',
        photo_id: 'mtn-Lake_01',
        urls: { full: 'https://evil.example/x.png' },
      },
      { kind: 'color', color: 'blue', extra: true },
      'blue',
      42,
      [],
    ];
    for (const background of bad) {
      const res = await owner.patch(`/api/boards/${b}`, { background });
      expect(res.status, JSON.stringify(background)).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_VALIDATION');
    }
    expect(await boardRows(h.deps.db, b)).toBe(before);
    expect(fake.calls.length).toBe(0);
  });

  it('is refused on an archived board (409) until it is restored', async () => {
    const b = await newBoard();
    await owner.patch(`/api/boards/${b}`, { archived: true });
    const res = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'color', color: 'red' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SB_ERR_BOARD_ARCHIVED');
    const photo = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'mtn-Lake_01' },
    });
    expect(photo.status).toBe(409);
    expect(fake.calls.length).toBe(0);
  });
});

describe('Unsplash photos', () => {
  it('are fetched by id with the server key, stored whole, and tracked once per choice', async () => {
    const b = await newBoard();
    const calls = fake.calls.length;
    const res = await editor.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'mtn-Lake_01' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.background).toEqual({
      kind: 'unsplash',
      photo_id: 'mtn-Lake_01',
      urls: {
        full: expect.stringMatching(/^https:\/\/images\.unsplash\.com\/photo-mtn-Lake_01\?/),
        regular: expect.stringMatching(/^https:\/\/images\.unsplash\.com\//),
        small: expect.stringMatching(/^https:\/\/images\.unsplash\.com\//),
        thumb: expect.stringMatching(/^https:\/\/images\.unsplash\.com\//),
      },
      color: '#2d4a5e',
      alt: 'a lake below snowy mountains',
      photographer_name: 'Ada Peak',
      photographer_url: 'https://unsplash.com/@adapeak?utm_source=switchboard&utm_medium=referral',
      unsplash_url:
        'https://unsplash.com/photos/mtn-Lake_01?utm_source=switchboard&utm_medium=referral',
    });
    const made = fake.calls.slice(calls);
    expect(made.map((c) => c.path)).toEqual([
      '/photos/mtn-Lake_01',
      '/photos/mtn-Lake_01/download',
    ]);
    expect(made.every((c) => c.authorization === `Client-ID ${fake.accessKey}`)).toBe(true);
    expect(made[1]!.query.get('ixid')).toBe('fake');
    expect(fake.downloads('mtn-Lake_01')).toBe(1);
    expect((await viewer.get(`/api/boards/${b}`)).body.background).toEqual(res.body.background);

    // The same photo again: nothing fetched, nothing changed, no second download.
    const same = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'mtn-Lake_01' },
    });
    expect(same.body.version).toBe(res.body.version);
    expect(fake.downloads('mtn-Lake_01')).toBe(1);
    expect(photoCalls('mtn-Lake_01')).toBe(1);

    // Another photo, then the first one again: each choice is one download.
    await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'Forest-02x' },
    });
    await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'mtn-Lake_01' },
    });
    expect(fake.downloads('Forest-02x')).toBe(1);
    expect(fake.downloads('mtn-Lake_01')).toBe(2);
    const updates = (await events(b)).filter((e) => e.type === 'board.updated');
    expect(updates).toHaveLength(3);
  });

  it('an unknown photo is a coded 404, with no download and no change', async () => {
    const b = await newBoard();
    const before = await boardRows(h.deps.db, b);
    const calls = fake.calls.length;
    const res = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'NoSuchPhoto' },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('SB_ERR_UNSPLASH_PHOTO_NOT_FOUND');
    expect(await boardRows(h.deps.db, b)).toBe(before);
    expect(fake.calls.slice(calls).map((c) => c.path)).toEqual(['/photos/NoSuchPhoto']);
  });

  it('a failed download-tracking call does not undo the choice', async () => {
    const b = await newBoard();
    fake.mode = 'downloads-down';
    const calls = fake.calls.length;
    const res = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'Desert_03z' },
    });
    expect(res.status).toBe(200);
    expect(res.body.background.photo_id).toBe('Desert_03z');
    expect(fake.calls.slice(calls).map((c) => c.path)).toEqual([
      '/photos/Desert_03z',
      '/photos/Desert_03z/download',
    ]);
    expect(fake.downloads('Desert_03z')).toBe(0);
  });

  it('viewers and strangers are refused before Unsplash is asked', async () => {
    const b = await newBoard();
    const calls = fake.calls.length;
    const body = { background: { kind: 'unsplash', photo_id: 'Desert_03z' } };
    expect((await viewer.patch(`/api/boards/${b}`, body)).status).toBe(403);
    expect((await stranger.patch(`/api/boards/${b}`, body)).status).toBe(404);
    expect((await new Client(h.app).patch(`/api/boards/${b}`, body)).status).toBe(401);
    expect(fake.calls.length).toBe(calls);
  });

  it.each([
    ['rate-limited', 429, 'SB_ERR_UNSPLASH_RATE_LIMITED'],
    ['down', 503, 'SB_ERR_UNSPLASH_UNAVAILABLE'],
    ['garbage', 503, 'SB_ERR_UNSPLASH_UNAVAILABLE'],
  ] as const)('Unsplash %s → %i %s, nothing changes', async (mode, status, code) => {
    const b = await newBoard();
    const before = await boardRows(h.deps.db, b);
    fake.mode = mode;
    const res = await owner.patch(`/api/boards/${b}`, {
      background: { kind: 'unsplash', photo_id: 'Desert_03z' },
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const search = await (
      await registerUser(h.app, 'searcher')
    ).get('/api/unsplash/search?query=nature');
    expect(search.status).toBe(status);
    expect(search.body.error.code).toBe(code);
    expect(await boardRows(h.deps.db, b)).toBe(before);
    expect(fake.downloads('Desert_03z')).toBe(0);
  });
});

describe('GET /api/unsplash/search', () => {
  it('proxies Unsplash with the server key and returns a trimmed page with attribution', async () => {
    const user = await registerUser(h.app, 'search');
    expect((await user.get('/api/unsplash')).body).toEqual({ enabled: true });
    const calls = fake.calls.length;
    const res = await user.get('/api/unsplash/search?query=nature&page=1');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.page).toBe(1);
    expect(res.body.results[0]).toEqual({
      id: 'mtn-Lake_01',
      alt: 'a lake below snowy mountains',
      color: '#2d4a5e',
      urls: {
        small: expect.stringMatching(/^https:\/\/images\.unsplash\.com\//),
        thumb: expect.stringMatching(/^https:\/\/images\.unsplash\.com\//),
      },
      photographer_name: 'Ada Peak',
      photographer_url: 'https://unsplash.com/@adapeak?utm_source=switchboard&utm_medium=referral',
    });
    const call = fake.calls[calls]!;
    expect(call.path).toBe('/search/photos');
    expect(call.authorization).toBe(`Client-ID ${fake.accessKey}`);
    expect(call.query.get('query')).toBe('nature');
    expect(call.query.get('per_page')).toBe('24');
    expect((await user.get('/api/unsplash/search?query=forest&page=2')).body.results).toEqual([]);
  });

  it('refuses bad queries with a coded 400 without asking Unsplash', async () => {
    const user = await registerUser(h.app, 'badq');
    const calls = fake.calls.length;
    for (const q of [
      '',
      '?query=',
      '?query=%20%20',
      `?query=${'a'.repeat(101)}`,
      '?query=x&page=0',
      '?query=x&page=abc',
      '?query=x&page=101',
      '?query=x&color=red',
    ]) {
      const res = await user.get(`/api/unsplash/search${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_VALIDATION');
    }
    expect(fake.calls.length).toBe(calls);
  });

  it(`limits each user to ${searchesPerMinute} searches a minute`, async () => {
    const greedy = await registerUser(h.app, 'greedy');
    for (let i = 0; i < searchesPerMinute; i++) {
      expect((await greedy.get(`/api/unsplash/search?query=n${i}`)).status).toBe(200);
    }
    const calls = fake.calls.length;
    const refused = await greedy.get('/api/unsplash/search?query=more');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('SB_ERR_RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(fake.calls.length).toBe(calls);
    const other = await registerUser(h.app, 'patient');
    expect((await other.get('/api/unsplash/search?query=nature')).status).toBe(200);
  });

  it('an unreachable Unsplash is a coded 503', async () => {
    const dead = await startFakeUnsplash();
    const url = dead.url;
    await dead.close();
    const h2 = await startHarness('looks-dead', {
      unsplashAccessKey: fake.accessKey,
      unsplashApiUrl: url,
    });
    try {
      const user = await registerUser(h2.app, 'dead');
      const res = await user.get('/api/unsplash/search?query=nature');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SB_ERR_UNSPLASH_UNAVAILABLE');
    } finally {
      await h2.close();
    }
  });
});

describe('fuzzing', () => {
  const nearMiss = fc.oneof(
    fc.anything(),
    fc.record(
      {
        kind: fc.constantFrom('color', 'gradient', 'unsplash', 'image', ''),
        color: fc.oneof(fc.constantFrom('blue', 'teal', '#fff'), fc.string()),
        gradient: fc.oneof(fc.constantFrom('ocean', 'night'), fc.string()),
        photo_id: fc.oneof(fc.constantFrom('mtn-Lake_01', 'NoSuchPhoto'), fc.string()),
        urls: fc.anything(),
      },
      { requiredKeys: ['kind'] },
    ),
  );

  it('whatever background arrives: never a 5xx, and a 4xx changes nothing', async () => {
    const b = await newBoard();
    await fc.assert(
      fc.asyncProperty(nearMiss, async (background) => {
        const before = await boardRows(h.deps.db, b);
        const res = await owner.patch(`/api/boards/${b}`, { background });
        expect(res.status, JSON.stringify(background)).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error.code).toMatch(/^SB_ERR_/);
          expect(await boardRows(h.deps.db, b)).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('whatever a search asks: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 120 }), fc.string({ maxLength: 6 }), async (q, p) => {
        const user = await registerUser(h.app, 'fuzzq');
        const res = await user.get(
          `/api/unsplash/search?query=${encodeURIComponent(q)}&page=${encodeURIComponent(p)}`,
        );
        expect(res.status, `${q} ${p}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.body.error.code).toMatch(/^SB_ERR_/);
      }),
      { numRuns: 60 },
    );
  });
});

describe('authorization', () => {
  interface Fixture {
    boardId: number;
  }
  const anyoneSignedIn: Expected = {
    owner: 200,
    editor: 200,
    viewer: 200,
    nonMember: 200,
    anonymous: 401,
  };
  const routes: RouteCase<Fixture>[] = [
    {
      name: 'set a colour',
      call: (c, f) =>
        c.patch(`/api/boards/${f.boardId}`, { background: { kind: 'color', color: 'green' } }),
      expect: write(200),
    },
    {
      name: 'set a gradient',
      call: (c, f) =>
        c.patch(`/api/boards/${f.boardId}`, {
          background: { kind: 'gradient', gradient: 'ocean' },
        }),
      expect: write(200),
    },
    {
      name: 'choose an Unsplash photo',
      call: (c, f) =>
        c.patch(`/api/boards/${f.boardId}`, {
          background: { kind: 'unsplash', photo_id: 'Forest-02x' },
        }),
      expect: write(200),
    },
    {
      name: 'remove the background',
      call: (c, f) => c.patch(`/api/boards/${f.boardId}`, { background: null }),
      expect: write(200),
    },
    {
      name: 'search Unsplash',
      call: (c) => c.get('/api/unsplash/search?query=lake'),
      expect: anyoneSignedIn,
    },
    {
      name: 'ask whether Unsplash is on',
      call: (c) => c.get('/api/unsplash'),
      expect: anyoneSignedIn,
    },
  ];
  matrixTests(routes, () => ({
    h,
    members: { owner, editor, viewer, nonMember: stranger },
    fixture: async () => {
      const boardId = await newBoard();
      // Something to remove, so that removing is a change.
      await owner.patch(`/api/boards/${boardId}`, {
        background: { kind: 'color', color: 'slate' },
      });
      return { boardId };
    },
  }));
});

describe('without UNSPLASH_ACCESS_KEY', () => {
  let off: Harness;
  beforeAll(async () => {
    off = await startHarness('looks-off');
  });
  afterAll(async () => off?.close());

  it('offers colours and gradients only', async () => {
    const user = await registerUser(off.app, 'nokey');
    expect((await user.get('/api/unsplash')).body).toEqual({ enabled: false });
    const search = await user.get('/api/unsplash/search?query=nature');
    expect(search.status).toBe(404);
    expect(search.body.error.code).toBe('SB_ERR_UNSPLASH_DISABLED');
    const board = (await user.post('/api/boards', { title: 'Plain' })).body;
    const photo = await user.patch(`/api/boards/${board.id}`, {
      background: { kind: 'unsplash', photo_id: 'mtn-Lake_01' },
    });
    expect(photo.status).toBe(404);
    expect(photo.body.error.code).toBe('SB_ERR_UNSPLASH_DISABLED');
    const color = await user.patch(`/api/boards/${board.id}`, {
      background: { kind: 'color', color: 'purple' },
    });
    expect(color.status).toBe(200);
    expect(color.body.background).toEqual({ kind: 'color', color: 'purple' });
  });
});

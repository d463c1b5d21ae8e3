import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * Files on cards over real HTTP: streamed in and out of chunk rows, ranges,
 * thumbnails and covers, limits and quotas with coded 413s that keep
 * nothing, the headers that keep a file from running as the app, and who may
 * see what.
 */
type User = Client & { userId: number; username: string };
let h: Harness;
let base: string;
let ann: User;
let bob: User;
let eve: User;
const QUOTA = 3 * 1024 * 1024;

beforeAll(async () => {
  h = await startHarness('attachments', {
    attachmentMaxBytes: 2 * 1024 * 1024,
    boardAttachmentQuotaBytes: QUOTA,
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  ann = await registerUser(h.app, 'ann');
  bob = await registerUser(h.app, 'bob');
  eve = await registerUser(h.app, 'eve');
});
afterAll(async () => h?.close());

async function card(title = 'Card', viewer?: User) {
  const board = (await ann.post('/api/boards', { title: 'Files' })).body;
  if (viewer) {
    await ann.post(`/api/boards/${board.id}/members`, {
      username: viewer.username,
      role: 'viewer',
    });
  }
  const task = (await ann.post('/api/tasks', { board_id: board.id, title })).body;
  return { board, task };
}

async function upload(
  user: User,
  taskId: number,
  name: string,
  body: Buffer,
  type = 'application/octet-stream',
) {
  const res = await fetch(
    `${base}/api/attachments?task_id=${taskId}&name=${encodeURIComponent(name)}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': type },
      body,
    },
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function download(
  user: User | undefined,
  path: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(base + path, {
    headers: { ...(user ? { authorization: `Bearer ${user.token}` } : {}), ...headers },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const png = (w: number, h: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();

describe('attachments', () => {
  it('a file goes in and comes back byte for byte, with its digest, whole and in ranges', async () => {
    const { task } = await card();
    const data = randomBytes(700 * 1024 + 123); // three chunks and a bit
    const up = await upload(ann, task.id, 'data.bin', data);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      task_id: task.id,
      name: 'data.bin',
      content_type: 'application/octet-stream',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      image: null,
      thumbnail_url: null,
    });
    const got = await download(ann, up.body.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(data)).toBe(true);
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="data.bin"; filename*=UTF-8''data.bin`,
    );
    expect(got.headers.get('etag')).toBe(`"${up.body.sha256}"`);
    // A range across a chunk boundary; the last bytes; a range past the end.
    const part = await download(ann, up.body.url, { range: 'bytes=262000-262300' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 262000-262300/${data.length}`);
    expect(part.bytes.equals(data.subarray(262000, 262301))).toBe(true);
    const tail = await download(ann, up.body.url, { range: 'bytes=-100' });
    expect(tail.bytes.equals(data.subarray(data.length - 100))).toBe(true);
    const outside = await download(ann, up.body.url, { range: `bytes=${data.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${data.length}`);
    // Unchanged: 304 on the ETag.
    expect(
      (await download(ann, up.body.url, { 'if-none-match': `"${up.body.sha256}"` })).status,
    ).toBe(304);
    const cardNow = (await ann.get(`/api/tasks/${task.id}`)).body;
    expect(cardNow).toMatchObject({ attachment_count: 1, cover: null });
  });

  it('an image gets a thumbnail and becomes the cover; covers are chosen and removed by hand', async () => {
    const { board, task } = await card();
    const first = await upload(ann, task.id, 'wide.png', await png(1600, 900), 'image/png');
    expect(first.body.image).toEqual({ width: 1600, height: 900 });
    expect(first.body.thumbnail_url).toBe(`/api/attachments/${first.body.id}/thumbnail`);
    const thumb = await download(ann, first.body.thumbnail_url);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({
      format: 'webp',
      width: 640,
      height: 360,
    });
    let now = (await ann.get(`/api/tasks/${task.id}`)).body;
    expect(now.cover).toEqual({ attachment_id: first.body.id, url: first.body.thumbnail_url });
    // Inline, as an image, when it is one.
    const shown = await download(ann, first.body.url);
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect(shown.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(
      (await download(ann, `${first.body.url}?download=1`)).headers.get('content-disposition'),
    ).toMatch(/^attachment;/);

    const second = await upload(
      ann,
      task.id,
      'square.jpg',
      await sharp(await png(300, 300))
        .jpeg()
        .toBuffer(),
      'image/jpeg',
    );
    now = (await ann.get(`/api/tasks/${task.id}`)).body;
    expect(now.cover.attachment_id).toBe(first.body.id); // the first image stays the cover
    const chosen = await ann.patch(`/api/tasks/${task.id}`, {
      cover_attachment_id: second.body.id,
    });
    expect(chosen.body.cover.attachment_id).toBe(second.body.id);
    const notImage = await upload(ann, task.id, 'notes.txt', Buffer.from('hi'), 'text/plain');
    const refused = await ann.patch(`/api/tasks/${task.id}`, {
      cover_attachment_id: notImage.body.id,
    });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'SB_ERR_NOT_AN_IMAGE']);
    // The cover routes say the same: PUT one (an image of the card only), DELETE it.
    const put = await ann.put(`/api/tasks/${task.id}/cover`, { attachment_id: first.body.id });
    expect(put.body.cover.attachment_id).toBe(first.body.id);
    const putText = await ann.put(`/api/tasks/${task.id}/cover`, {
      attachment_id: notImage.body.id,
    });
    expect(putText.status).toBe(422);
    expect((await ann.delete(`/api/tasks/${task.id}/cover`)).body.cover).toBeNull();
    // Removed by hand: a later image does not become the cover by itself.
    expect(
      (await ann.patch(`/api/tasks/${task.id}`, { cover_attachment_id: null })).body.cover,
    ).toBeNull();
    await upload(ann, task.id, 'later.png', await png(10, 10), 'image/png');
    expect((await ann.get(`/api/tasks/${task.id}`)).body.cover).toBeNull();
    // Choose the second again, then delete it: the cover passes to the first image.
    await ann.patch(`/api/tasks/${task.id}`, { cover_attachment_id: second.body.id });
    expect((await ann.delete(`/api/attachments/${second.body.id}`)).status).toBe(204);
    now = (await ann.get(`/api/tasks/${task.id}`)).body;
    expect(now).toMatchObject({ attachment_count: 3, cover: { attachment_id: first.body.id } });
    const list = (await ann.get(`/api/tasks/${task.id}/attachments`)).body;
    expect(list.attachments.map((a: { name: string }) => a.name)).toEqual([
      'wide.png',
      'notes.txt',
      'later.png',
    ]);
    expect(list.board_usage.quota).toBe(QUOTA);
    // The log: four uploads, a delete, each with the card's count and cover.
    const log = (await ann.get(`/api/boards/${board.id}/events?after=0`)).body.events.map(
      (e: { type: string }) => e.type,
    );
    expect(log.filter((t: string) => t.startsWith('attachment.'))).toEqual([
      'attachment.created',
      'attachment.created',
      'attachment.created',
      'attachment.created',
      'attachment.deleted',
    ]);
  });

  it('an HTML or SVG file never runs in the app: a download, sandboxed, nosniff', async () => {
    const { task } = await card();
    for (const [name, type, body] of [
      ['page.html', 'text/html', '<script>alert(1)</script>'],
      [
        'logo.svg',
        'image/svg+xml',
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      ],
      ['fake.png', 'image/png', '<html><script>alert(1)</script></html>'],
    ] as const) {
      const up = await upload(ann, task.id, name, Buffer.from(body), type);
      expect(up.body.image).toBeNull();
      const got = await download(ann, up.body.url);
      expect(got.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect(got.headers.get('content-security-policy')).toContain('sandbox');
      expect(got.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(got.headers.get('content-type')).not.toMatch(/html|svg/);
    }
  });

  it('limits: a file over the limit and a board over its quota get coded 413s and keep nothing', async () => {
    const { board, task } = await card();
    const seq = (await ann.get(`/api/boards/${board.id}`)).body.seq;
    const big = await upload(ann, task.id, 'big.bin', randomBytes(2 * 1024 * 1024 + 1));
    expect([big.status, big.body.error.code]).toEqual([413, 'SB_ERR_ATTACHMENT_TOO_LARGE']);
    // Declared sizes past the quota are refused before a byte is stored.
    await upload(ann, task.id, 'a.bin', randomBytes(1_900_000));
    const over = await upload(ann, task.id, 'b.bin', randomBytes(1_900_000));
    expect([over.status, over.body.error.code]).toEqual([413, 'SB_ERR_BOARD_QUOTA_EXCEEDED']);
    expect(over.body.error.details).toMatchObject({ quota_bytes: QUOTA, adding_bytes: 1_900_000 });
    const left = await h.deps.db
      .selectFrom('attachments')
      .select(['name', 'complete'])
      .where('board_id', '=', board.id)
      .execute();
    expect(left).toEqual([{ name: 'a.bin', complete: true }]);
    const chunks = await h.deps.db
      .selectFrom('attachment_chunks')
      .innerJoin('attachments', 'attachments.id', 'attachment_chunks.attachment_id')
      .select('attachments.name')
      .where('attachments.board_id', '=', board.id)
      .execute();
    expect(new Set(chunks.map((c) => c.name))).toEqual(new Set(['a.bin']));
    const log = (await ann.get(`/api/boards/${board.id}/events?after=${seq}`)).body.events;
    expect(log.map((e: { type: string }) => e.type)).toEqual(['attachment.created']);
  });

  it('bad upload requests are coded 4xx', async () => {
    const { task } = await card();
    const post = (query: string) =>
      fetch(`${base}/api/attachments${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'text/plain' },
        body: 'x',
      }).then(async (r) => [
        r.status,
        ((await r.json()) as { error: { code: string } }).error.code,
      ]);
    expect(await post(`?task_id=${task.id}`)).toEqual([400, 'SB_ERR_VALIDATION']);
    expect(await post(`?task_id=abc&name=a`)).toEqual([400, 'SB_ERR_VALIDATION']);
    expect(await post(`?task_id=${task.id}&name=a&extra=1`)).toEqual([400, 'SB_ERR_VALIDATION']);
    expect(await post(`?task_id=999999999&name=a`)).toEqual([404, 'SB_ERR_NOT_FOUND']);
    expect((await download(ann, '/api/attachments/999999999')).status).toBe(404);
    expect((await download(ann, '/api/attachments/abc')).status).toBe(400);
  });

  it('an upload cut short keeps nothing', async () => {
    const { task } = await card();
    const url = new URL(`${base}/api/attachments?task_id=${task.id}&name=cut.bin`);
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ann.token}`,
          'content-type': 'application/octet-stream',
          'content-length': String(1_000_000),
        },
      });
      req.on('error', () => resolve());
      req.write(randomBytes(400_000), () => setTimeout(() => req.destroy(), 100));
      req.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 300));
    const rows = await h.deps.db
      .selectFrom('attachments')
      .select('id')
      .where('task_id', '=', task.id)
      .execute();
    expect(rows).toEqual([]);
  });

  it('files travel with a copied or moved card (bytes copied inside the database)', async () => {
    const { task } = await card('Travels');
    const data = randomBytes(300_000);
    const file = await upload(ann, task.id, 'spec.bin', data);
    const pic = await upload(ann, task.id, 'shot.png', await png(50, 40), 'image/png');
    const other = (await ann.post('/api/boards', { title: 'Other' })).body;
    const copy = await ann.post(`/api/tasks/${task.id}/copy`, { board_id: other.id });
    expect(copy.body).toMatchObject({ attachment_count: 2, cover: { url: expect.any(String) } });
    expect(copy.body.cover.attachment_id).not.toBe(pic.body.id);
    const files = (await ann.get(`/api/tasks/${copy.body.id}/attachments`)).body.attachments;
    expect(files.map((f: { name: string; board_id: number }) => [f.name, f.board_id])).toEqual([
      ['spec.bin', other.id],
      ['shot.png', other.id],
    ]);
    expect((await download(ann, files[0].url)).bytes.equals(data)).toBe(true);
    expect(copy.body.cover.attachment_id).toBe(files[1].id);
    // Deleting the original's file leaves the copy's.
    await ann.delete(`/api/attachments/${file.body.id}`);
    expect((await download(ann, files[0].url)).status).toBe(200);

    const moved = await ann.post(`/api/tasks/${task.id}/move`, { board_id: other.id });
    expect(moved.body).toMatchObject({
      attachment_count: 1,
      cover: { attachment_id: pic.body.id },
    });
    const after = (await ann.get(`/api/tasks/${task.id}/attachments`)).body.attachments;
    expect(after.map((f: { board_id: number }) => f.board_id)).toEqual([other.id]);
  });

  it('who may: members read, writers upload and delete, others get 404', async () => {
    const { task } = await card('Private', bob);
    const up = await upload(ann, task.id, 'x.bin', Buffer.from('secret'));
    expect((await download(bob, up.body.url)).bytes.toString()).toBe('secret');
    expect((await upload(bob, task.id, 'y.bin', Buffer.from('nope'))).status).toBe(403);
    expect((await bob.delete(`/api/attachments/${up.body.id}`)).status).toBe(403);
    expect((await download(eve, up.body.url)).status).toBe(404);
    expect((await download(eve, `/api/tasks/${task.id}/attachments`)).status).toBe(404);
    expect((await upload(eve, task.id, 'z.bin', Buffer.from('nope'))).status).toBe(404);
    expect((await download(undefined, up.body.url)).status).toBe(401);
    // A card in the trash: its files are not served.
    await ann.delete(`/api/tasks/${task.id}`);
    expect((await download(ann, up.body.url)).status).toBe(404);
  });
});

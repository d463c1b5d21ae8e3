import { createHash, randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../../test-support/s3-server.js';
import type { FileStore, StoredFile } from '../src/attachments/file-store.js';
import { PgFileStore } from '../src/attachments/pg-file-store.js';
import { S3FileStore } from '../src/attachments/s3-file-store.js';
import { CHUNK_SIZE } from '../src/attachments/chunk-store.js';
import { type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * One conformance suite for every place attachments' bytes can live:
 * PostgreSQL chunk rows and an S3-compatible store (s3rver on loopback).
 */
let h: Harness;
let s3: LocalS3;
let taskId = 0;
let boardId = 0;

beforeAll(async () => {
  [h, s3] = await Promise.all([startHarness('filestore'), startLocalS3()]);
  const u = await registerUser(h.app, 'fs');
  const board = (await u.post('/api/boards', { title: 'Files' })).body;
  boardId = board.id;
  taskId = (await u.post('/api/tasks', { board_id: board.id, title: 'T' })).body.id;
});
afterAll(async () => {
  await h?.close();
  await s3?.stop();
});

/** The local S3 server's settings, objects under `prefix`. */
const settings = (prefix: string) => ({
  bucket: s3.bucket,
  region: 'us-east-1',
  endpoint: s3.endpoint,
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
  forcePathStyle: true,
  prefix,
});

/** A row for the bytes to belong to (PostgreSQL's chunks refer to it). */
async function row(): Promise<number> {
  const r = await h.deps.db
    .insertInto('attachments')
    .values({
      board_id: boardId,
      task_id: taskId,
      name: 'f',
      content_type: 'application/octet-stream',
      chunk_size: CHUNK_SIZE,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

async function* pieces(data: Buffer, size = 64 * 1024) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
async function all(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const p of iterable) out.push(p);
  return Buffer.concat(out);
}
const options = (maxBytes = 10 * 1024 * 1024, expected?: number) => ({
  maxBytes,
  expected,
  contentType: 'application/octet-stream',
  tooLarge: () => new Error('too large'),
});

const stores: [string, () => FileStore, () => Promise<string[]>][] = [
  ['PostgreSQL chunk rows', () => new PgFileStore(h.deps.db), async () => []],
  [
    'S3-compatible (s3rver)',
    () => new S3FileStore(settings('conf/')),
    async () => {
      const store = stores[1]![1]() as S3FileStore;
      const listed = await store.client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'conf/' }),
      );
      return (listed.Contents ?? []).map((o) => o.Key!);
    },
  ],
];

describe.each(stores)('file store: %s', (_name, make, objects) => {
  it('writes a stream and reads it back whole and in ranges, with its digest', async () => {
    const store = make();
    const data = randomBytes(3 * CHUNK_SIZE + 12_345);
    const id = await row();
    const written = await store.write(id, pieces(data), options(10 * 1024 * 1024, data.length));
    expect(written.size).toBe(data.length);
    expect(written.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const file: StoredFile = { id, storage_key: written.key, chunk_size: CHUNK_SIZE };
    expect((await all(store.read(file, 0, data.length - 1))).equals(data)).toBe(true);
    const from = CHUNK_SIZE - 10;
    const to = 2 * CHUNK_SIZE + 10;
    expect((await all(store.read(file, from, to))).equals(data.subarray(from, to + 1))).toBe(true);
    expect((await store.head(file)).equals(data.subarray(0, 16))).toBe(true);

    // A copy for another row reads the same and outlives the original's removal.
    const other = await row();
    const key = await store.copy(file, other);
    const copy: StoredFile = { id: other, storage_key: key, chunk_size: CHUNK_SIZE };
    if (written.key) await store.remove([written.key]);
    expect((await all(store.read(copy, 0, data.length - 1))).equals(data)).toBe(true);
  });

  it('refuses a body past the limit and one cut short, and keeps nothing of them', async () => {
    const store = make();
    const before = await objects();
    const big = randomBytes(300_000);
    await expect(store.write(await row(), pieces(big), options(200_000))).rejects.toThrow(
      'too large',
    );
    await expect(
      store.write(await row(), pieces(big), options(10_000_000, big.length + 1)),
    ).rejects.toMatchObject({ code: 'SB_ERR_UPLOAD_INCOMPLETE' });
    expect(await objects()).toEqual(before);
  });
});

describe('the API on an S3-compatible store', () => {
  let api: Harness;
  beforeAll(async () => {
    api = await startHarness('files3', {
      attachmentStore: 's3',
      s3: settings('api/'),
    });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => api?.close());

  it('uploads, serves ranges, removes objects with their rows (deleted or purged)', async () => {
    const base = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    const u = await registerUser(api.app, 's3');
    const board = (await u.post('/api/boards', { title: 'S3' })).body;
    const task = (await u.post('/api/tasks', { board_id: board.id, title: 'T' })).body;
    const data = randomBytes(600_000);
    const up = async (name: string) => {
      const res = await fetch(`${base}/api/attachments?task_id=${task.id}&name=${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/octet-stream' },
        body: data,
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: number; url: string };
    };
    const a = await up('a.bin');
    const b = await up('b.bin');
    const rows = await api.deps.db
      .selectFrom('attachments')
      .select(['storage', 'storage_key'])
      .where('task_id', '=', task.id)
      .execute();
    expect(rows.every((r) => r.storage === 's3' && r.storage_key?.startsWith('api/'))).toBe(true);
    expect(
      await api.deps.db
        .selectFrom('attachment_chunks')
        .select('n')
        .where('attachment_id', 'in', [a.id, b.id])
        .execute(),
    ).toEqual([]);
    const part = await fetch(base + a.url, {
      headers: { authorization: `Bearer ${u.token}`, range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);

    const listed = async () =>
      (
        (
          await (api.deps.files as S3FileStore).client.send(
            new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'api/' }),
          )
        ).Contents ?? []
      ).map((o) => o.Key);
    expect(await listed()).toHaveLength(2);
    // A copied card gets objects of its own (copied in the store).
    const copy = (await u.post(`/api/tasks/${task.id}/copy`, { board_id: board.id })).body;
    expect(copy.attachment_count).toBe(2);
    expect(await listed()).toHaveLength(4);
    const copyFiles = (await u.get(`/api/tasks/${copy.id}/attachments`)).body.attachments;
    const again = await fetch(base + copyFiles[0].url, {
      headers: { authorization: `Bearer ${u.token}` },
    });
    expect(Buffer.from(await again.arrayBuffer()).equals(data)).toBe(true);
    // Deleted: its object goes right after.
    await u.delete(`/api/attachments/${a.id}`);
    await expect.poll(listed).toHaveLength(3);
    // The card deleted for good (trash emptied): its last object goes at the sweep.
    await u.delete(`/api/tasks/${task.id}`);
    expect((await u.delete(`/api/boards/${board.id}/trash/${task.id}`)).status).toBe(204);
    const { sweepFileDeletions } = await import('../src/store/attachments.js');
    expect(await sweepFileDeletions(api.deps.db, api.deps.files)).toBe(1);
    expect(await listed()).toHaveLength(2);
  });
});

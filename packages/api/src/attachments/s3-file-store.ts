import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { sbError } from '@switchboard/core';
import type { FileStore, StoredFile, WriteOptions, Written } from './file-store.js';

export interface S3Settings {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Bucket in the path (MinIO, s3rver, most self-hosted stores). */
  forcePathStyle: boolean;
  prefix: string;
}

/** Parts of a multipart upload: the SDK holds at most `queueSize` of them at once. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE = 2;

/**
 * Files as objects in an S3-compatible store, for installs whose files
 * outgrow the database. Uploads stream as multipart uploads (at most
 * PART_SIZE × QUEUE in memory, whatever the file); reads are ranged GETs.
 * The attachment row keeps the key; a row deleted in PostgreSQL (a card
 * purged, a board deleted) leaves its key in `file_deletions`, and the
 * sweeper removes the objects.
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.accessKeyId && settings.secretAccessKey
        ? {
            credentials: {
              accessKeyId: settings.accessKeyId,
              secretAccessKey: settings.secretAccessKey,
            },
          }
        : {}),
    });
  }

  #key(id: number): string {
    // A random part: ids restart in a restored or new database; keys never collide.
    return `${this.settings.prefix}${id}-${randomBytes(6).toString('hex')}`;
  }

  async write(id: number, body: AsyncIterable<Buffer>, options: WriteOptions): Promise<Written> {
    const key = this.#key(id);
    const hash = createHash('sha256');
    const pipe = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.settings.bucket,
        Key: key,
        Body: pipe,
        ContentType: options.contentType,
      },
      partSize: PART_SIZE,
      queueSize: QUEUE,
      leavePartsOnError: false,
    });
    const sent = upload.done();
    let size = 0;
    try {
      for await (const piece of body) {
        size += piece.length;
        if (size > options.maxBytes) throw options.tooLarge();
        hash.update(piece);
        if (!pipe.write(piece)) await new Promise((r) => pipe.once('drain', () => r(undefined)));
      }
      if (options.expected !== undefined && size !== options.expected) {
        throw sbError('SB_ERR_UPLOAD_INCOMPLETE', undefined, {
          expected_bytes: options.expected,
          received_bytes: size,
        });
      }
      pipe.end();
      await sent;
    } catch (error) {
      pipe.destroy();
      await upload.abort().catch(() => {});
      await sent.catch(() => {});
      await this.remove([key]).catch(() => {});
      throw error;
    }
    return { size, sha256: hash.digest('hex'), key };
  }

  async *read(file: StoredFile, start: number, end: number): AsyncIterable<Buffer> {
    if (end < start || !file.storage_key) return;
    const res = await this.client.send(
      new GetObjectCommand({
        Bucket: this.settings.bucket,
        Key: file.storage_key,
        Range: `bytes=${start}-${end}`,
      }),
    );
    for await (const piece of res.Body as Readable) yield piece as Buffer;
  }

  async head(file: StoredFile): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const piece of this.read(file, 0, 15)) parts.push(piece);
    return Buffer.concat(parts);
  }

  async copy(file: StoredFile, toId: number): Promise<string> {
    const key = this.#key(toId);
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.settings.bucket,
        Key: key,
        // URL-encoded, the key's slashes kept (S3 and its look-alikes read them as such).
        CopySource: `${this.settings.bucket}/${(file.storage_key ?? '').split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
    return key;
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.settings.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }
}

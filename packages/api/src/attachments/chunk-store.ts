import { createHash } from 'node:crypto';
import { sbError } from '@switchboard/core';
import type { Db } from '../store/db.js';

/** Bytes per chunk row: big enough that a 50 MB file is 200 rows, small enough to hold one. */
export const CHUNK_SIZE = 256 * 1024;
/** Chunk rows read per round trip when serving. */
const READ_BATCH = 4;

export interface Written {
  size: number;
  sha256: string;
}

/**
 * Streams a body into chunk rows as it arrives: one INSERT per full chunk,
 * awaited before the next is read, so memory holds at most one chunk and a
 * slow database slows the sender rather than filling memory. No transaction
 * spans the upload (the attachment stays incomplete until its board write).
 * Past `maxBytes` it stops with a coded 413; a body that ends short of
 * `expected` is SB_ERR_UPLOAD_INCOMPLETE.
 */
export async function writeChunks(
  db: Db,
  attachmentId: number,
  body: AsyncIterable<Buffer>,
  options: { maxBytes: number; expected?: number | undefined; tooLarge: () => Error },
): Promise<Written> {
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let n = 0;
  const flush = async (data: Buffer) => {
    await db
      .insertInto('attachment_chunks')
      .values({ attachment_id: attachmentId, n: n++, data })
      .execute();
  };
  for await (const piece of body) {
    size += piece.length;
    if (size > options.maxBytes) throw options.tooLarge();
    hash.update(piece);
    pending.push(piece);
    pendingBytes += piece.length;
    while (pendingBytes >= CHUNK_SIZE) {
      const all = Buffer.concat(pending, pendingBytes);
      await flush(all.subarray(0, CHUNK_SIZE));
      const rest = all.subarray(CHUNK_SIZE);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    }
  }
  if (pendingBytes > 0) await flush(Buffer.concat(pending, pendingBytes));
  if (options.expected !== undefined && size !== options.expected) {
    throw sbError('SB_ERR_UPLOAD_INCOMPLETE', undefined, {
      expected_bytes: options.expected,
      received_bytes: size,
    });
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Bytes `start`..`end` (inclusive) of a stored file, a few chunks per round
 * trip, as the reader pulls them (backpressure from the socket reaches the
 * database reads).
 */
export async function* readChunks(
  db: Db,
  attachmentId: number,
  chunkSize: number,
  start: number,
  end: number,
): AsyncGenerator<Buffer> {
  if (end < start) return;
  const first = Math.floor(start / chunkSize);
  const last = Math.floor(end / chunkSize);
  for (let from = first; from <= last; from += READ_BATCH) {
    const to = Math.min(last, from + READ_BATCH - 1);
    const rows = await db
      .selectFrom('attachment_chunks')
      .select(['n', 'data'])
      .where('attachment_id', '=', attachmentId)
      .where('n', '>=', from)
      .where('n', '<=', to)
      .orderBy('n')
      .execute();
    for (const row of rows) {
      const base = row.n * chunkSize;
      const lo = Math.max(0, start - base);
      const hi = Math.min(row.data.length, end - base + 1);
      if (hi > lo) yield row.data.subarray(lo, hi);
    }
  }
}

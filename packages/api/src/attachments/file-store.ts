import type { Tx } from '../store/board-write.js';
import type { Db } from '../store/db.js';

/** Where a stored file is: its row's id, and for an object store its key. */
export interface StoredFile {
  id: number;
  storage_key: string | null;
  chunk_size: number;
}

export interface Written {
  size: number;
  sha256: string;
  /** The object key, for stores that have keys (null: the bytes are in PostgreSQL). */
  key: string | null;
}

export interface WriteOptions {
  maxBytes: number;
  /** Content-Length, when the client said: a body that ends short is SB_ERR_UPLOAD_INCOMPLETE. */
  expected?: number | undefined;
  contentType: string;
  tooLarge: () => Error;
}

/**
 * Where attachments' bytes live. Every implementation streams both ways
 * (a chunk or a part at a time, never a whole file), and the same
 * conformance suite (test/file-store-conformance.test.ts) holds them to it.
 */
export interface FileStore {
  readonly kind: 'pg' | 's3';
  write(attachmentId: number, body: AsyncIterable<Buffer>, options: WriteOptions): Promise<Written>;
  /** Bytes start..end inclusive. */
  read(file: StoredFile, start: number, end: number): AsyncIterable<Buffer>;
  /** The first bytes (at most 16), to tell an image from anything else. */
  head(file: StoredFile): Promise<Buffer>;
  /**
   * A copy for another attachment row; its key (null in PostgreSQL). `db` is the
   * caller's transaction when the new row is not committed yet.
   */
  copy(file: StoredFile, toAttachmentId: number, db?: Db | Tx): Promise<string | null>;
  /** Objects whose rows are gone (an object store cleans up after its rows). */
  remove(keys: readonly string[]): Promise<void>;
}

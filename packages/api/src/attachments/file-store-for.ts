import type { ApiConfig } from '../config.js';
import type { Db } from '../store/db.js';
import type { FileStore } from './file-store.js';
import { PgFileStore } from './pg-file-store.js';
import { S3FileStore } from './s3-file-store.js';

/** The store ATTACHMENT_STORE names: PostgreSQL chunk rows (default) or an S3-compatible bucket. */
export function fileStoreFor(config: ApiConfig, db: Db): FileStore {
  if (config.attachmentStore === 's3' && config.s3) return new S3FileStore(config.s3);
  return new PgFileStore(db);
}

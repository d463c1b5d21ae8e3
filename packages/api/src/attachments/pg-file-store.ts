import { sql } from 'kysely';
import type { Tx } from '../store/board-write.js';
import type { Db } from '../store/db.js';
import { CHUNK_SIZE, readChunks, writeChunks } from './chunk-store.js';
import type { FileStore, StoredFile, WriteOptions, Written } from './file-store.js';

/** Files as chunk rows in PostgreSQL (the default): see chunk-store.ts. */
export class PgFileStore implements FileStore {
  readonly kind = 'pg' as const;
  readonly chunkSize = CHUNK_SIZE;

  constructor(private readonly db: Db) {}

  async write(id: number, body: AsyncIterable<Buffer>, options: WriteOptions): Promise<Written> {
    const written = await writeChunks(this.db, id, body, options);
    return { ...written, key: null };
  }

  read(file: StoredFile, start: number, end: number): AsyncIterable<Buffer> {
    return readChunks(this.db, file.id, file.chunk_size, start, end);
  }

  async head(file: StoredFile): Promise<Buffer> {
    const first = await this.db
      .selectFrom('attachment_chunks')
      .select(sql<Buffer>`substring(data from 1 for 16)`.as('head'))
      .where('attachment_id', '=', file.id)
      .where('n', '=', 0)
      .executeTakeFirst();
    return first?.head ?? Buffer.alloc(0);
  }

  /** Chunk rows to chunk rows, inside the database (nothing through this process). */
  async copy(file: StoredFile, toId: number, db: Db | Tx = this.db): Promise<null> {
    await sql`INSERT INTO attachment_chunks (attachment_id, n, data)
      SELECT ${toId}, n, data FROM attachment_chunks WHERE attachment_id = ${file.id}`.execute(db);
    return null;
  }

  async remove(): Promise<void> {
    // Chunk rows go with their attachment row (ON DELETE CASCADE).
  }
}

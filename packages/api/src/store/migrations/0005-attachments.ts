import { type Kysely, sql } from 'kysely';

/**
 * Files on cards. Content lives in PostgreSQL by default, as fixed-size
 * chunks in a table of their own (not large objects): every instance serves
 * every file, `switchboard backup` copies them like any row, and a file is
 * written and read a chunk at a time, never whole in memory. An attachment
 * is `complete` once its last chunk is in and its board write has run; an
 * upload that dies leaves an incomplete row that the janitor removes.
 * A card's cover is a plain id (no foreign key: attachments already refer
 * to tasks, and backups copy tables in foreign-key order).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE attachments (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
      name text NOT NULL,
      content_type text NOT NULL,
      size bigint NOT NULL DEFAULT 0,
      sha256 text,
      -- Where the bytes are: 'pg' (attachment_chunks) or 's3' (storage_key in the bucket).
      storage text NOT NULL DEFAULT 'pg',
      storage_key text,
      chunk_size integer NOT NULL,
      width integer,
      height integer,
      thumbnail bytea,
      complete boolean NOT NULL DEFAULT false,
      uploaded_by bigint REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX attachments_task ON attachments (task_id, id);
    CREATE INDEX attachments_board ON attachments (board_id) WHERE complete;
    CREATE INDEX attachments_incomplete ON attachments (created_at) WHERE NOT complete;
    CREATE TABLE attachment_chunks (
      attachment_id bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
      n integer NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (attachment_id, n)
    );
    -- Chunks are already compressed or not worth compressing again in TOAST.
    ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
    -- Objects in an S3-compatible store whose rows are gone (a file deleted, a card
    -- purged, a board deleted): the sweeper removes them from the bucket.
    CREATE TABLE file_deletions (
      storage_key text PRIMARY KEY,
      deleted_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE FUNCTION attachments_forget_object() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF OLD.storage_key IS NOT NULL THEN
        INSERT INTO file_deletions (storage_key) VALUES (OLD.storage_key) ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER attachments_forget_object AFTER DELETE ON attachments
      FOR EACH ROW EXECUTE FUNCTION attachments_forget_object();
    ALTER TABLE tasks
      ADD COLUMN attachment_count integer NOT NULL DEFAULT 0,
      ADD COLUMN cover_attachment_id bigint,
      -- Someone removed the cover: a new image does not become one by itself.
      ADD COLUMN cover_removed boolean NOT NULL DEFAULT false;
  `.execute(db);
}

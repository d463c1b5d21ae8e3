import { type Kysely, sql } from 'kysely';

/**
 * The outbox relay's bookkeeping (BUS=nats|redis). One relay per bus holds a
 * PostgreSQL advisory lock; relay_leases records who holds it, and
 * relay_cursors how far each board's log has been published to that bus.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE relay_leases (
      -- The bus and its namespace, e.g. 'nats:' or 'redis:t1a2'.
      bus text PRIMARY KEY,
      holder text NOT NULL,
      acquired_at timestamptz NOT NULL DEFAULT now(),
      renewed_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE relay_cursors (
      bus text NOT NULL,
      board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
      -- Every event of the board with seq <= published_seq is on the bus.
      published_seq bigint NOT NULL,
      PRIMARY KEY (bus, board_id)
    );
  `.execute(db);
}

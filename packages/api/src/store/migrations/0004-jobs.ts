import { type Kysely, sql } from 'kysely';

/**
 * The shared job table: work that must happen once at a time, whatever the
 * number of API instances (trash purges now; reminders, webhooks later).
 * Runners claim due jobs with FOR UPDATE SKIP LOCKED and finish them in the
 * same transaction as the work, so a job's effects commit exactly once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE jobs (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL,
      run_at timestamptz NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      -- At most one pending job per (kind, dedupe_key).
      dedupe_key text,
      -- pending → (deleted when done) | failed (attempts used up; kept for a look).
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 10,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'pending';
    CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (kind, dedupe_key)
      WHERE state = 'pending' AND dedupe_key IS NOT NULL;
  `.execute(db);
}

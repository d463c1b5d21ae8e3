import { type Kysely, sql } from 'kysely';

/**
 * A board's background, on its row: null (none), a named colour or gradient,
 * or an Unsplash photo with the details the server fetched when it was chosen
 * (URLs, dominant colour, attribution), as core's boardBackgroundSchema says.
 * One jsonb value because it is always read and replaced whole.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE boards ADD COLUMN background jsonb
      CHECK (background IS NULL OR background->>'kind' IN ('color', 'gradient', 'unsplash'));
  `.execute(db);
}

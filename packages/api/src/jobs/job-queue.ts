import { sql } from 'kysely';
import type { Tx } from '../store/board-write.js';
import type { Db } from '../store/db.js';

/**
 * Scheduling work in the shared job table (see job-runner.ts). Enqueue inside
 * the transaction that makes the job necessary, so the two commit together.
 */
export interface JobSpec {
  kind: string;
  runAt: Date;
  payload?: unknown;
  /**
   * At most one pending job per (kind, dedupeKey): enqueueing again replaces
   * its time and payload instead of adding a second job. Replacing writes the
   * pending row, which a runner holds while it works on that job: do not
   * enqueue with a key while holding a lock the job's handler takes.
   */
  dedupeKey?: string;
  /** Attempts before the job is left as failed (default 10). */
  maxAttempts?: number;
}

export async function enqueueJob(db: Db | Tx, spec: JobSpec): Promise<number> {
  const { rows } = await enqueueJobQuery(spec).execute(db);
  return rows[0]!.id;
}

/** enqueueJob's statement, for a write that sends it with others (WriteContext.defer). */
export function enqueueJobQuery(spec: JobSpec) {
  return sql<{ id: number }>`
    INSERT INTO jobs (kind, run_at, payload, dedupe_key, max_attempts)
    VALUES (${spec.kind}, ${spec.runAt}, ${JSON.stringify(spec.payload ?? {})}::jsonb,
      ${spec.dedupeKey ?? null}, ${spec.maxAttempts ?? 10})
    ON CONFLICT (kind, dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL
    DO UPDATE SET run_at = EXCLUDED.run_at, payload = EXCLUDED.payload, attempts = 0,
      last_error = NULL, updated_at = now()
    RETURNING id`;
}

/** Drops the pending job of that kind and key, if any (e.g. a restored card's purge). */
export async function cancelJob(db: Db | Tx, kind: string, dedupeKey: string): Promise<boolean> {
  const result = await db
    .deleteFrom('jobs')
    .where('kind', '=', kind)
    .where('dedupe_key', '=', dedupeKey)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

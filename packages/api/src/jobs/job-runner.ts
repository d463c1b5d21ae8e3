import type { BoardEvent } from '@switchboard/core';
import { sql } from 'kysely';
import type { Tx } from '../store/board-write.js';
import type { Db } from '../store/db.js';
import { isConnectionError } from '../store/unreachable.js';

/**
 * Runs due jobs from the shared job table, in every API instance at once.
 *
 * Invariant: a job's work and its removal from the table commit in one
 * transaction, on the row the runner locked with FOR UPDATE SKIP LOCKED. So
 * however many runners poll, each due job is worked on by one of them at a
 * time, and its effects commit exactly once: a runner that dies mid-job rolls
 * back with it, leaving the job pending for the next. Jobs are rows, so they
 * survive restarts, and a runner that starts after downtime runs what fell
 * due meanwhile. Handlers must do their work through the transaction given.
 */
export interface Job {
  id: number;
  kind: string;
  run_at: Date;
  payload: unknown;
  /** Failed attempts so far. */
  attempts: number;
  max_attempts: number;
}

export interface JobContext {
  tx: Tx;
  job: Job;
  /** Board events the job's writes appended; handed to onCommitted after the commit. */
  committed(events: readonly BoardEvent[]): void;
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  db: Db;
  /** kind → handler. A runner only claims the kinds it has a handler for. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** How long to sleep when nothing is due (jittered ±25%). */
  pollMs: number;
  /** Delay before retrying after the n-th failure (default: 1 s doubling, at most 1 h). */
  retryDelayMs?: (attempts: number) => number;
  onCommitted?: (events: readonly BoardEvent[]) => void;
  /** Told of failures (a handler error; an unreachable database when onUnreachable is not given). */
  onError?: (err: unknown, job?: Job) => void;
  /**
   * Told once when the database becomes unreachable (down, restarting, starting
   * up), not on every poll: an outage is an expected state, not a job failure.
   */
  onUnreachable?: (err: unknown) => void;
  /** Told once when the database answers again after onUnreachable. */
  onReachable?: () => void;
}

export function defaultRetryDelayMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

type Outcome = { job: Job; ok: true; events: BoardEvent[] } | { job: Job; ok: false };

export class JobRunner {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly kinds: string[];
  private unreachable = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.kinds = Object.keys(options.handlers);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops polling and waits for the job in hand, if any. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Runs due jobs one by one until none is due or `max` ran; resolves with how many ran. */
  async runDue(max = 100): Promise<number> {
    let ran = 0;
    while (ran < max) {
      const outcome = await this.runOne();
      if (!outcome) break;
      ran++;
      if (outcome.ok && outcome.events.length > 0) this.options.onCommitted?.(outcome.events);
    }
    return ran;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let ran = 0;
      try {
        ran = await this.runDue();
        if (this.unreachable) {
          this.unreachable = false;
          this.options.onReachable?.();
        }
      } catch (err) {
        // Database unreachable: try again after a pause, never crash the instance.
        if (isConnectionError(err) && this.options.onUnreachable) {
          if (!this.unreachable) this.options.onUnreachable(err);
          this.unreachable = true;
        } else {
          this.options.onError?.(err);
        }
      }
      if (this.running && ran === 0) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    const ms = this.options.pollMs * (0.75 + Math.random() * 0.5);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async runOne(): Promise<Outcome | null> {
    if (this.kinds.length === 0) return null;
    const outcome = await this.options.db.transaction().execute(async (tx) => {
      const { rows } = await sql<Job>`
        SELECT id, kind, run_at, payload, attempts, max_attempts FROM jobs
        WHERE state = 'pending' AND run_at <= now() AND kind = ANY(${this.kinds}::text[])
        ORDER BY run_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED`.execute(tx);
      const job = rows[0];
      if (!job) return null;
      const events: BoardEvent[] = [];
      await sql`SAVEPOINT job`.execute(tx);
      try {
        await this.options.handlers[job.kind]!({
          tx,
          job,
          committed: (e) => events.push(...e),
        });
        await sql`RELEASE SAVEPOINT job`.execute(tx);
        await tx.deleteFrom('jobs').where('id', '=', job.id).execute();
        return { job, ok: true as const, events };
      } catch (err) {
        if (isConnectionError(err)) throw err;
        await sql`ROLLBACK TO SAVEPOINT job`.execute(tx);
        const attempts = job.attempts + 1;
        const delay = (this.options.retryDelayMs ?? defaultRetryDelayMs)(attempts);
        await tx
          .updateTable('jobs')
          .set({
            attempts,
            state: attempts >= job.max_attempts ? 'failed' : 'pending',
            last_error: (err instanceof Error ? err.message : String(err)).slice(0, 2000),
            run_at: sql`now() + ${`${Math.max(0, Math.round(delay))} milliseconds`}::interval`,
            updated_at: sql`now()`,
          })
          .where('id', '=', job.id)
          .execute();
        this.options.onError?.(err, job);
        return { job, ok: false as const };
      }
    });
    return outcome;
  }
}

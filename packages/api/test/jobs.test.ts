import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { cancelJob, enqueueJob } from '../src/jobs/job-queue.js';
import { type JobHandler, JobRunner } from '../src/jobs/job-runner.js';
import { type DatabaseHandle, openDatabase } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';

/**
 * The shared scheduler on a real PostgreSQL: several runners (each with a
 * pool of its own, as separate API instances would have) on one job table.
 */
let testDb: TestDatabase;
const handles: DatabaseHandle[] = [];
const open = (size = 4) => {
  const handle = openDatabase(testDb.url, size);
  handles.push(handle);
  return handle.db;
};

beforeAll(async () => {
  testDb = await createTestDatabase('jobs');
  const db = open();
  await migrateToLatest(db);
  await sql`CREATE TABLE job_effects (job_id bigint NOT NULL, runner int NOT NULL)`.execute(db);
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await testDb?.drop();
});

/** Records that a job's work happened, in the job's transaction, after a short random pause. */
const recordEffect =
  (runner: number): JobHandler =>
  async ({ tx, job }) => {
    await sql`SELECT pg_sleep(${Math.random() * 0.005})`.execute(tx);
    await sql`INSERT INTO job_effects (job_id, runner) VALUES (${job.id}, ${runner})`.execute(tx);
  };

async function reset(db = open()) {
  await sql`TRUNCATE jobs, job_effects`.execute(db);
}

async function waitFor(check: () => Promise<boolean>, ms = 15_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('job runner', () => {
  it('four runners on one table run each of 200 due jobs exactly once', async () => {
    const db = open();
    await reset(db);
    const ids: number[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push(await enqueueJob(db, { kind: 'test.effect', runAt: new Date(Date.now() - 1000) }));
    }
    const runners = [1, 2, 3, 4].map(
      (n) =>
        new JobRunner({ db: open(3), handlers: { 'test.effect': recordEffect(n) }, pollMs: 20 }),
    );
    runners.forEach((r) => r.start());
    try {
      await waitFor(
        async () =>
          (await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(db)).rows[0]!.n ===
          0,
      );
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    const { rows } = await sql<{ job_id: number; times: number }>`
      SELECT job_id, count(*)::int AS times FROM job_effects GROUP BY job_id`.execute(db);
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.times === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.job_id))).toEqual(new Set(ids));
    const byRunner = await sql<{ runner: number }>`SELECT DISTINCT runner FROM job_effects`.execute(
      db,
    );
    expect(byRunner.rows.length).toBeGreaterThan(1);
  });

  it('runs only what is due, and catches up on what fell due while no runner ran', async () => {
    const db = open();
    await reset(db);
    await enqueueJob(db, { kind: 'test.effect', runAt: new Date(Date.now() - 86_400_000) });
    await enqueueJob(db, { kind: 'test.effect', runAt: new Date(Date.now() - 1) });
    await enqueueJob(db, { kind: 'test.effect', runAt: new Date(Date.now() + 3_600_000) });
    await enqueueJob(db, { kind: 'test.other', runAt: new Date(Date.now() - 1) });
    const runner = new JobRunner({
      db,
      handlers: { 'test.effect': recordEffect(1) },
      pollMs: 1000,
    });
    expect(await runner.runDue()).toBe(2);
    const left = await sql<{ kind: string }>`SELECT kind FROM jobs ORDER BY run_at`.execute(db);
    // The future job waits; a kind this runner has no handler for is left to one that has.
    expect(left.rows.map((r) => r.kind).sort()).toEqual(['test.effect', 'test.other']);
  });

  it('retries a failing job with back-off and leaves it failed after its last attempt', async () => {
    const db = open();
    await reset(db);
    const id = await enqueueJob(db, {
      kind: 'test.flaky',
      runAt: new Date(Date.now() - 1),
      maxAttempts: 3,
    });
    let calls = 0;
    const delays: number[] = [];
    const runner = new JobRunner({
      db,
      pollMs: 1000,
      retryDelayMs: (attempts) => {
        delays.push(attempts);
        return 0;
      },
      handlers: {
        'test.flaky': async ({ tx, job }) => {
          calls++;
          // Work done before the failure is rolled back with it.
          await sql`INSERT INTO job_effects (job_id, runner) VALUES (${job.id}, 9)`.execute(tx);
          throw new Error(`boom ${calls}`);
        },
      },
    });
    for (let i = 0; i < 5; i++) await runner.runDue();
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2, 3]);
    const job = await db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ state: 'failed', attempts: 3, last_error: 'boom 3' });
    const effects = await sql<{ n: number }>`SELECT count(*)::int AS n FROM job_effects`.execute(
      db,
    );
    expect(effects.rows[0]!.n).toBe(0);
  });

  it('waits the back-off before a retry', async () => {
    const db = open();
    await reset(db);
    const id = await enqueueJob(db, { kind: 'test.flaky', runAt: new Date(Date.now() - 1) });
    const runner = new JobRunner({
      db,
      pollMs: 1000,
      handlers: {
        'test.flaky': async () => {
          throw new Error('down');
        },
      },
    });
    expect(await runner.runDue()).toBe(1);
    expect(await runner.runDue()).toBe(0);
    const { rows } = await sql<{ wait: number }>`
      SELECT extract(epoch FROM run_at - now()) AS wait FROM jobs WHERE id = ${id}`.execute(db);
    expect(Number(rows[0]!.wait)).toBeGreaterThan(0.5);
  });

  it('keeps one pending job per dedupe key (the latest time wins) and cancels by key', async () => {
    const db = open();
    await reset(db);
    const later = new Date(Date.now() + 60_000);
    const a = await enqueueJob(db, { kind: 'test.effect', runAt: new Date(), dedupeKey: 'k' });
    const b = await enqueueJob(db, {
      kind: 'test.effect',
      runAt: later,
      dedupeKey: 'k',
      payload: { v: 2 },
    });
    expect(b).toBe(a);
    const rows = await db.selectFrom('jobs').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toEqual({ v: 2 });
    expect(rows[0]!.run_at.getTime()).toBe(later.getTime());
    expect(await cancelJob(db, 'test.effect', 'k')).toBe(true);
    expect(await cancelJob(db, 'test.effect', 'k')).toBe(false);
  });

  it('a runner that dies mid-job leaves it to another, and its work counts once', async () => {
    const db = open();
    await reset(db);
    const id = await enqueueJob(db, { kind: 'test.slow', runAt: new Date(Date.now() - 1) });
    const dying = open(2);
    let started!: () => void;
    const inJob = new Promise<void>((resolve) => (started = resolve));
    const first = new JobRunner({
      db: dying,
      pollMs: 1000,
      handlers: {
        'test.slow': async ({ tx, job }) => {
          await sql`INSERT INTO job_effects (job_id, runner) VALUES (${job.id}, 1)`.execute(tx);
          started();
          await sql`SELECT pg_sleep(30)`.execute(tx);
        },
      },
    });
    const crashed = first.runDue().catch((err: unknown) => err);
    await inJob;
    // While it holds the job, another runner does not take it.
    const second = new JobRunner({ db, pollMs: 1000, handlers: { 'test.slow': recordEffect(2) } });
    expect(await second.runDue()).toBe(0);
    // The instance dies: its connection goes, and its transaction with it.
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`.execute(db);
    expect(await crashed).toBeInstanceOf(Error);
    expect(await second.runDue()).toBe(1);
    const { rows } = await sql<{ job_id: number; runner: number }>`
      SELECT job_id, runner FROM job_effects`.execute(db);
    expect(rows).toEqual([{ job_id: id, runner: 2 }]);
  });

  it('keeps polling through a failing database and stops cleanly', async () => {
    const broken = openDatabase('postgres://postgres@127.0.0.1:1/none', 1);
    handles.push(broken);
    const errors: unknown[] = [];
    const runner = new JobRunner({
      db: broken.db,
      pollMs: 10,
      handlers: { 'test.effect': recordEffect(1) },
      onError: (err) => errors.push(err),
    });
    runner.start();
    await waitFor(async () => errors.length >= 2);
    await runner.stop();
  });

  it('an unreachable database is told once, not as a job failure on every poll, and its return once', async () => {
    // A server that accepts connections and answers every startup like a
    // PostgreSQL still starting up (57P03), until it is told to forward to the real one.
    const { createServer, connect } = await import('node:net');
    let up = false;
    const target = new URL(testDb.url);
    const server = createServer((socket) => {
      if (up) {
        const real = connect(Number(target.port || 5432), target.hostname);
        socket.pipe(real).pipe(socket);
        real.on('error', () => socket.destroy());
        socket.on('error', () => real.destroy());
        return;
      }
      socket.once('data', () => {
        const fields = Buffer.from('SFATAL\0C57P03\0Mthe database system is starting up\0\0');
        const header = Buffer.alloc(5);
        header.write('E', 0);
        header.writeInt32BE(fields.length + 4, 1);
        socket.end(Buffer.concat([header, fields]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(testDb.url);
    url.hostname = '127.0.0.1';
    url.port = String((server.address() as { port: number }).port);
    const handle = openDatabase(url.toString(), 2);
    handles.push(handle);
    const told: string[] = [];
    const runner = new JobRunner({
      db: handle.db,
      handlers: { 'test.effect': recordEffect(9) },
      pollMs: 20,
      onError: (err) => told.push(`error ${(err as Error).message}`),
      onUnreachable: (err) => told.push(`unreachable ${(err as Error).message}`),
      onReachable: () => told.push('reachable'),
    });
    runner.start();
    try {
      await waitFor(async () => told.length > 0);
      await new Promise((r) => setTimeout(r, 300)); // a dozen more polls
      expect(told).toEqual(['unreachable the database system is starting up']);
      up = true;
      await waitFor(async () => told.length > 1);
      expect(told).toEqual(['unreachable the database system is starting up', 'reachable']);
    } finally {
      await runner.stop();
      server.close();
    }
  });
});

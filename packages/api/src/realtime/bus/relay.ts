import { seedTaskEvent } from '@switchboard/core';
import { type Generated, type Kysely, sql } from 'kysely';
import pg from 'pg';
import { eventsChannel } from '../../store/board-write.js';
import type { Db } from '../../store/db.js';
import type { Database } from '../../store/schema.js';
import type { EventPublisher } from './bus.js';
import { logPublished, type RealtimeLog } from '../log.js';
import type { RealtimeOptions } from '../options.js';
import type { PgListener } from './pg-listener.js';
import { readWireLog } from './wire-log.js';

// The relay's own tables (migration 0002), kept out of the store's schema.
type RelayTables = {
  relay_leases: {
    bus: string;
    holder: string;
    acquired_at: Generated<Date>;
    renewed_at: Generated<Date>;
  };
  relay_cursors: { bus: string; board_id: number; published_seq: number };
};

export interface RelayParams {
  db: Db;
  databaseUrl: string;
  publisher: EventPublisher;
  listener: PgListener;
  options: RealtimeOptions['relay'];
  node: string;
  log: RealtimeLog;
}

/**
 * The outbox relay for BUS=nats|redis: moves committed events from
 * board_events to the bus. Every instance runs one; only the holder of a
 * PostgreSQL advisory lock (taken on a connection of its own, so a crashed
 * holder's lock goes with its connection) publishes, so two relays never
 * publish a range at the same time. Per board, relay_cursors records the last
 * seq on the bus; seqs commit in order under the board lock, so "log seq >
 * cursor" never skips an event. It wakes on the commit NOTIFY and also polls,
 * so it catches up after the bus or itself was down.
 */
export class Relay {
  private lockClient: pg.Client | undefined;
  private leader = false;
  private acquiring = false;
  private closed = false;
  private readonly db: Kysely<Database & RelayTables>;
  private readonly cursors = new Map<number, number>();
  private readonly dirty = new Map<number, number>();
  private draining = false;
  private drainAgain = false;
  private timers: NodeJS.Timeout[] = [];
  private failures = 0;

  constructor(private readonly p: RelayParams) {
    this.db = p.db.withTables<RelayTables>();
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.p.listener.listen(eventsChannel, (payload) => {
      const match = /^(\d{1,15}):(\d{1,15})$/.exec(payload);
      if (match) this.markDirty(Number(match[1]), Number(match[2]));
    });
    this.p.listener.onReconnect(() => void this.scan());
    const retry = setInterval(() => void this.tryAcquire(), this.p.options.lockRetryMs);
    const poll = setInterval(() => void this.scan(), this.p.options.pollMs);
    retry.unref();
    poll.unref();
    this.timers.push(retry, poll);
    void this.tryAcquire();
  }

  async stop(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.leader = false;
    const client = this.lockClient;
    this.lockClient = undefined;
    // Ending the session releases the lock; another instance takes over.
    await client?.end().catch(() => {});
  }

  /** Asks for the lock on the relay's own connection (kept open, so retries cost no new connection). */
  private async tryAcquire(): Promise<void> {
    if (this.leader || this.closed || this.acquiring) return;
    this.acquiring = true;
    let client = this.lockClient;
    try {
      if (!client) {
        const fresh = new pg.Client({
          connectionString: this.p.databaseUrl,
          application_name: `switchboard-relay-${this.p.node}`.slice(0, 63),
          keepAlive: true,
          connectionTimeoutMillis: 5_000,
        });
        client = fresh;
        this.lockClient = fresh;
        fresh.on('error', (err) => this.lostLock(fresh, err));
        fresh.on('end', () => this.lostLock(fresh, new Error('connection ended')));
        await fresh.connect();
      }
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [`switchboard-relay:${this.p.publisher.key}`],
      );
      if (!rows[0]?.ok || this.closed) return;
      await this.becomeLeader();
      this.leader = true;
      this.p.log.info(`relay: leading for ${this.p.publisher.key}`);
      await this.scan();
    } catch (err) {
      if (client) this.lostLock(client, err);
    } finally {
      this.acquiring = false;
    }
  }

  private async becomeLeader(): Promise<void> {
    const bus = this.p.publisher.key;
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('relay_leases')
        .values({ bus, holder: this.p.node })
        .onConflict((oc) =>
          oc.column('bus').doUpdateSet({
            holder: this.p.node,
            acquired_at: sql`now()`,
            renewed_at: sql`now()`,
          }),
        )
        .returning(sql<boolean>`xmax = 0`.as('inserted'))
        .executeTakeFirstOrThrow();
      if (row.inserted) {
        // First relay ever on this bus: start from the boards' current heads
        // (instances read history from the log; the bus is for what comes next).
        await sql`
          INSERT INTO relay_cursors (bus, board_id, published_seq)
          SELECT ${bus}, id, seq FROM boards
          ON CONFLICT DO NOTHING`.execute(tx);
      }
    });
    this.cursors.clear();
    const rows = await this.db
      .selectFrom('relay_cursors')
      .select(['board_id', 'published_seq'])
      .where('bus', '=', bus)
      .execute();
    for (const row of rows) this.cursors.set(row.board_id, row.published_seq);
  }

  private lostLock(client: pg.Client, err: unknown): void {
    if (this.lockClient !== client) return;
    this.lockClient = undefined;
    if (this.leader) {
      this.p.log.warn(`relay: lost the lock for ${this.p.publisher.key}`, err);
    }
    this.leader = false;
    this.cursors.clear();
    client.end().catch(() => {});
  }

  private markDirty(boardId: number, seq: number): void {
    this.dirty.set(boardId, Math.max(seq, this.dirty.get(boardId) ?? 0));
    if (this.leader) void this.drain();
  }

  /** Finds every board whose log is ahead of its cursor (start-up, reconnection, poll). */
  private async scan(): Promise<void> {
    if (!this.leader || this.closed) return;
    try {
      const bus = this.p.publisher.key;
      const { rows } = await sql<{ id: number; seq: number; published: number }>`
        SELECT b.id, b.seq, coalesce(c.published_seq, 0) AS published
        FROM boards b LEFT JOIN relay_cursors c ON c.board_id = b.id AND c.bus = ${bus}
        WHERE b.seq > coalesce(c.published_seq, 0)`.execute(this.db);
      for (const row of rows) {
        this.cursors.set(row.id, Math.max(row.published, this.cursors.get(row.id) ?? 0));
        this.markDirty(row.id, row.seq);
      }
      await this.db
        .updateTable('relay_leases')
        .set({ renewed_at: sql`now()` })
        .where('bus', '=', bus)
        .where('holder', '=', this.p.node)
        .execute();
    } catch (err) {
      this.p.log.warn('relay: scanning for unpublished events failed', err);
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        const work = [...this.dirty];
        this.dirty.clear();
        // A few boards at a time; each board strictly in order.
        for (let i = 0; i < work.length && this.leader; i += 16) {
          await Promise.all(work.slice(i, i + 16).map(([id, seq]) => this.publishBoard(id, seq)));
        }
      } while (this.drainAgain && this.leader && !this.closed);
    } finally {
      this.draining = false;
    }
  }

  private async publishBoard(boardId: number, target: number): Promise<void> {
    try {
      let cursor = this.cursors.get(boardId) ?? (await this.loadCursor(boardId));
      while (cursor < target && this.leader) {
        const events = await readWireLog(this.p.db, boardId, cursor, this.p.options.batch);
        const last = events.at(-1);
        if (!last) break;
        await this.p.publisher.publish(boardId, events);
        if (this.p.log.enabled('info')) {
          for (const wire of events) {
            const seed = seedTaskEvent(wire.event);
            if (seed) logPublished(this.p.log, seed, this.p.publisher.key);
          }
        }
        await this.db
          .insertInto('relay_cursors')
          .values({ bus: this.p.publisher.key, board_id: boardId, published_seq: last.event.seq })
          .onConflict((oc) =>
            oc.columns(['bus', 'board_id']).doUpdateSet({
              published_seq: sql`GREATEST(relay_cursors.published_seq, excluded.published_seq)`,
            }),
          )
          .execute();
        cursor = last.event.seq;
        this.cursors.set(boardId, cursor);
      }
      this.failures = 0;
    } catch (err) {
      // The bus (or the database) is down: keep the board for the next round.
      this.dirty.set(boardId, Math.max(target, this.dirty.get(boardId) ?? 0));
      this.failures += 1;
      if (this.failures === 1 || this.failures % 50 === 0) {
        this.p.log.warn(`relay: publishing board ${boardId} failed (will retry)`, err);
      }
    }
  }

  private async loadCursor(boardId: number): Promise<number> {
    const row = await this.db
      .selectFrom('relay_cursors')
      .select('published_seq')
      .where('bus', '=', this.p.publisher.key)
      .where('board_id', '=', boardId)
      .executeTakeFirst();
    const cursor = row?.published_seq ?? 0;
    this.cursors.set(boardId, cursor);
    return cursor;
  }
}

import { eventsChannel } from '../../store/board-write.js';
import type { Db } from '../../store/db.js';
import { sql } from 'kysely';
import type { Bus, BusSink } from './bus.js';
import type { BusNames } from './bus-names.js';
import type { PgListener } from './pg-listener.js';
import { parsePresence, type PresenceAnnouncement } from './presence-wire.js';

/**
 * BUS=pg, the default: no server beyond PostgreSQL. Every commit NOTIFYs
 * "board:seq" on sb_board_events; each instance LISTENs and reads the new
 * events from the log (one read per board per wake-up, shared by all its
 * watchers). Presence heartbeats travel as NOTIFYs on their own channel; no
 * table is written. NOTIFYs sent while the LISTEN connection is down are lost,
 * so a reconnection triggers a catch-up from the log.
 */
export class PgBus implements Bus {
  readonly kind = 'pg' as const;
  readonly publisher = undefined;
  // NOTIFY payloads must stay under 8000 bytes.
  readonly maxPresenceBytes = 7_500;

  constructor(
    private readonly db: Db,
    private readonly listener: PgListener,
    private readonly names: BusNames,
    private readonly warn: (message: string, err?: unknown) => void,
  ) {}

  async start(sink: BusSink): Promise<void> {
    this.listener.listen(eventsChannel, (payload) => {
      const match = /^(\d{1,15}):(\d{1,15})$/.exec(payload);
      if (match) sink.onBoard({ boardId: Number(match[1]), seq: Number(match[2]) });
    });
    this.listener.listen(this.names.pgPresence, (payload) => {
      const message = parsePresence(payload);
      if (message) sink.onPresence(message);
    });
    this.listener.onReconnect(() => sink.onResync('PostgreSQL LISTEN connection re-established'));
  }

  publishPresence(message: PresenceAnnouncement): void {
    sql`SELECT pg_notify(${this.names.pgPresence}, ${JSON.stringify(message)})`
      .execute(this.db)
      .catch((err: unknown) => this.warn('presence NOTIFY failed', err));
  }

  health(): string {
    return this.listener.health();
  }

  async close(): Promise<void> {
    // The listener is shared with the relay and closed by its owner.
  }
}

import { Redis } from 'ioredis';
import type { Bus, BusSink, EventPublisher, WireEvent } from './bus.js';
import type { BusNames } from './bus-names.js';
import { parseWireEvent } from './event-decode.js';
import type { RealtimeOptions } from '../options.js';
import { parsePresence, type PresenceAnnouncement } from './presence-wire.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * BUS=redis: one Redis Stream per board, sb:board:<id>, with entry
 * id "<seq>-0" — explicit ids make XADD idempotent (Redis refuses an id not
 * above the stream's last), and "1-0" is valid, so seq 1 works. Streams are
 * trimmed with MAXLEN ~. After the XADDs the relay PUBLISHes
 * "board:first:last" on sb:events; each instance XRANGEs the announced range
 * for the boards it watches. Presence uses pub/sub on sb:presence.
 */
export class RedisBus implements Bus, EventPublisher {
  readonly kind = 'redis' as const;
  readonly maxPresenceBytes = 512 * 1024;
  readonly key: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private sink: BusSink | undefined;
  private subReadyBefore = false;
  private lastError = 'connecting';

  constructor(
    url: string,
    private readonly names: BusNames,
    node: string,
    private readonly options: RealtimeOptions['redis'],
    private readonly warn: (message: string, err?: unknown) => void,
    prefix: string,
  ) {
    this.key = `redis:${prefix}`;
    const common = {
      lazyConnect: true,
      connectionName: `switchboard-${node}`,
      connectTimeout: 2_000,
      retryStrategy: (times: number) => Math.min(100 * times, 1_000),
    };
    // Commands fail fast while disconnected: the relay retries from its cursor.
    this.cmd = new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.sub = new Redis(url, { ...common, maxRetriesPerRequest: null });
    for (const client of [this.cmd, this.sub]) {
      client.on('error', (err: Error) => {
        this.lastError = err.message;
      });
    }
  }

  get publisher(): EventPublisher {
    return this;
  }

  async start(sink: BusSink): Promise<void> {
    this.sink = sink;
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.names.redisEvents) this.onNotice(message);
      else if (channel === this.names.redisPresence) {
        const parsed = parsePresence(message);
        if (parsed) sink.onPresence(parsed);
      }
    });
    this.sub.on('ready', () => {
      // Notices published while we were away are gone; the log has the events.
      if (this.subReadyBefore) sink.onResync('Redis reconnected');
      this.subReadyBefore = true;
    });
    const connecting = Promise.all([this.cmd.connect(), this.sub.connect()]).catch(
      (err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.warn('Redis not reachable yet; retrying in the background', err);
      },
    );
    // Queued until connected (the subscriber keeps an offline queue) and renewed on every reconnection.
    this.sub.subscribe(this.names.redisEvents, this.names.redisPresence).catch((err: unknown) => {
      this.warn('Redis SUBSCRIBE failed', err);
    });
    await Promise.race([connecting, sleep(5_000)]);
  }

  async publish(boardId: number, events: readonly WireEvent[]): Promise<void> {
    const first = events[0];
    const last = events.at(-1);
    if (!first || !last) return;
    const key = this.names.redisStream(boardId);
    const pipeline = this.cmd.pipeline();
    for (const wire of events) {
      pipeline.xadd(
        key,
        'MAXLEN',
        '~',
        String(this.options.maxLen),
        `${wire.event.seq}-0`,
        'e',
        wire.json,
      );
    }
    pipeline.publish(this.names.redisEvents, `${boardId}:${first.event.seq}:${last.event.seq}`);
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) {
      // An id the stream already has was published before (by us or an earlier relay).
      if (err && !/equal or smaller than the target stream top item/i.test(err.message)) throw err;
    }
  }

  publishPresence(message: PresenceAnnouncement): void {
    if (this.cmd.status !== 'ready') return;
    this.cmd
      .publish(this.names.redisPresence, JSON.stringify(message))
      .catch((err: unknown) => this.warn('presence publish failed', err));
  }

  health(): string {
    return this.cmd.status === 'ready' && this.sub.status === 'ready'
      ? 'ok'
      : `Redis unavailable: ${this.lastError}`;
  }

  async close(): Promise<void> {
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private onNotice(message: string): void {
    const match = /^(\d{1,15}):(\d{1,15}):(\d{1,15})$/.exec(message);
    if (!match) return;
    const boardId = Number(match[1]);
    const first = Number(match[2]);
    const last = Number(match[3]);
    const sink = this.sink;
    if (!sink?.wants(boardId)) return;
    this.cmd
      .xrange(this.names.redisStream(boardId), `${first}-0`, `${last}-0`)
      .then((entries) => {
        const events: WireEvent[] = [];
        for (const [, fields] of entries) {
          const json = fields[fields.indexOf('e') + 1];
          const wire = json === undefined ? undefined : parseWireEvent(json);
          if (wire) events.push(wire);
        }
        // Whatever the stream did not give (trimmed, unreadable), the hub reads from the log.
        sink.onBoard({ boardId, seq: last, ...(events.length > 0 ? { events } : {}) });
      })
      .catch(() => sink.onBoard({ boardId, seq: last }));
  }
}

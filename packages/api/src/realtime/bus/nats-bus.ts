import {
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { backoffDelay, seedTaskEvent } from '@switchboard/core';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Bus, BusSink, EventPublisher, WireEvent } from './bus.js';
import type { BusNames } from './bus-names.js';
import { parseWireEvent } from './event-decode.js';
import type { RealtimeOptions } from '../options.js';
import { parsePresence, type PresenceAnnouncement } from './presence-wire.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * BUS=nats: the relay publishes each event to JetStream (stream SB_BOARDS,
 * subject board.<id>, Nats-Msg-Id = event id, so a re-publish is dropped by
 * the server), and each task event also as seed 001's flat JSON on
 * tasks.created|updated|deleted (stream SB_TASKS) for integrators. Each instance reads the stream with its own ordered,
 * ephemeral consumer that starts at new messages; the client library
 * re-creates it after a reconnect from the last stream sequence it saw, and
 * the hub catches up from the log whatever the stream no longer has.
 * Presence uses core NATS pub/sub.
 */
export class NatsBus implements Bus, EventPublisher {
  readonly kind = 'nats' as const;
  readonly maxPresenceBytes = 512 * 1024;
  readonly key: string;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private messages: ConsumerMessages | undefined;
  private sink: BusSink | undefined;
  private up = false;
  private closed = false;
  private lastError = 'connecting';
  private readyResolve: (() => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly names: BusNames,
    private readonly node: string,
    private readonly options: RealtimeOptions['nats'],
    private readonly warn: (message: string, err?: unknown) => void,
    prefix: string,
  ) {
    this.key = `nats:${prefix}`;
  }

  get publisher(): EventPublisher {
    return this;
  }

  /** Connects in the background; waits up to a few seconds for the first connection. */
  async start(sink: BusSink): Promise<void> {
    this.sink = sink;
    const ready = new Promise<void>((resolve) => {
      this.readyResolve = resolve;
    });
    void this.run();
    await Promise.race([ready, sleep(5_000)]);
  }

  async publish(boardId: number, events: readonly WireEvent[]): Promise<void> {
    const js = this.js;
    if (!js || !this.up) throw new Error(`NATS is not connected: ${this.lastError}`);
    const subject = this.names.natsSubject(boardId);
    const acks: Promise<unknown>[] = [];
    // Issued in order on one connection, so the streams store them in order.
    for (const wire of events) {
      acks.push(js.publish(subject, wire.json, { msgID: wire.event.id, timeout: 2_000 }));
      // Seed 001's subject for integrators; its own stream, and a message id of
      // its own, so neither de-duplication swallows the other publication.
      const seed = seedTaskEvent(wire.event);
      if (seed) {
        acks.push(
          js.publish(this.names.natsTaskSubject(seed.type), JSON.stringify(seed), {
            msgID: `${wire.event.id}:${seed.type}`,
            timeout: 2_000,
          }),
        );
      }
    }
    await Promise.all(acks);
  }

  publishPresence(message: PresenceAnnouncement): void {
    if (!this.nc || !this.up) return;
    try {
      this.nc.publish(this.names.natsPresence, JSON.stringify(message));
    } catch (err) {
      this.warn('presence publish failed', err);
    }
  }

  health(): string {
    return this.up ? 'ok' : `NATS unavailable: ${this.lastError}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.up = false;
    await this.messages?.close().catch(() => {});
    await this.nc?.close().catch(() => {});
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed && !this.nc) {
      try {
        this.nc = await connect({
          servers: this.url,
          name: `switchboard-${this.node}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          timeout: 2_000,
          pingInterval: 5_000,
          maxPingOut: 2,
        });
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        await sleep(backoffDelay(attempt++, { baseMs: 200, maxMs: 5_000 }));
      }
    }
    const nc = this.nc;
    if (!nc || this.closed) {
      await nc?.close().catch(() => {});
      return;
    }
    void this.watchStatus(nc);
    nc.subscribe(this.names.natsPresence, {
      callback: (err, msg) => {
        if (err) return;
        const message = parsePresence(msg.string());
        if (message) this.sink?.onPresence(message);
      },
    });
    attempt = 0;
    while (!this.closed) {
      try {
        await this.ensureStream(nc);
        await this.consume(nc);
        break;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.warn('setting up the JetStream consumer failed; retrying', err);
        await sleep(backoffDelay(attempt++, { baseMs: 200, maxMs: 5_000 }));
      }
    }
    if (this.closed) return;
    this.up = true;
    this.readyResolve?.();
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await this.ensureOneStream(jsm, this.names.natsStream, this.names.natsSubjects);
    await this.ensureOneStream(jsm, this.names.natsTasksStream, this.names.natsTaskSubjects);
    this.js = jetstream(nc);
  }

  /** Creates a stream unless it exists (or another instance creates it meanwhile). */
  private async ensureOneStream(
    jsm: JetStreamManager,
    name: string,
    subjects: string,
  ): Promise<void> {
    try {
      await jsm.streams.info(name);
      return;
    } catch {
      // Not there yet.
    }
    try {
      await jsm.streams.add({
        name,
        subjects: [subjects],
        retention: RetentionPolicy.Limits,
        storage: this.options.storage === 'memory' ? StorageType.Memory : StorageType.File,
        discard: DiscardPolicy.Old,
        max_age: nanos(this.options.maxAgeMs),
        duplicate_window: nanos(this.options.duplicateWindowMs),
        num_replicas: 1,
      });
    } catch (err) {
      // Another instance created it meanwhile, or a stream of the operator's
      // already captures these subjects (then that one stores them): fine.
      const found = await jsm.streams.info(name).then(
        () => true,
        () => jsm.streams.find(subjects).then(Boolean, () => false),
      );
      if (!found) throw err;
    }
  }

  private async consume(nc: NatsConnection): Promise<void> {
    const js = this.js ?? jetstream(nc);
    const consumer = await js.consumers.get(this.names.natsStream, {
      deliver_policy: DeliverPolicy.New,
    });
    const prefix = this.names.natsSubject(0).slice(0, -1);
    this.messages = await consumer.consume({
      callback: (msg) => {
        const boardId = Number(msg.subject.slice(prefix.length));
        const wire = parseWireEvent(msg.string());
        if (!wire || wire.event.board_id !== boardId) return;
        this.sink?.onBoard({ boardId, seq: wire.event.seq, events: [wire] });
      },
    });
    void this.messages.closed().then(() => {
      if (this.closed) return;
      // The consumer ended for good (e.g. the stream was deleted): set it up again.
      this.up = false;
      this.lastError = 'JetStream consumer stopped';
      this.messages = undefined;
      void this.restartConsumer(nc);
    });
  }

  private async restartConsumer(nc: NatsConnection): Promise<void> {
    let attempt = 0;
    while (!this.closed && !nc.isClosed()) {
      try {
        await this.ensureStream(nc);
        await this.consume(nc);
        this.up = true;
        this.sink?.onResync('JetStream consumer re-created');
        return;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        await sleep(backoffDelay(attempt++, { baseMs: 200, maxMs: 5_000 }));
      }
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.closed) return;
      if (status.type === 'disconnect') {
        this.up = false;
        this.lastError = 'disconnected';
      } else if (status.type === 'reconnect') {
        this.up = this.messages !== undefined;
        this.sink?.onResync('NATS reconnected');
      }
    }
  }
}

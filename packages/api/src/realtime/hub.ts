import type { BoardEvent, PresenceViewer, User } from '@switchboard/core';
import { wsCloseCodes } from '@switchboard/core';
import type { SessionVerifier } from '../auth/sessions.js';
import type { ApiConfig } from '../config.js';
import type { Db } from '../store/db.js';
import { AllBoards } from './all-boards.js';
import { BoardChannel, type ChannelEnv } from './board-channel.js';
import type { BoardSignal, BusSink, WireEvent } from './bus.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { AccessEffect, RingEntry } from './frame-ring.js';
import { errorFrame, presenceFrame, wireEvent } from './frames.js';
import type { RealtimeOptions } from './options.js';
import { Presence } from './presence.js';
import type { PresenceAnnouncement } from './presence-wire.js';
import { Maintenance } from './maintenance.js';
import { readWireLog } from './queries.js';
import { Subscription } from './subscription.js';
import { TouchRecorder } from './touch-recorder.js';

export interface RealtimeLog {
  info(message: string): void;
  warn(message: string, err?: unknown): void;
}

export interface HubDeps {
  db: Db;
  sessions: SessionVerifier;
  anonymous: User;
  config: Pick<ApiConfig, 'authMode' | 'corsOrigins' | 'instanceId'>;
  options: RealtimeOptions;
  log: RealtimeLog;
  /** This process's id in presence announcements. */
  node: string;
  publishPresence(message: PresenceAnnouncement): void;
  maxPresenceBytes: number;
}

export interface HubStats {
  connections: number;
  channels: number;
  subscriptions: number;
  /** Board signals received (bus messages and own commits). */
  signals: number;
  /** Events that came with their signal (no log read needed). */
  eventsCarried: number;
  /** Reads of the log (hints, gaps, catch-ups). */
  logReads: number;
}

/**
 * The WebSocket hub of one instance: per-board channels and the connections
 * watching them. It is the bus's sink; it also takes this instance's own
 * commits directly, so local watchers do not wait for the bus round trip.
 */
export class Hub implements BusSink, ConnectionHost {
  readonly channels = new Map<number, BoardChannel>();
  readonly conns = new Set<Connection>();
  readonly touches = new TouchRecorder();
  readonly presence: Presence;
  readonly allBoards: AllBoards;
  readonly sendBufferBytes: number;
  readonly rate: { perSecond: number; burst: number };
  /** Deleted boards: a late bus message about one must not resurrect it. */
  private readonly deleted = new Set<number>();
  private readonly channelEnv: ChannelEnv;
  private readonly maintenance: Maintenance;
  private nextId = 1;
  private stopped = false;
  private counters = { signals: 0, eventsCarried: 0, logReads: 0 };

  constructor(readonly deps: HubDeps) {
    this.sendBufferBytes = deps.options.sendBufferBytes;
    this.rate = deps.options.rateLimit;
    this.presence = new Presence(
      deps.node,
      {
        pushToViewers: (boardId, viewers, key) => this.pushPresence(boardId, viewers, key),
        publish: (message) => deps.publishPresence(message),
        maxMessageBytes: deps.maxPresenceBytes,
      },
      deps.options.presence,
    );
    this.allBoards = new AllBoards(this);
    this.maintenance = new Maintenance(this);
    this.channelEnv = {
      readLog: (boardId, after, limit) => {
        this.counters.logReads += 1;
        return readWireLog(deps.db, boardId, after, limit);
      },
      afterDispatch: (channel, entry) => this.afterDispatch(channel, entry),
      endsSubscription: (sub, effect) => this.endsSubscription(sub, effect),
      dropSubscription: (sub) => this.dropForAccess(sub),
      limits: {
        ringSize: deps.options.ringSize,
        ringBytes: 512 * 1024,
        batch: 500,
        gapWaitMs: 50,
        maxPending: 10_000,
        sliceSize: deps.options.fanOutSlice,
      },
      warn: (message, err) => deps.log.warn(message, err),
    };
  }

  get open(): boolean {
    return !this.stopped;
  }

  start(): void {
    this.maintenance.start();
    this.presence.start();
  }

  /** Safety net under every bus: compare watched boards' heads with what was dispatched. */
  pollHeads(): Promise<void> {
    return this.maintenance.pollHeads();
  }

  stats(): HubStats {
    let subscriptions = 0;
    for (const channel of this.channels.values()) subscriptions += channel.subs.size;
    return {
      connections: this.conns.size,
      channels: this.channels.size,
      subscriptions,
      ...this.counters,
    };
  }

  // ---- bus sink ----

  onBoard(signal: BoardSignal): void {
    try {
      this.ingest(signal);
    } catch (err) {
      // Never let one bad signal break an adapter's delivery loop; the poll heals the board.
      this.deps.log.warn(`handling a signal for board ${signal.boardId} failed`, err);
    }
  }

  private ingest(signal: BoardSignal): void {
    if (this.stopped) return;
    this.counters.signals += 1;
    this.counters.eventsCarried += signal.events?.length ?? 0;
    this.touches.touch(signal.boardId, signal.seq);
    const channel = this.channels.get(signal.boardId);
    if (channel) {
      channel.signal(signal.seq, signal.events);
      return;
    }
    if (this.deleted.has(signal.boardId)) return;
    this.allBoards.unknownBoard(signal);
  }

  onResync(reason: string): void {
    this.deps.log.info(`bus resync: ${reason}`);
    void this.pollHeads();
    void this.allBoards.discoverAll();
  }

  onPresence(message: PresenceAnnouncement): void {
    this.presence.receive(message);
  }

  wants(boardId: number): boolean {
    return this.channels.has(boardId) || this.touches.active || this.allBoards.active;
  }

  /** This instance's own commits: delivered at once; the bus copy is dropped by seq later. */
  committed(events: readonly BoardEvent[]): void {
    let batch: WireEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      batch.push(wireEvent(event));
      const next = events[i + 1];
      if (!next || next.board_id !== event.board_id) {
        this.onBoard({ boardId: event.board_id, seq: event.seq, events: batch });
        batch = [];
      }
    }
  }

  // ---- channels and subscriptions ----

  /** The board's channel, created at `head` (a seq read from the database after the caller's window opened). */
  ensureChannel(boardId: number, head: number): BoardChannel {
    let channel = this.channels.get(boardId);
    if (channel) {
      if (head > channel.lastSeq) channel.signal(head);
      return channel;
    }
    channel = new BoardChannel(boardId, head, this.channelEnv);
    this.channels.set(boardId, channel);
    const heard = this.touches.maxSeq(boardId);
    if (heard !== undefined && heard > head) channel.signal(heard);
    return channel;
  }

  isDeleted(boardId: number): boolean {
    return this.deleted.has(boardId);
  }

  /** Adds a subscription (not live yet) and catches it up in the background. */
  subscribe(conn: Connection, channel: BoardChannel, explicit: boolean, lastSent: number): void {
    this.startCatchUp(this.attach(conn, channel, explicit, lastSent));
  }

  /**
   * Adds a subscription that is not live yet: dispatch skips it until
   * startCatchUp brings it level. It replaces the connection's previous one
   * for the board (added first, so the channel never empties in between).
   */
  attach(
    conn: Connection,
    channel: BoardChannel,
    explicit: boolean,
    lastSent: number,
  ): Subscription {
    const sub = new Subscription(conn, channel.boardId, explicit, lastSent);
    channel.subs.add(sub);
    const prior = conn.subs.get(channel.boardId);
    if (prior) this.unsubscribe(prior);
    conn.subs.set(channel.boardId, sub);
    return sub;
  }

  startCatchUp(sub: Subscription, onLive?: (sub: Subscription) => void): void {
    const channel = this.channels.get(sub.boardId);
    if (!channel || sub.closed) return;
    channel
      .catchUp(sub)
      .then(() => {
        if (sub.live && !sub.closed) onLive?.(sub);
      })
      .catch((err: unknown) => {
        this.deps.log.warn(`catching up a subscriber of board ${sub.boardId} failed`, err);
        if (sub.closed) return;
        this.unsubscribe(sub);
        if (sub.explicit) {
          sub.conn.sendControl(
            errorFrame(
              'SB_ERR_UNAVAILABLE',
              'Could not read the board’s history; subscribe again.',
              sub.boardId,
            ),
          );
        }
      });
  }

  unsubscribe(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.live = false;
    const { conn, boardId } = sub;
    if (conn.subs.get(boardId) === sub) conn.subs.delete(boardId);
    if (sub.present && conn.actor) this.presence.leave(boardId, conn.actor.id);
    sub.present = false;
    const channel = this.channels.get(boardId);
    if (!channel) return;
    channel.subs.delete(sub);
    if (channel.subs.size === 0) {
      channel.close();
      this.channels.delete(boardId);
    }
  }

  private afterDispatch(channel: BoardChannel, entry: RingEntry): void {
    const effect = entry.effect;
    if (!effect) return;
    if (effect.kind === 'board.deleted') {
      this.deleted.add(channel.boardId);
      if (this.deleted.size > 100_000) this.deleted.clear();
      for (const sub of [...channel.subs]) this.unsubscribe(sub);
      channel.close();
      this.channels.delete(channel.boardId);
      return;
    }
    if (effect.kind === 'member.removed') {
      channel.readers.delete(effect.userId);
      channel.revocations += 1;
      for (const sub of [...channel.subs]) {
        if (this.endsSubscription(sub, effect)) this.dropForAccess(sub);
      }
      return;
    }
    channel.readers.add(effect.userId);
    this.allBoards.memberAdded(channel, effect.userId, entry.seq);
  }

  private endsSubscription(sub: Subscription, effect: AccessEffect): boolean {
    if (effect.kind === 'board.deleted') return true;
    return (
      effect.kind === 'member.removed' &&
      !sub.conn.sharedAccess &&
      sub.conn.userId === effect.userId
    );
  }

  /** The subscriber may no longer read the board: stop, and say so if it had asked for it. */
  private dropForAccess(sub: Subscription): void {
    if (sub.closed) return;
    this.unsubscribe(sub);
    if (sub.explicit && !this.deleted.has(sub.boardId)) {
      sub.conn.sendControl(
        errorFrame('SB_ERR_NOT_FOUND', 'You are no longer a member of this board.', sub.boardId),
      );
    }
  }

  private pushPresence(boardId: number, viewers: PresenceViewer[], key: string): void {
    const channel = this.channels.get(boardId);
    if (!channel) return;
    let frame: Buffer | undefined;
    for (const sub of channel.subs) {
      if (!sub.present || sub.presenceKey === key) continue;
      sub.presenceKey = key;
      frame ??= presenceFrame(boardId, viewers);
      sub.conn.sendControl(frame);
    }
  }

  // ---- connections ----

  newConnection(ws: ConstructorParameters<typeof Connection>[1]): Connection {
    const conn = new Connection(this.nextId++, ws, this);
    this.conns.add(conn);
    return conn;
  }

  slowConsumer(conn: Connection): void {
    if (conn.closing) return;
    this.deps.log.info(
      `closing slow consumer ${conn.id} (${conn.ws.bufferedAmount} bytes waiting)`,
    );
    // Out of the fan-out loop right away; the close itself happens after it.
    conn.markClosing();
    setImmediate(() => this.closeConnection(conn, wsCloseCodes.slowConsumer, 'slow consumer'));
  }

  closeConnection(conn: Connection, code: number, reason: string): void {
    this.forget(conn);
    conn.close(code, reason, this.deps.options.closeGraceMs);
  }

  /** Drops every trace of a connection (its socket closed or is closing). */
  forget(conn: Connection): void {
    conn.markClosing();
    if (!this.conns.delete(conn)) return;
    this.allBoards.forget(conn);
    for (const sub of [...conn.subs.values()]) this.unsubscribe(sub);
  }

  /** Graceful shutdown: 1001 tells clients to reconnect (to another instance) and resume. */
  async closeAll(): Promise<void> {
    this.stopped = true;
    const sockets = [...this.conns];
    for (const conn of sockets)
      this.closeConnection(conn, wsCloseCodes.goingAway, 'server shutting down');
    const deadline = Date.now() + Math.min(2_000, this.deps.options.closeGraceMs);
    while (Date.now() < deadline && sockets.some((c) => c.ws.readyState !== c.ws.CLOSED)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const conn of sockets) if (conn.ws.readyState !== conn.ws.CLOSED) conn.ws.terminate();
  }

  stop(): void {
    this.stopped = true;
    this.maintenance.stop();
    this.presence.stop();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }
}

import type { BoardEvent, PresenceViewer } from '@switchboard/core';
import type { Actor } from '../../auth/actor.js';
import { accessBoard } from '../../store/board-access.js';
import { getBoardDetail } from '../../store/boards.js';
import type { Db } from '../../store/db.js';
import type { BoardSignal, BusSink, WireEvent } from '../bus/bus.js';
import type { PresenceAnnouncement } from '../bus/presence-wire.js';
import { readWireLog, wireEvent } from '../bus/wire-log.js';
import { errorFrame, presenceFrame } from '../frames.js';
import { logReceived, type RealtimeLog } from '../log.js';
import type { RealtimeOptions } from '../options.js';
import { AllBoards } from './all-boards.js';
import { BoardChannel, type ChannelEnv } from './board-channel.js';
import { type SubscribeEnv, subscribeExplicitly } from './explicit-subscribe.js';
import type { AccessEffect, RingEntry } from './frame-ring.js';
import { Presence } from './presence.js';
import { allLiveBoards, boardHeads, memberAddedSeq, memberships } from './queries.js';
import { type Subscriber, Subscription } from './subscription.js';
import { TouchRecorder } from './touch-recorder.js';

export interface HubDeps {
  db: Db;
  options: RealtimeOptions;
  log: RealtimeLog;
  /** This process's id in presence announcements. */
  node: string;
  publishPresence(message: PresenceAnnouncement): void;
  maxPresenceBytes: number;
}

export interface HubStats {
  channels: number;
  subscriptions: number;
  /** Board signals received (bus messages and own commits). */
  signals: number;
  /** Events that came with their signal (no log read needed). */
  eventsCarried: number;
  /** Reads of the log (hints, gaps, catch-ups). */
  logReads: number;
  /** Live frames written to subscribers. */
  delivered: number;
}

/**
 * The boards side of real time on one instance: per-board channels and the
 * subscriptions of watchers to them. It is the bus's sink; it also takes this
 * instance's own commits directly, so local watchers do not wait for the bus
 * round trip. It knows watchers only as Subscribers (what it sends to them);
 * sockets, authentication and messages are the ws layer's.
 *
 * Its collaborators each get a narrow environment made here (ChannelEnv,
 * AllBoardsHost, SubscribeEnv, PresenceHost) rather than the hub itself.
 */
export class Hub implements BusSink {
  private readonly channels = new Map<number, BoardChannel>();
  private readonly touches = new TouchRecorder();
  private readonly presence: Presence;
  private readonly allBoards: AllBoards;
  /** Deleted boards: a late bus message about one must not resurrect it. */
  private readonly deleted = new Set<number>();
  private readonly channelEnv: ChannelEnv;
  private readonly subscribeEnv: SubscribeEnv;
  private stopped = false;
  private counters = { signals: 0, eventsCarried: 0, logReads: 0, delivered: 0 };
  private deliveryObserver: ((count: number, lagMs: number) => void) | undefined;

  constructor(private readonly deps: HubDeps) {
    const { db, options, log } = deps;
    const warn = (message: string, err?: unknown) => log.warn(message, err);
    this.presence = new Presence(
      deps.node,
      {
        pushToViewers: (boardId, viewers, key) => this.pushPresence(boardId, viewers, key),
        publish: (message) => deps.publishPresence(message),
        maxMessageBytes: deps.maxPresenceBytes,
      },
      options.presence,
    );
    this.allBoards = new AllBoards({
      graceMs: options.allBoardsGraceMs,
      discoveryBatchMs: options.discoveryBatchMs,
      touches: this.touches,
      channel: (boardId) => this.channels.get(boardId),
      channelHeads: () =>
        [...this.channels.values()].map((c) => ({ id: c.boardId, seq: c.lastSeq })),
      ensureChannel: (boardId, head) => this.ensureChannel(boardId, head),
      isDeleted: (boardId) => this.deleted.has(boardId),
      attach: (conn, channel, explicit, lastSent) => this.attach(conn, channel, explicit, lastSent),
      startCatchUp: (sub) => this.startCatchUp(sub),
      unsubscribe: (sub) => this.unsubscribe(sub),
      allLiveBoards: () => allLiveBoards(db),
      memberships: (userIds, boardIds) => memberships(db, userIds, boardIds),
      memberAddedSeq: (boardId, userId) => memberAddedSeq(db, boardId, userId),
      warn,
    });
    this.channelEnv = {
      readLog: (boardId, after, limit) => {
        this.counters.logReads += 1;
        return readWireLog(db, boardId, after, limit);
      },
      afterDispatch: (channel, entry, delivered) => this.afterDispatch(channel, entry, delivered),
      endsSubscription: (sub, effect) => this.endsSubscription(sub, effect),
      dropSubscription: (sub) => this.dropForAccess(sub),
      limits: { ringSize: options.ringSize, sliceSize: options.fanOutSlice, ...options.channel },
      warn,
    };
    this.subscribeEnv = {
      maxSubscriptions: options.maxSubscriptions,
      replayCap: options.replayCap,
      readableHead: async (boardId, actor) =>
        (await accessBoard(db, boardId, actor, 'board.read')).board.seq,
      boardDetail: (actor, boardId) => getBoardDetail(db, actor, boardId),
      openWindow: () => void this.touches.begin(),
      closeWindow: () => this.touches.end(),
      channel: (boardId) => this.channels.get(boardId),
      ensureChannel: (boardId, head) => this.ensureChannel(boardId, head),
      leaveAllBoards: (conn) => this.allBoards.leave(conn),
      attach: (conn, channel, explicit, lastSent) => this.attach(conn, channel, explicit, lastSent),
      startCatchUp: (sub, onLive) => this.startCatchUp(sub, onLive),
      unsubscribe: (sub) => this.unsubscribe(sub),
      joinPresence: (boardId, actor) => {
        this.presence.join(boardId, actor.id, actor.username);
        return this.presence.current(boardId);
      },
    };
  }

  start(): void {
    this.presence.start();
  }

  /** Told of every event fanned out here: how many subscribers got it, and its age. */
  observeDeliveries(observer: (count: number, lagMs: number) => void): void {
    this.deliveryObserver = observer;
  }

  stats(): HubStats {
    let subscriptions = 0;
    for (const channel of this.channels.values()) subscriptions += channel.subs.size;
    return { channels: this.channels.size, subscriptions, ...this.counters };
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
    // The database may be what is down: a failed resync waits for the next poll.
    this.pollHeads().catch((err: unknown) =>
      this.deps.log.warn('resync: polling heads failed', err),
    );
    this.allBoards
      .discoverAll()
      .catch((err: unknown) => this.deps.log.warn('resync: membership discovery failed', err));
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

  // ---- periodic safety nets ----

  /** Compares watched boards' heads with what was dispatched (under every bus). */
  async pollHeads(): Promise<void> {
    const ids = [...this.channels.keys()];
    if (ids.length === 0) return;
    for (const head of await boardHeads(this.deps.db, ids)) {
      this.channels.get(head.id)?.signal(head.seq);
    }
  }

  /** Re-reads the memberships of all-boards watchers. */
  discoverAll(): Promise<void> {
    return this.allBoards.discoverAll();
  }

  // ---- watchers ----

  /** An authenticated watcher starts with the all-boards default. */
  register(conn: Subscriber): void {
    this.allBoards.register(conn);
  }

  /** A watcher stopped getting flat frames: its default subscriptions replay from their start. */
  replayDefault(conn: Subscriber): void {
    this.allBoards.replayFromStart(conn);
  }

  /** subscribe {board_id, after_seq?} (see subscribeExplicitly). */
  subscribe(
    conn: Subscriber,
    actor: Actor,
    boardId: number,
    afterSeq: number | undefined,
  ): Promise<void> {
    return subscribeExplicitly(this.subscribeEnv, conn, actor, boardId, afterSeq);
  }

  /** unsubscribe {board_id}: ends the watcher's subscription to the board, if any. */
  unsubscribeBoard(conn: Subscriber, boardId: number): void {
    conn.doneSubscribing(boardId);
    const sub = conn.subs.get(boardId);
    if (sub) this.unsubscribe(sub);
  }

  /** Drops every trace of a watcher (its socket closed or is closing). */
  release(conn: Subscriber): void {
    this.allBoards.forget(conn);
    for (const sub of [...conn.subs.values()]) this.unsubscribe(sub);
  }

  // ---- channels and subscriptions ----

  /** The board's channel, created at `head` (a seq read from the database after the caller's window opened). */
  private ensureChannel(boardId: number, head: number): BoardChannel {
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

  /**
   * Adds a subscription that is not live yet: dispatch skips it until
   * startCatchUp brings it level. It replaces the connection's previous one
   * for the board (added first, so the channel never empties in between).
   */
  private attach(
    conn: Subscriber,
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

  private startCatchUp(sub: Subscription, onLive?: (sub: Subscription) => void): void {
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

  private unsubscribe(sub: Subscription): void {
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

  private afterDispatch(channel: BoardChannel, entry: RingEntry, delivered: number): void {
    if (delivered > 0) {
      this.counters.delivered += delivered;
      this.deliveryObserver?.(delivered, Date.now() - entry.committedAt);
    }
    if (entry.seed && this.deps.log.enabled('info'))
      logReceived(this.deps.log, entry.seed, delivered);
    const effect = entry.effect;
    if (!effect) return;
    if (effect.kind === 'board.deleted') {
      this.deleted.add(channel.boardId);
      if (this.deleted.size > this.deps.options.deletedBoardsKept) this.deleted.clear();
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

  /** Stops taking signals and announcing presence (shutdown). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.presence.stop();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }
}

import { backoffDelay } from '@switchboard/core';
import type { WireEvent } from '../bus/bus.js';
import { type AccessEffect, FrameRing, type RingEntry, ringEntry } from './frame-ring.js';
import type { Subscription } from './subscription.js';

/** What a channel needs from the hub. */
export interface ChannelEnv {
  /** Committed events of a board after `after`, oldest first (the log). */
  readLog(boardId: number, after: number, limit: number): Promise<WireEvent[]>;
  /** An event just went out to `delivered` live subscribers; apply what it means for access. */
  afterDispatch(channel: BoardChannel, entry: RingEntry, delivered: number): void;
  /** True when an event the subscription just got ends it (it was removed, the board deleted). */
  endsSubscription(sub: Subscription, effect: AccessEffect): boolean;
  /** Drops a subscription ended by an event met during catch-up. */
  dropSubscription(sub: Subscription): void;
  readonly limits: ChannelLimits;
  warn(message: string, err?: unknown): void;
}

export interface ChannelLimits {
  ringSize: number;
  ringBytes: number;
  /** Events per log read. */
  batch: number;
  /** How long an out-of-order event waits for the missing ones before the log is read. */
  gapWaitMs: number;
  /** Out-of-order events held at most. */
  maxPending: number;
  /** Subscribers written to per turn of the event loop. */
  sliceSize: number;
}

/**
 * One board on one instance: its watchers, and the board's events dispatched
 * to them in seq order, each exactly once. Events arrive from the bus, from
 * this instance's own writes and from the log; whichever comes first wins,
 * later copies are dropped by seq, and a jump in seq is filled from the log.
 *
 * Invariant: every event with seq <= lastSeq has been dispatched; a live
 * subscription has lastSent >= the lastSeq it last synced with, so the next
 * dispatched event is exactly its lastSent + 1 (or one it already has).
 */
export class BoardChannel {
  readonly subs = new Set<Subscription>();
  /** Users known to read this board as of lastSeq (membership checks, kept by member.* events). */
  readonly readers = new Set<number>();
  /** member.removed events dispatched so far: a check that straddles one is not remembered. */
  revocations = 0;
  private readonly pending = new Map<number, WireEvent>();
  /** Dispatched events not yet written to every subscriber (see fanOut). */
  private readonly outbox: RingEntry[] = [];
  private fanning = false;
  private readonly ring: FrameRing;
  private knownHead: number;
  private fetching = false;
  private fetchFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly boardId: number,
    /** Every event up to here is dispatched (or predates every watcher). */
    public lastSeq: number,
    private readonly env: ChannelEnv,
  ) {
    this.knownHead = lastSeq;
    this.ring = new FrameRing(env.limits.ringSize, env.limits.ringBytes);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The bus, a local write or a poll says the log reaches `seq`, maybe with the events. */
  signal(seq: number, events?: readonly WireEvent[]): void {
    if (this.closed) return;
    let fromEvents = false;
    if (events) {
      for (const wire of events) this.accept(wire);
      fromEvents = true;
    }
    if (seq > this.knownHead) this.knownHead = seq;
    // A hint names a committed seq: read it now. A jump between events may be
    // a reordering that heals itself in a moment; give it that moment.
    this.scheduleFetch(fromEvents ? this.env.limits.gapWaitMs : 0);
  }

  /** Brings a subscription from its lastSent to the channel's lastSeq, then makes it live. */
  async catchUp(sub: Subscription): Promise<void> {
    sub.live = false;
    while (!sub.closed && !this.closed) {
      if (sub.lastSent >= this.lastSeq) {
        // A subscriber that read further in the log than the bus brought us: catch up ourselves.
        if (sub.lastSent > this.knownHead) {
          this.knownHead = sub.lastSent;
          this.scheduleFetch(0);
        }
        sub.live = true;
        return;
      }
      const entries = this.ring.since(sub.lastSent, this.lastSeq);
      if (entries) {
        for (const entry of entries) if (!this.deliverCatchUp(sub, entry)) return;
        continue;
      }
      const rows = await this.env.readLog(this.boardId, sub.lastSent, this.env.limits.batch);
      if (sub.closed || this.closed) return;
      if (rows.length === 0) {
        // The log holds nothing past lastSent although the channel dispatched further: cannot be, but never spin.
        sub.lastSent = this.lastSeq;
        continue;
      }
      for (const wire of rows) {
        if (wire.event.seq <= sub.lastSent) continue;
        if (!this.deliverCatchUp(sub, ringEntry(wire))) return;
      }
      await sub.conn.flushed();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending.clear();
    this.outbox.length = 0;
    this.ring.clear();
  }

  private deliverCatchUp(sub: Subscription, entry: RingEntry): boolean {
    const frame = sub.conn.flatFrames ? entry.flat : entry.frame;
    if (frame) sub.conn.sendControl(frame.payload);
    sub.lastSent = entry.seq;
    if (entry.effect && this.env.endsSubscription(sub, entry.effect)) {
      this.env.dropSubscription(sub);
      return false;
    }
    return true;
  }

  private accept(wire: WireEvent): void {
    const seq = wire.event.seq;
    if (seq <= this.lastSeq) return;
    if (seq !== this.lastSeq + 1) {
      if (this.pending.size < this.env.limits.maxPending) this.pending.set(seq, wire);
      if (seq > this.knownHead) this.knownHead = seq;
      return;
    }
    this.dispatch(wire);
    // Drain what was waiting for this one.
    for (;;) {
      const next = this.pending.get(this.lastSeq + 1);
      if (!next || this.closed) break;
      this.pending.delete(this.lastSeq + 1);
      this.dispatch(next);
    }
    if (this.pending.size > 0) {
      for (const key of this.pending.keys()) if (key <= this.lastSeq) this.pending.delete(key);
    }
  }

  private dispatch(wire: WireEvent): void {
    const entry = ringEntry(wire);
    this.lastSeq = entry.seq;
    this.ring.push(entry);
    this.outbox.push(entry);
    if (!this.fanning) this.fanOut();
  }

  /**
   * Writes the queued events to the live subscribers, one event after the
   * other. A large audience is served in slices with a turn of the event loop
   * between them, so database replies (say, of a transaction holding a board's
   * lock) do not wait behind thousands of socket writes. Subscribers that join
   * meanwhile catch up from the ring, which already holds the event.
   */
  private fanOut(): void {
    const { sliceSize } = this.env.limits;
    for (let entry = this.outbox[0]; entry && !this.closed; entry = this.outbox[0]) {
      if (this.subs.size <= sliceSize) {
        let delivered = 0;
        for (const sub of this.subs) if (this.deliver(sub, entry)) delivered += 1;
        this.outbox.shift();
        this.env.afterDispatch(this, entry, delivered);
        continue;
      }
      const current = entry;
      const targets = [...this.subs];
      let i = 0;
      let delivered = 0;
      const step = (): void => {
        if (this.closed) return;
        const end = Math.min(i + sliceSize, targets.length);
        for (; i < end; i++) if (this.deliver(targets[i]!, current)) delivered += 1;
        if (i < targets.length) {
          setImmediate(step);
          return;
        }
        this.fanning = false;
        this.outbox.shift();
        this.env.afterDispatch(this, current, delivered);
        this.fanOut();
      };
      this.fanning = true;
      step();
      return;
    }
  }

  /** Writes one event to one live subscriber; true when a frame went out. */
  private deliver(sub: Subscription, entry: RingEntry): boolean {
    const seq = entry.seq;
    if (!sub.live || seq <= sub.lastSent) return false;
    if (seq !== sub.lastSent + 1) {
      // Never expected; recover by replaying for this subscription alone.
      void this.catchUp(sub).catch((err: unknown) => this.env.warn('catch-up failed', err));
      return false;
    }
    sub.lastSent = seq;
    // A plain client gets the seed's frame, or nothing for an event the seed had no word for.
    const frame = sub.conn.flatFrames ? entry.flat : entry.frame;
    if (!frame) return false;
    sub.conn.sendLive(frame);
    return true;
  }

  private scheduleFetch(delayMs: number): void {
    if (this.closed || this.fetching || this.knownHead <= this.lastSeq) return;
    if (delayMs <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.fetch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.fetch();
      }, delayMs);
      this.timer.unref();
    }
  }

  private async fetch(): Promise<void> {
    if (this.closed || this.fetching || this.knownHead <= this.lastSeq) return;
    this.fetching = true;
    let rows: WireEvent[];
    try {
      rows = await this.env.readLog(this.boardId, this.lastSeq, this.env.limits.batch);
      this.fetchFailures = 0;
    } catch (err) {
      this.fetching = false;
      this.fetchFailures += 1;
      this.env.warn(`reading the log of board ${this.boardId} failed`, err);
      const delay = backoffDelay(this.fetchFailures, { baseMs: 100, maxMs: 5_000 });
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.fetch();
      }, delay);
      this.timer.unref();
      return;
    }
    this.fetching = false;
    if (this.closed) return;
    const first = rows[0];
    if (!first) {
      // The head we heard of is not in the log (cannot be: heads come from commits). Do not spin.
      this.knownHead = this.lastSeq;
      return;
    }
    if (first.event.seq > this.lastSeq + 1) {
      this.env.warn(`board ${this.boardId}: log skips from ${this.lastSeq} to ${first.event.seq}`);
      this.lastSeq = first.event.seq - 1;
    }
    for (const wire of rows) this.accept(wire);
    this.scheduleFetch(0);
  }
}

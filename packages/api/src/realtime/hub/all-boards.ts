import type { BoardSignal } from '../bus/bus.js';
import type { BoardChannel } from './board-channel.js';
import type { BoardHead, Membership } from './queries.js';
import type { Subscriber, Subscription } from './subscription.js';
import type { TouchRecorder } from './touch-recorder.js';

/** What the all-boards default needs from the hub. */
export interface AllBoardsHost {
  /** Delivery starts this long after a connection registers. */
  readonly graceMs: number;
  /** Bare hints about unknown boards are gathered this long before one membership query. */
  readonly discoveryBatchMs: number;
  /** Bus traffic recorded while a set-up reads the database. */
  readonly touches: Pick<TouchRecorder, 'begin' | 'end' | 'touchedSince'>;
  channel(boardId: number): BoardChannel | undefined;
  /** Every channel's board and lastSeq. */
  channelHeads(): BoardHead[];
  ensureChannel(boardId: number, head: number): BoardChannel;
  isDeleted(boardId: number): boolean;
  /** A subscription that is not live yet (see Hub.attach). */
  attach(
    conn: Subscriber,
    channel: BoardChannel,
    explicit: boolean,
    lastSent: number,
  ): Subscription;
  startCatchUp(sub: Subscription): void;
  unsubscribe(sub: Subscription): void;
  allLiveBoards(): Promise<BoardHead[]>;
  memberships(userIds: readonly number[], boardIds?: readonly number[]): Promise<Membership[]>;
  memberAddedSeq(boardId: number, userId: number): Promise<number | undefined>;
  warn(message: string, err?: unknown): void;
}

/**
 * The all-boards default: a connection that has subscribed to nothing gets
 * every board it may read. Set-up subscribes it to those boards at their
 * current heads (one query per batch of connections); afterwards it joins a
 * board when it becomes a member (at the member.added event) and, in
 * AUTH_MODE=open, when a board is created (from its first event). Races with
 * set-up are closed by the hub's touch recorder; a periodic re-read of
 * memberships is the safety net.
 */
export class AllBoards {
  /** Set-up done, accounts mode: by user. */
  private readonly byUser = new Map<number, Set<Subscriber>>();
  /** Set-up done, AUTH_MODE=open. */
  private readonly shared = new Set<Subscriber>();
  private queue: Subscriber[] = [];
  private flushScheduled = false;
  private readonly discoverBoards = new Set<number>();
  private discoverTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: AllBoardsHost) {}

  /** Whether any connection wants boards it has no channel for yet. */
  get active(): boolean {
    return this.shared.size > 0 || this.byUser.size > 0 || this.queue.length > 0;
  }

  register(conn: Subscriber): void {
    // Delivery starts after a short grace: a client that subscribes right away
    // must not get all-boards events first. Nothing is lost meanwhile: the
    // subscriptions start at the heads read now and catch up when they go live.
    const timer = setTimeout(() => this.goLive(conn), this.host.graceMs);
    timer.unref();
    this.queue.push(conn);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush().catch((err: unknown) => {
        this.host.warn('setting up all-boards subscriptions failed', err);
      });
    });
  }

  private goLive(conn: Subscriber): void {
    if (conn.closing || conn.mode !== 'all' || conn.defaultLive) return;
    conn.defaultLive = true;
    for (const sub of [...conn.subs.values()]) if (!sub.explicit) this.host.startCatchUp(sub);
  }

  forget(conn: Subscriber): void {
    this.shared.delete(conn);
    const userId = conn.userId;
    if (userId !== undefined) {
      const set = this.byUser.get(userId);
      set?.delete(conn);
      if (set?.size === 0) this.byUser.delete(userId);
    }
    conn.registered = false;
  }

  /** A connection sent its first subscribe: it leaves the default. */
  leave(conn: Subscriber): void {
    this.forget(conn);
    for (const sub of [...conn.subs.values()]) if (!sub.explicit) this.host.unsubscribe(sub);
  }

  /**
   * A connection that got seed 001's flat frames turned out to speak
   * Switchboard (it sent a message): its default subscriptions start over
   * from where they began, in Switchboard's frames, so it misses nothing of
   * what it was sent in the other format and gets nothing twice.
   */
  replayFromStart(conn: Subscriber): void {
    for (const sub of [...conn.subs.values()]) {
      if (sub.explicit) continue;
      const channel = this.host.channel(sub.boardId);
      if (!channel) continue;
      // Replaces (and so ends) the old one, whose catch-up, if running, stops.
      const fresh = this.host.attach(conn, channel, false, sub.from);
      if (conn.defaultLive) this.host.startCatchUp(fresh);
    }
  }

  /** A board this instance has no channel for spoke up. */
  unknownBoard(signal: BoardSignal): void {
    const { boardId } = signal;
    if (this.shared.size > 0) {
      // Every live board that existed when these connections were set up has a
      // channel; one without is newer than all of them: they get it from seq 1.
      const channel = this.host.ensureChannel(boardId, 0);
      for (const conn of this.shared) this.join(conn, channel, 0);
      channel.signal(signal.seq, signal.events);
      return;
    }
    if (this.byUser.size === 0) return;
    if (!signal.events) {
      // A bare hint (BUS=pg): ask the database whether one of ours was added.
      this.discoverBoards.add(boardId);
      if (!this.discoverTimer) {
        this.discoverTimer = setTimeout(() => {
          this.discoverTimer = undefined;
          const boards = [...this.discoverBoards];
          this.discoverBoards.clear();
          this.discover(boards).catch((err: unknown) => {
            this.host.warn('membership discovery failed', err);
          });
        }, this.host.discoveryBatchMs);
        this.discoverTimer.unref();
      }
      return;
    }
    let channel: BoardChannel | undefined;
    for (const wire of signal.events) {
      if (wire.event.type !== 'member.added') continue;
      const conns = this.byUser.get(wire.event.payload.member.user_id);
      if (!conns) continue;
      channel ??= this.host.ensureChannel(boardId, wire.event.seq - 1);
      for (const conn of conns) this.join(conn, channel, wire.event.seq - 1);
    }
    channel?.signal(signal.seq, signal.events);
  }

  /** Dispatched member.added: the user's all-boards connections here join from this event on. */
  memberAdded(channel: BoardChannel, userId: number, seq: number): void {
    for (const conn of this.byUser.get(userId) ?? []) this.join(conn, channel, seq - 1);
  }

  /** Safety net (and after a bus outage): find boards our all-boards connections should have. */
  async discoverAll(): Promise<void> {
    if (this.shared.size > 0) {
      for (const board of await this.host.allLiveBoards()) {
        if (this.host.channel(board.id) || this.host.isDeleted(board.id)) continue;
        this.unknownBoard({ boardId: board.id, seq: board.seq });
      }
    }
    if (this.byUser.size > 0) await this.discover(undefined);
  }

  private join(conn: Subscriber, channel: BoardChannel, lastSent: number): void {
    if (conn.closing || conn.mode !== 'all' || conn.subs.has(channel.boardId)) return;
    const sub = this.host.attach(conn, channel, false, lastSent);
    if (conn.defaultLive) this.host.startCatchUp(sub);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.filter((c) => !c.closing && c.mode === 'all' && !c.registered);
    this.queue = [];
    if (batch.length === 0) return;
    const mark = this.host.touches.begin();
    try {
      const shared = batch.filter((c) => c.sharedAccess);
      const members = batch.filter((c) => !c.sharedAccess);
      if (shared.length > 0) await this.setUpShared(shared, mark);
      if (members.length > 0) await this.setUpMembers(members, mark);
    } finally {
      this.host.touches.end();
    }
  }

  private async setUpShared(conns: Subscriber[], mark: number): Promise<void> {
    // With connections already set up, the channels cover every live board: no query needed.
    const heads = this.shared.size > 0 ? this.host.channelHeads() : await this.host.allLiveBoards();
    const known = new Set(heads.map((h) => h.id));
    const newer = this.host.touches.touchedSince(mark).filter((id) => !known.has(id));
    for (const conn of conns) {
      if (conn.closing || conn.mode !== 'all') continue;
      for (const head of heads)
        this.join(conn, this.host.ensureChannel(head.id, head.seq), head.seq);
      // Boards created while we read: from their first event.
      for (const id of newer) {
        if (!this.host.isDeleted(id)) this.join(conn, this.host.ensureChannel(id, 0), 0);
      }
      conn.registered = true;
      this.shared.add(conn);
    }
  }

  private async setUpMembers(conns: Subscriber[], mark: number): Promise<void> {
    const userIds = [...new Set(conns.map((c) => c.userId!))];
    const rows = await this.host.memberships(userIds);
    const byUser = new Map<number, typeof rows>();
    for (const row of rows) {
      const list = byUser.get(row.user_id);
      if (list) list.push(row);
      else byUser.set(row.user_id, [row]);
    }
    for (const conn of conns) {
      if (conn.closing || conn.mode !== 'all') continue;
      for (const row of byUser.get(conn.userId!) ?? []) {
        this.join(conn, this.host.ensureChannel(row.board_id, row.seq), row.seq);
      }
      conn.registered = true;
      let set = this.byUser.get(conn.userId!);
      if (!set) {
        set = new Set();
        this.byUser.set(conn.userId!, set);
      }
      set.add(conn);
    }
    // A membership that began while we read: the discovery finds where.
    const touched = this.host.touches.touchedSince(mark);
    if (touched.length > 0) await this.discover(touched);
  }

  /** Memberships of our all-boards users (among `boardIds`) that lack a subscription here. */
  private async discover(boardIds: number[] | undefined): Promise<void> {
    const users = [...this.byUser.keys()];
    if (users.length === 0) return;
    for (const row of await this.host.memberships(users, boardIds)) {
      const lacking = () =>
        [...(this.byUser.get(row.user_id) ?? [])].filter((c) => !c.subs.has(row.board_id));
      if (lacking().length === 0 || this.host.isDeleted(row.board_id)) continue;
      const added = (await this.host.memberAddedSeq(row.board_id, row.user_id)) ?? row.seq;
      const conns = lacking();
      if (conns.length === 0 || this.host.isDeleted(row.board_id)) continue;
      const channel = this.host.ensureChannel(row.board_id, added - 1);
      channel.signal(row.seq);
      for (const conn of conns) this.join(conn, channel, added - 1);
    }
  }
}

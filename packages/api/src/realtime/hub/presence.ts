import type { PresenceViewer } from '@switchboard/core';
import type { RealtimeOptions } from '../options.js';
import type { PresenceAnnouncement } from '../bus/presence-wire.js';

type Pair = [number, string];

export interface PresenceHost {
  /** Sends a presence message to this instance's viewers of the board (`key` identifies the list). */
  pushToViewers(boardId: number, viewers: PresenceViewer[], key: string): void;
  /** Puts an announcement on the bus. */
  publish(message: PresenceAnnouncement): void;
  /** Largest announcement the bus carries (NOTIFY: under 8000 bytes). */
  readonly maxMessageBytes: number;
}

/**
 * Who is viewing each board, across instances, without touching a table.
 * Every instance keeps its own viewers (explicit subscribers, counted per
 * user, so two tabs are one viewer) and announces them on the bus when they
 * change and on every heartbeat; it keeps the others' announcements until
 * they expire. A crashed instance stops announcing, so its viewers vanish
 * after ttlMs. Changes are coalesced per board over pushMs.
 */
export class Presence {
  private readonly local = new Map<number, Map<number, { username: string; count: number }>>();
  private readonly remote = new Map<string, Map<number, { viewers: Pair[]; expires: number }>>();
  private readonly lastPushed = new Map<number, string>();
  private readonly dirtyLocal = new Set<number>();
  private readonly dirtyPush = new Set<number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private announced = false;

  constructor(
    readonly node: string,
    private readonly host: PresenceHost,
    private readonly options: RealtimeOptions['presence'],
  ) {}

  start(): void {
    this.host.publish({ node: this.node, hello: true });
    this.heartbeatTimer = setInterval(() => this.announceAll(), this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    const sweepMs = Math.max(50, Math.min(1_000, Math.floor(this.options.ttlMs / 5)));
    this.sweepTimer = setInterval(() => this.sweep(Date.now()), sweepMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    clearTimeout(this.flushTimer);
    // Others drop what we announced now rather than when it expires.
    if (this.announced) this.host.publish({ node: this.node, bye: true });
    this.local.clear();
  }

  join(boardId: number, userId: number, username: string): void {
    let users = this.local.get(boardId);
    if (!users) {
      users = new Map();
      this.local.set(boardId, users);
    }
    const entry = users.get(userId);
    if (entry) {
      entry.count += 1;
      return;
    }
    users.set(userId, { username, count: 1 });
    this.changed(boardId, true);
  }

  leave(boardId: number, userId: number): void {
    const users = this.local.get(boardId);
    const entry = users?.get(userId);
    if (!users || !entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    users.delete(userId);
    if (users.size === 0) this.local.delete(boardId);
    this.changed(boardId, true);
  }

  /** The viewer list and its key (one shared string per list, not one per subscriber). */
  current(boardId: number): { viewers: PresenceViewer[]; key: string } {
    const viewers = this.viewers(boardId);
    const key = JSON.stringify(viewers);
    const pushed = this.lastPushed.get(boardId);
    return { viewers, key: pushed === key ? pushed : key };
  }

  /** The merged, de-duplicated viewer list of a board, sorted by username. */
  viewers(boardId: number, now = Date.now()): PresenceViewer[] {
    const byId = new Map<number, string>();
    for (const [userId, { username }] of this.local.get(boardId) ?? []) byId.set(userId, username);
    for (const boards of this.remote.values()) {
      const entry = boards.get(boardId);
      if (!entry || entry.expires <= now) continue;
      for (const [userId, username] of entry.viewers) byId.set(userId, username);
    }
    const list = [...byId].map(([user_id, username]) => ({ user_id, username }));
    list.sort((a, b) =>
      a.username < b.username ? -1 : a.username > b.username ? 1 : a.user_id - b.user_id,
    );
    return list.slice(0, this.options.maxViewers);
  }

  receive(message: PresenceAnnouncement, now = Date.now()): void {
    if (message.node === this.node) return;
    if (message.hello) {
      this.announceAll();
      return;
    }
    if (message.bye) {
      const boards = this.remote.get(message.node);
      this.remote.delete(message.node);
      for (const boardId of boards?.keys() ?? []) this.changed(boardId, false);
      return;
    }
    if (!message.boards) return;
    let boards = this.remote.get(message.node);
    if (!boards) {
      boards = new Map();
      this.remote.set(message.node, boards);
    }
    const expires = now + (message.ttl ?? this.options.ttlMs);
    for (const [key, viewers] of Object.entries(message.boards)) {
      const boardId = Number(key);
      const before = boards.get(boardId);
      if (viewers.length === 0) boards.delete(boardId);
      else boards.set(boardId, { viewers, expires });
      if (!before || JSON.stringify(before.viewers) !== JSON.stringify(viewers)) {
        this.changed(boardId, false);
      }
    }
    if (boards.size === 0) this.remote.delete(message.node);
  }

  /** Drops announcements that were not refreshed in time (their instance is gone). */
  sweep(now: number): void {
    for (const [node, boards] of this.remote) {
      for (const [boardId, entry] of boards) {
        if (entry.expires > now) continue;
        boards.delete(boardId);
        this.changed(boardId, false);
      }
      if (boards.size === 0) this.remote.delete(node);
    }
  }

  private changed(boardId: number, local: boolean): void {
    if (local) this.dirtyLocal.add(boardId);
    this.dirtyPush.add(boardId);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.options.pushMs);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.dirtyLocal.size > 0) {
      this.announce([...this.dirtyLocal]);
      this.dirtyLocal.clear();
    }
    const now = Date.now();
    for (const boardId of this.dirtyPush) {
      // Only boards someone watches here need a message.
      if (!this.local.has(boardId) && !this.lastPushed.has(boardId)) continue;
      const viewers = this.viewers(boardId, now);
      const key = JSON.stringify(viewers);
      if (this.lastPushed.get(boardId) === key) continue;
      if (this.local.has(boardId)) this.lastPushed.set(boardId, key);
      else this.lastPushed.delete(boardId);
      this.host.pushToViewers(boardId, viewers, key);
    }
    this.dirtyPush.clear();
  }

  private announceAll(): void {
    if (this.local.size > 0) this.announce([...this.local.keys()]);
  }

  /** Announces the local viewers of these boards, split to fit the bus's message size. */
  private announce(boardIds: number[]): void {
    this.announced = true;
    const budget = this.host.maxMessageBytes - 200;
    let boards: Record<string, Pair[]> = {};
    let size = 0;
    for (const boardId of boardIds) {
      const users = [...(this.local.get(boardId) ?? [])]
        .slice(0, this.options.maxViewers)
        .map(([userId, { username }]): Pair => [userId, username]);
      const entrySize = JSON.stringify(users).length + String(boardId).length + 4;
      if (size > 0 && size + entrySize > budget) {
        this.host.publish({ node: this.node, ttl: this.options.ttlMs, boards });
        boards = {};
        size = 0;
      }
      boards[boardId] = users;
      size += entrySize;
    }
    if (size > 0) this.host.publish({ node: this.node, ttl: this.options.ttlMs, boards });
  }
}

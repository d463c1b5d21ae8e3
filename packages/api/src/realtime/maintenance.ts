import { wsCloseCodes } from '@switchboard/core';
import type { Connection } from './connection.js';
import { errorFrame } from './frames.js';
import type { Hub } from './hub.js';
import { boardHeads, liveSessions } from './queries.js';

/**
 * The hub's periodic work: the safety-net poll of watched boards' heads,
 * WebSocket pings (dead peers), session re-checks (logout → 4001) and the
 * all-boards membership re-read. One timer per task for the whole instance,
 * none per connection; a task still running skips its next turn.
 */
export class Maintenance {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly hub: Hub) {}

  start(): void {
    const { options, config } = this.hub.deps;
    this.every(options.pollMs, () => this.pollHeads());
    this.every(options.pingIntervalMs, () => this.pingSweep());
    if (config.authMode !== 'open') this.every(options.sessionCheckMs, () => this.checkSessions());
    this.every(options.discoveryMs, () => this.hub.allBoards.discoverAll());
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }

  private every(ms: number, task: () => Promise<void> | void): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || !this.hub.open) return;
      running = true;
      Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.hub.deps.log.warn('periodic realtime task failed', err))
        .finally(() => {
          running = false;
        });
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  async pollHeads(): Promise<void> {
    const ids = [...this.hub.channels.keys()];
    if (ids.length === 0) return;
    for (const head of await boardHeads(this.hub.deps.db, ids)) {
      this.hub.channels.get(head.id)?.signal(head.seq);
    }
  }

  private pingSweep(): void {
    for (const conn of this.hub.conns) {
      if (conn.closing) continue;
      if (!conn.alive) {
        this.hub.closeConnection(conn, wsCloseCodes.deadPeer, 'no pong');
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        this.hub.forget(conn);
      }
    }
  }

  /** Logged-out or expired sessions lose their sockets (4001). */
  async checkSessions(): Promise<void> {
    const bySession = new Map<string, Connection[]>();
    for (const conn of this.hub.conns) {
      const sessionId = conn.actor?.sessionId;
      if (!sessionId || conn.closing) continue;
      const list = bySession.get(sessionId);
      if (list) list.push(conn);
      else bySession.set(sessionId, [conn]);
    }
    if (bySession.size === 0) return;
    const live = await liveSessions(this.hub.deps.db, [...bySession.keys()]);
    for (const [sessionId, conns] of bySession) {
      if (live.has(sessionId)) continue;
      for (const conn of conns) {
        conn.sendControl(
          errorFrame('SB_ERR_UNAUTHENTICATED', 'Your session ended; sign in again.'),
        );
        this.hub.closeConnection(conn, wsCloseCodes.unauthenticated, 'session ended');
      }
    }
  }
}

import { wsCloseCodes } from '@switchboard/core';
import type { WebSocket } from 'ws';
import { errorFrame } from '../frames.js';
import type { RealtimeLog } from '../log.js';
import type { RealtimeOptions } from '../options.js';
import { Connection, type ConnectionHost } from './connection.js';
import { rawWriteSupported } from './raw-write.js';

/** What the socket registry needs from the rest of the instance. */
export interface SocketsEnv {
  /** The hub drops everything it holds for a connection that is going away. */
  release(conn: Connection): void;
  /** Which of these sessions are still live (not logged out, not expired). */
  liveSessions(sessionIds: readonly string[]): Promise<Set<string>>;
  readonly options: Pick<
    RealtimeOptions,
    'sendBufferBytes' | 'rateLimit' | 'closeGraceMs' | 'shutdownWaitMs'
  >;
  readonly log: RealtimeLog;
}

/**
 * The WebSocket connections of one instance and what happens to them as a
 * group: closing (slow consumers, logout, shutdown), the ping sweep and the
 * session re-check.
 */
export class Sockets implements ConnectionHost {
  readonly conns = new Set<Connection>();
  readonly sendBufferBytes: number;
  readonly rate: { perSecond: number; burst: number };
  /** Decided on the first socket (see raw-write.ts). */
  rawWrites = false;
  /** Connections closed as slow consumers since start (metrics). */
  slowConsumers = 0;
  private rawWritesChecked = false;
  private nextId = 1;
  private accepting = true;

  constructor(private readonly env: SocketsEnv) {
    this.sendBufferBytes = env.options.sendBufferBytes;
    this.rate = env.options.rateLimit;
  }

  /** False once shutdown began: new upgrades are refused. */
  get open(): boolean {
    return this.accepting;
  }

  get size(): number {
    return this.conns.size;
  }

  add(ws: WebSocket): Connection {
    if (!this.rawWritesChecked) {
      this.rawWritesChecked = true;
      this.rawWrites = rawWriteSupported(ws);
      if (!this.rawWrites) {
        this.env.log.warn('ws internals are not as expected: live frames go through ws.send');
      }
    }
    const conn = new Connection(this.nextId++, ws, this);
    this.conns.add(conn);
    return conn;
  }

  slowConsumer(conn: Connection): void {
    if (conn.closing) return;
    this.slowConsumers += 1;
    this.env.log.info(`closing slow consumer ${conn.id} (${conn.ws.bufferedAmount} bytes waiting)`);
    // Out of the fan-out loop right away; the close itself happens after it.
    conn.markClosing();
    setImmediate(() => this.close(conn, wsCloseCodes.slowConsumer, 'slow consumer'));
  }

  close(conn: Connection, code: number, reason: string): void {
    this.forget(conn);
    conn.close(code, reason, this.env.options.closeGraceMs);
  }

  /** Drops every trace of a connection (its socket closed or is closing). */
  forget(conn: Connection): void {
    conn.markClosing();
    if (!this.conns.delete(conn)) return;
    this.env.release(conn);
  }

  /** A session ended (logout): its sockets get an error frame and 4001. */
  sessionEnded(sessionId: string, message: string): void {
    const ended = [...this.conns].filter((c) => c.actor?.sessionId === sessionId);
    this.endSession(ended, message);
  }

  private endSession(conns: readonly Connection[], message: string): void {
    for (const conn of conns) {
      if (conn.closing) continue;
      conn.sendControl(errorFrame('SB_ERR_UNAUTHENTICATED', message));
      this.close(conn, wsCloseCodes.unauthenticated, 'session ended');
    }
  }

  /** A peer that has not answered the previous ping is dead. */
  pingSweep(): void {
    for (const conn of this.conns) {
      if (conn.closing) continue;
      if (!conn.alive) {
        this.close(conn, wsCloseCodes.deadPeer, 'no pong');
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        this.forget(conn);
      }
    }
  }

  /** Logged-out or expired sessions lose their sockets (4001). */
  async checkSessions(): Promise<void> {
    const bySession = new Map<string, Connection[]>();
    for (const conn of this.conns) {
      const sessionId = conn.actor?.sessionId;
      if (!sessionId || conn.closing) continue;
      const list = bySession.get(sessionId);
      if (list) list.push(conn);
      else bySession.set(sessionId, [conn]);
    }
    if (bySession.size === 0) return;
    const live = await this.env.liveSessions([...bySession.keys()]);
    for (const [sessionId, conns] of bySession) {
      if (!live.has(sessionId)) this.endSession(conns, 'Your session ended; sign in again.');
    }
  }

  /** Graceful shutdown: 1001 tells clients to reconnect (to another instance) and resume. */
  async closeAll(): Promise<void> {
    this.accepting = false;
    const sockets = [...this.conns];
    for (const conn of sockets) this.close(conn, wsCloseCodes.goingAway, 'server shutting down');
    const { shutdownWaitMs, closeGraceMs } = this.env.options;
    const deadline = Date.now() + Math.min(shutdownWaitMs, closeGraceMs);
    while (Date.now() < deadline && sockets.some((c) => c.ws.readyState !== c.ws.CLOSED)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const conn of sockets) if (conn.ws.readyState !== conn.ws.CLOSED) conn.ws.terminate();
  }
}

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Actor } from '../auth/actor.js';
import type { Subscriber } from './hub/subscription.js';

/** What the HTTP app needs from the real-time layer. */
export interface RealtimeService {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Graceful shutdown: close every socket with 1001 so clients resume elsewhere. */
  closeSockets(): Promise<void>;
  /**
   * A watcher that is not a WebSocket (a gRPC stream) subscribes to a board
   * exactly as `{"type":"subscribe"}` does: replay after afterSeq (or a
   * snapshot), then live events, in seq order with no gap.
   */
  subscribe(
    conn: Subscriber,
    actor: Actor,
    boardId: number,
    afterSeq: number | undefined,
  ): Promise<void>;
  /** The watcher is gone: drop its subscriptions. */
  release(conn: Subscriber): void;
}

import { WebSocket } from 'ws';
import type { Actor } from '../../auth/actor.js';
import type { EventFrame } from '../frames.js';
import type { Subscriber, Subscription } from '../hub/subscription.js';
import { writeRaw } from './raw-write.js';
import { TokenBucket } from './token-bucket.js';

const TEXT = { binary: false } as const;

export interface ConnectionHost {
  /** The connection has more than its share waiting to be written. */
  slowConsumer(conn: Connection): void;
  readonly sendBufferBytes: number;
  readonly rate: { perSecond: number; burst: number };
  /** Live frames may be written to the socket directly (see raw-write.ts). */
  readonly rawWrites: boolean;
}

/**
 * One WebSocket client. Sending never waits: a frame goes to the socket or,
 * when the socket already holds more than its share, the connection is
 * reported as a slow consumer and closed, so one stalled reader can never hold
 * up the fan-out to everyone else. Kept small: thousands of these are idle.
 */
export class Connection implements Subscriber {
  actor: Actor | undefined = undefined;
  /** Seed 001's flat frames until it speaks (see Subscriber.flatFrames and the Acceptor). */
  flatFrames = false;
  // The hub's state of this watcher (see Subscriber).
  mode: 'all' | 'explicit' = 'all';
  registered = false;
  defaultLive = false;
  readonly subs = new Map<number, Subscription>();
  /** Answered the last ping. */
  alive = true;
  closing = false;
  /** Resolves when credentials sent with the upgrade are checked; messages wait for it. */
  authPending: Promise<void> | undefined = undefined;
  authTimer: NodeJS.Timeout | undefined = undefined;
  refusedInARow = 0;
  lastRefusalNotice = 0;
  private bucketState: TokenBucket | undefined = undefined;
  /** The latest subscribe per board; an older one still in flight gives way. */
  private subscribingState: Map<number, symbol> | undefined = undefined;
  /** Bytes of replay and snapshot frames not yet written: they do not count against the buffer cap. */
  private allowance = 0;
  private controlInFlight = 0;
  private flushWaiters: (() => void)[] | undefined = undefined;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    private readonly host: ConnectionHost,
  ) {}

  get userId(): number | undefined {
    return this.actor?.id;
  }

  get sharedAccess(): boolean {
    return this.actor?.sharedAccess ?? false;
  }

  get bucket(): TokenBucket {
    this.bucketState ??= new TokenBucket(
      this.host.rate.perSecond,
      this.host.rate.burst,
      performance.now(),
    );
    return this.bucketState;
  }

  get subscribing(): Map<number, symbol> {
    this.subscribingState ??= new Map();
    return this.subscribingState;
  }

  get subscribingCount(): number {
    return this.subscribingState?.size ?? 0;
  }

  /** Ends a subscribe in flight (kept small: the map goes when empty). */
  doneSubscribing(boardId: number, token?: symbol): void {
    const map = this.subscribingState;
    if (!map || (token !== undefined && map.get(boardId) !== token)) return;
    map.delete(boardId);
    if (map.size === 0) this.subscribingState = undefined;
  }

  /**
   * A live event: written as a ready-made frame straight to the socket (no
   * per-send framing), unless ws has frames of its own queued; dropped in
   * favour of closing the connection when the client does not keep up.
   */
  sendLive(frame: EventFrame): void {
    if (this.closing) return;
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.host.sendBufferBytes + this.allowance) {
      this.host.slowConsumer(this);
      return;
    }
    if (!this.host.rawWrites || !writeRaw(ws, frame.framed)) ws.send(frame.payload, TEXT);
  }

  /** Replay, snapshot, replies: always sent; their bytes are allowed on top of the cap until written. */
  sendControl(frame: Buffer | string): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    this.allowance += size;
    this.controlInFlight += 1;
    this.ws.send(frame, TEXT, () => {
      this.allowance -= size;
      this.controlInFlight -= 1;
      if (this.controlInFlight === 0) this.releaseFlushWaiters();
    });
  }

  /** Resolves once every control frame sent so far is written (or the connection is gone). */
  flushed(): Promise<void> {
    if (this.controlInFlight === 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => (this.flushWaiters ??= []).push(resolve));
  }

  /** Starts a close handshake and makes sure the socket is gone after `graceMs`. */
  close(code: number, reason: string, graceMs: number): void {
    this.markClosing();
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    try {
      ws.close(code, reason);
    } catch {
      ws.terminate();
      return;
    }
    const timer = setTimeout(() => {
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    }, graceMs);
    timer.unref();
  }

  /** Stops all sending at once (the socket may linger a little to deliver its close frame). */
  markClosing(): void {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.authTimer);
    this.releaseFlushWaiters();
  }

  private releaseFlushWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    for (const resolve of waiters ?? []) resolve();
  }
}

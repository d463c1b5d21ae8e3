import { Code, ConnectError } from '@connectrpc/connect';
import type { BoardDetail, BoardEvent } from '@switchboard/core';
import type { Actor } from '../auth/actor.js';
import type { EventFrame } from '../realtime/frames.js';
import type { Subscriber, Subscription } from '../realtime/hub/subscription.js';
import type { RealtimeService } from '../realtime/service.js';

export type WatchItem =
  | { kind: 'event'; seq: number; event: BoardEvent }
  | { kind: 'snapshot'; seq: number; board: BoardDetail };

/** Frames a stream may hold unread before it is ended (the client resumes with after_seq). */
const maxQueued = 10_000;

/**
 * One gRPC stream watching one board through the real-time hub, as a
 * WebSocket subscriber would: the hub replays from the log after the seq
 * asked for and then delivers live events, each exactly lastSent + 1, so
 * what this yields is the board's log with no gap and no duplicate.
 * The hub speaks frames (JSON text); they are read back here into items.
 * Invariant: once ended (client gone, error, shutdown) it is released from
 * the hub and yields nothing more.
 */
export class BoardWatch implements Subscriber {
  readonly userId: number | undefined;
  readonly sharedAccess: boolean;
  readonly flatFrames = false;
  /** A program watching, not a viewer: other clients' presence lists leave it out. */
  readonly unseen = true;
  mode: 'all' | 'explicit' = 'explicit';
  registered = false;
  defaultLive = false;
  readonly subs = new Map<number, Subscription>();
  readonly subscribing = new Map<number, symbol>();
  #queue: WatchItem[] = [];
  #wake: (() => void) | undefined;
  #ended: ConnectError | null | undefined;

  constructor(
    private readonly realtime: RealtimeService,
    readonly actor: Actor,
    readonly boardId: number,
  ) {
    this.userId = actor.id;
    this.sharedAccess = actor.sharedAccess;
  }

  get closing(): boolean {
    return this.#ended !== undefined;
  }

  get subscribingCount(): number {
    return this.subscribing.size;
  }

  doneSubscribing(boardId: number, token?: symbol): void {
    if (token === undefined || this.subscribing.get(boardId) === token)
      this.subscribing.delete(boardId);
  }

  sendLive(frame: EventFrame): void {
    this.#receive(frame.payload.toString('utf8'));
  }

  sendControl(frame: Buffer | string): void {
    this.#receive(typeof frame === 'string' ? frame : frame.toString('utf8'));
  }

  flushed(): Promise<void> {
    return Promise.resolve();
  }

  /** Subscribes after `afterSeq` (undefined: a snapshot first). */
  start(afterSeq: number | undefined): Promise<void> {
    return this.realtime.subscribe(this, this.actor, this.boardId, afterSeq);
  }

  /** Ends the watch: with an error the stream fails with it, without it ends cleanly. */
  end(error?: ConnectError): void {
    if (this.#ended !== undefined) return;
    this.#ended = error ?? null;
    this.realtime.release(this);
    this.#wake?.();
  }

  async *items(signal: AbortSignal): AsyncGenerator<WatchItem> {
    const onAbort = () => this.end();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        const item = this.#queue.shift();
        if (item) {
          yield item;
          continue;
        }
        if (this.#ended !== undefined) {
          if (this.#ended) throw this.#ended;
          return;
        }
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.end();
    }
  }

  #push(item: WatchItem): void {
    if (this.#ended !== undefined) return;
    if (this.#queue.length >= maxQueued) {
      this.end(
        new ConnectError(
          'The stream fell too far behind; watch again from the last seq.',
          Code.ResourceExhausted,
        ),
      );
      return;
    }
    this.#queue.push(item);
    this.#wake?.();
  }

  #receive(text: string): void {
    const frame = JSON.parse(text) as
      | { type: 'event'; seq: number; event: BoardEvent }
      | { type: 'snapshot'; seq: number; board: BoardDetail }
      | { type: 'error'; code: string; message: string }
      | { type: 'subscribed' | 'presence' };
    switch (frame.type) {
      case 'event':
        this.#push({ kind: 'event', seq: frame.seq, event: frame.event });
        return;
      case 'snapshot':
        this.#push({ kind: 'snapshot', seq: frame.seq, board: frame.board });
        return;
      case 'error':
        this.end(
          new ConnectError(
            frame.message,
            frame.code === 'SB_ERR_NOT_FOUND' ? Code.NotFound : Code.Unavailable,
          ),
        );
        return;
      default:
        // subscribed, presence: WebSocket niceties a stream has no use for.
        return;
    }
  }
}

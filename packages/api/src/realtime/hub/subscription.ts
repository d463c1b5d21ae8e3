import type { Actor } from '../../auth/actor.js';
import type { EventFrame } from '../frames.js';

/**
 * What the hub needs of a watcher (a WebSocket connection, in practice). The
 * hub's per-watcher state lives on the watcher itself, so an idle one costs
 * no extra object.
 */
export interface Subscriber {
  readonly actor: Actor | undefined;
  readonly userId: number | undefined;
  readonly sharedAccess: boolean;
  /** Closing or closed: nothing more is sent, nothing new is set up. */
  readonly closing: boolean;
  /**
   * Gets seed 001's flat task frames instead of Switchboard's: a plain client
   * that offered no subprotocol and has sent nothing yet.
   */
  readonly flatFrames: boolean;
  /** Not a person looking at the board (a gRPC stream): never counted in its presence. */
  readonly unseen?: boolean;
  /** 'all': no subscribe yet, gets every board it may read; 'explicit': only what it subscribed to. */
  mode: 'all' | 'explicit';
  /** The all-boards default is set up (its boards are subscribed). */
  registered: boolean;
  /** The all-boards default delivers (after its grace period). */
  defaultLive: boolean;
  /** Its subscriptions, one per board. */
  readonly subs: Map<number, Subscription>;
  /** The latest subscribe in flight per board; an older one still in flight gives way. */
  readonly subscribing: Map<number, symbol>;
  readonly subscribingCount: number;
  /** Ends a subscribe in flight (only the given one, when a token is given). */
  doneSubscribing(boardId: number, token?: symbol): void;
  /** A live event: never waits; a watcher that does not keep up is closed instead. */
  sendLive(frame: EventFrame): void;
  /** Replay, snapshot, replies: always sent. */
  sendControl(frame: Buffer | string): void;
  /** Resolves once every control frame sent so far is written (or the watcher is gone). */
  flushed(): Promise<void>;
}

/**
 * One watcher of one board. `lastSent` is the seq of the last event the
 * client got for the board (or the snapshot's seq); live events go out only
 * once the subscription has caught up (`live`), each exactly lastSent+1.
 */
export class Subscription {
  live = false;
  closed = false;
  /** Counted in the board's presence (explicit subscriptions that went live). */
  present = false;
  /** The viewer list last sent to this subscriber, so nobody gets the same list twice. */
  presenceKey = '';

  /** Where it started: the all-boards default replays from here when its client turns out to speak Switchboard. */
  readonly from: number;

  constructor(
    readonly conn: Subscriber,
    readonly boardId: number,
    /** Asked for with {"type":"subscribe"}; otherwise part of the all-boards default. */
    readonly explicit: boolean,
    public lastSent: number,
  ) {
    this.from = lastSent;
  }
}

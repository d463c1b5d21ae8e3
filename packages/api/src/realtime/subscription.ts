import type { Connection } from './connection.js';

/**
 * One connection watching one board. `lastSent` is the seq of the last event
 * the client got for the board (or the snapshot's seq); live events go out
 * only once the subscription has caught up (`live`), each exactly lastSent+1.
 */
export class Subscription {
  live = false;
  closed = false;
  /** Counted in the board's presence (explicit subscriptions that went live). */
  present = false;
  /** The viewer list last sent to this subscriber, so nobody gets the same list twice. */
  presenceKey = '';

  constructor(
    readonly conn: Connection,
    readonly boardId: number,
    /** Asked for with {"type":"subscribe"}; otherwise part of the all-boards default. */
    readonly explicit: boolean,
    public lastSent: number,
  ) {}
}

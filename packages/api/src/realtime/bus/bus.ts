import type { BoardEvent } from '@switchboard/core';
import type { BusKind } from '../../config.js';
import type { PresenceAnnouncement } from './presence-wire.js';

/** An event together with its JSON text, so it is serialized once however far it travels. */
export interface WireEvent {
  event: BoardEvent;
  json: string;
}

/** What a bus tells the hub about one board. */
export interface BoardSignal {
  boardId: number;
  /** The board's log holds at least this seq (committed). */
  seq: number;
  /** The events themselves, in seq order, when the bus carries them; else the hub reads the log. */
  events?: readonly WireEvent[];
}

/** The hub side of a bus. */
export interface BusSink {
  onBoard(signal: BoardSignal): void;
  /** Messages may have been lost (reconnect, outage): compare every watched board with the log. */
  onResync(reason: string): void;
  onPresence(message: PresenceAnnouncement): void;
  /** Whether this instance cares about a board now (lets an adapter skip fetching others). */
  wants(boardId: number): boolean;
}

/** Moves committed events onto the bus (run by the relay that holds the lock). */
export interface EventPublisher {
  /** Names the bus and its namespace, e.g. "nats:" or "redis:t1a2"; keys the relay's lock and cursors. */
  readonly key: string;
  /**
   * Publishes a board's events in seq order and resolves once the bus holds
   * them. Publishing an event twice is harmless (NATS de-duplicates by
   * Nats-Msg-Id, Redis refuses a stream id it already has).
   */
  publish(boardId: number, events: readonly WireEvent[]): Promise<void>;
}

/**
 * Fan-out between API instances. Whatever the adapter, the log (board_events)
 * stays the source of truth: a bus only wakes instances up early, and an
 * instance that misses messages recovers them from the log by seq.
 */
export interface Bus {
  readonly kind: BusKind;
  /** Present when events travel over the bus (nats, redis): the relay feeds it. */
  readonly publisher: EventPublisher | undefined;
  /** Largest presence message the transport takes (PostgreSQL NOTIFY: under 8000 bytes). */
  readonly maxPresenceBytes: number;
  /** Connects and starts delivering to the sink; keeps reconnecting on its own afterwards. */
  start(sink: BusSink): Promise<void>;
  /** Fire and forget: presence is refreshed by heartbeats, a lost message heals itself. */
  publishPresence(message: PresenceAnnouncement): void;
  /** "ok" or what is wrong, for /ready. */
  health(): string;
  close(): Promise<void>;
}

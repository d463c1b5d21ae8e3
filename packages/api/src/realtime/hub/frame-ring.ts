import { seedTaskEvent, type SeedTaskEvent } from '@switchboard/core';
import type { WireEvent } from '../bus/bus.js';
import { type EventFrame, eventFrame, flatFrame } from '../frames.js';

/** What an event means for who may keep watching its board. */
export type AccessEffect =
  { kind: 'member.added' | 'member.removed'; userId: number } | { kind: 'board.deleted' };

export interface RingEntry {
  seq: number;
  frame: EventFrame;
  /** Seed 001's task event and its frame, for task events (plain clients get these). */
  seed: SeedTaskEvent | undefined;
  flat: EventFrame | undefined;
  effect: AccessEffect | undefined;
  /** When the event was committed (ms since the epoch), for the delivery-lag metric. */
  committedAt: number;
}

/** An event as the channel sends it: framed once per board, whoever the watchers are. */
export function ringEntry(wire: WireEvent): RingEntry {
  const seed = seedTaskEvent(wire.event);
  return {
    seq: wire.event.seq,
    frame: eventFrame(wire),
    seed,
    flat: seed ? flatFrame(seed) : undefined,
    effect: accessEffectOf(wire.event),
    committedAt: Date.parse(wire.event.created_at),
  };
}

/**
 * The last few event frames of one board, contiguous in seq, so a subscriber
 * that is a little behind (a reconnect storm after an instance died) catches
 * up from memory instead of the log. Bounded by count and by bytes.
 */
export class FrameRing {
  private readonly entries: (RingEntry | undefined)[];
  private start = 0;
  private length = 0;
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {
    this.entries = new Array<RingEntry | undefined>(Math.max(1, capacity));
  }

  push(entry: RingEntry): void {
    const last = this.at(this.length - 1);
    if (last && entry.seq !== last.seq + 1) this.clear();
    if (this.capacity <= 0) return;
    if (this.length === this.capacity) this.dropOldest();
    this.entries[(this.start + this.length) % this.capacity] = entry;
    this.length += 1;
    this.bytes += entryBytes(entry);
    while (this.bytes > this.maxBytes && this.length > 1) this.dropOldest();
  }

  /** Entries with after < seq <= upTo, or undefined when the ring does not hold them all. */
  since(after: number, upTo: number): RingEntry[] | undefined {
    if (upTo <= after) return [];
    const first = this.at(0);
    const last = this.at(this.length - 1);
    if (!first || !last || first.seq > after + 1 || last.seq < upTo) return undefined;
    const out: RingEntry[] = [];
    for (let i = after + 1 - first.seq; i <= upTo - first.seq; i++) {
      const entry = this.at(i);
      if (!entry) return undefined;
      out.push(entry);
    }
    return out;
  }

  clear(): void {
    this.entries.fill(undefined);
    this.start = 0;
    this.length = 0;
    this.bytes = 0;
  }

  private at(i: number): RingEntry | undefined {
    if (i < 0 || i >= this.length) return undefined;
    return this.entries[(this.start + i) % this.capacity];
  }

  private dropOldest(): void {
    const oldest = this.entries[this.start];
    if (oldest) this.bytes -= entryBytes(oldest);
    this.entries[this.start] = undefined;
    this.start = (this.start + 1) % this.capacity;
    this.length -= 1;
  }
}

function entryBytes(entry: RingEntry): number {
  return entry.frame.framed.length + (entry.flat?.framed.length ?? 0);
}

export function accessEffectOf(event: {
  type: string;
  payload: unknown;
}): AccessEffect | undefined {
  switch (event.type) {
    case 'member.added':
    case 'member.removed': {
      const payload = event.payload as { member: { user_id: number } };
      return { kind: event.type, userId: payload.member.user_id };
    }
    case 'board.deleted':
      return { kind: 'board.deleted' };
    default:
      return undefined;
  }
}

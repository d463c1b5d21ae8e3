import type { BoardEvent } from '@switchboard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoardChannel, type ChannelEnv } from '../../src/realtime/hub/board-channel.js';
import type { WireEvent } from '../../src/realtime/bus/bus.js';
import { wireEvent } from '../../src/realtime/bus/wire-log.js';
import { type EventFrame, wsTextFrame } from '../../src/realtime/frames.js';
import { FrameRing } from '../../src/realtime/hub/frame-ring.js';
import { type Subscriber, Subscription } from '../../src/realtime/hub/subscription.js';
import { TokenBucket } from '../../src/realtime/ws/token-bucket.js';

/**
 * The channel's promise, checked against arbitrary interleavings: whatever
 * the bus does (drop, duplicate, reorder) and whenever subscribers join,
 * each gets exactly the events after its starting seq, in order, once.
 */

const boardId = 7;

function event(seq: number): WireEvent {
  return wireEvent({
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    board_id: boardId,
    seq,
    type: 'board.updated',
    actor: 1,
    created_at: new Date(0).toISOString(),
    payload: { board: {} as never, changed: [] },
  } as BoardEvent);
}

class FakeConn {
  readonly flatFrames = false;
  readonly got: number[] = [];
  sendLive(frame: EventFrame): void {
    this.got.push((JSON.parse(frame.payload.toString()) as { seq: number }).seq);
  }
  sendControl(frame: Buffer | string): void {
    this.got.push((JSON.parse(frame.toString()) as { seq: number }).seq);
  }
  flushed(): Promise<void> {
    return Promise.resolve();
  }
}

const settle = async () => {
  for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
};

function harness(total: number, ringSize: number, sliceSize: number) {
  const log = Array.from({ length: total }, (_, i) => event(i + 1));
  let committed = 0;
  const env: ChannelEnv = {
    readLog: async (_board, after, limit) => {
      await Promise.resolve();
      return log.slice(after, Math.min(committed, after + limit));
    },
    afterDispatch: () => {},
    endsSubscription: () => false,
    dropSubscription: () => {},
    limits: { ringSize, ringBytes: 1 << 20, batch: 3, gapWaitMs: 0, maxPending: 1000, sliceSize },
    warn: () => {},
  };
  return {
    log,
    env,
    commitUpTo: (seq: number) => {
      committed = Math.max(committed, seq);
    },
    get committed() {
      return committed;
    },
  };
}

type Action =
  | { kind: 'commit' }
  | { kind: 'deliver'; seq: number }
  | { kind: 'hint' }
  | { kind: 'join'; back: number }
  | { kind: 'settle' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constant<Action>({ kind: 'commit' }),
  fc.integer({ min: 1, max: 30 }).map<Action>((seq) => ({ kind: 'deliver', seq })),
  fc.constant<Action>({ kind: 'hint' }),
  fc.integer({ min: 0, max: 12 }).map<Action>((back) => ({ kind: 'join', back })),
  fc.constant<Action>({ kind: 'settle' }),
);

describe('BoardChannel', () => {
  it('delivers each subscriber exactly its missing events, in order, whatever the bus does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 0, max: 8 }),
        // 1–2: fan-out in slices across turns of the event loop; 1000: all at once.
        fc.constantFrom(1, 2, 1000),
        async (actions, ringSize, sliceSize) => {
          const total = 30;
          const h = harness(total, ringSize, sliceSize);
          const channel = new BoardChannel(boardId, 0, h.env);
          const subs: { sub: Subscription; conn: FakeConn; from: number }[] = [];
          const join = (from: number) => {
            const conn = new FakeConn();
            const sub = new Subscription(conn as unknown as Subscriber, boardId, true, from);
            channel.subs.add(sub);
            subs.push({ sub, conn, from });
            void channel.catchUp(sub);
          };
          join(0);
          for (const a of actions) {
            if (a.kind === 'commit')
              h.commitUpTo(Math.min(total, h.committed + 1 + (h.committed % 3)));
            if (a.kind === 'deliver' && a.seq <= h.committed)
              channel.signal(a.seq, [h.log[a.seq - 1]!]);
            if (a.kind === 'hint' && h.committed > 0) channel.signal(h.committed);
            if (a.kind === 'join') join(Math.max(0, h.committed - a.back));
            if (a.kind === 'settle') await settle();
          }
          // Finally everything commits and one signal says so (the poll would).
          h.commitUpTo(total);
          channel.signal(total);
          // A sliced fan-out takes a turn of the event loop per slice (30 events to 8
          // subscribers one at a time is 240 turns): give it the turns, not a deadline.
          const complete = () => subs.every(({ conn, from }) => conn.got.length >= total - from);
          for (let round = 0; round < 20 && !complete(); round++) await settle();
          for (const { conn, from } of subs) {
            expect(conn.got).toEqual(Array.from({ length: total - from }, (_, i) => from + i + 1));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('FrameRing', () => {
  const entry = (seq: number, bytes = 10) => ({
    seq,
    frame: { payload: Buffer.alloc(bytes), framed: Buffer.alloc(bytes) },
    seed: undefined,
    flat: undefined,
    effect: undefined,
    committedAt: 0,
  });

  it('returns a contiguous range it holds, and nothing it does not', () => {
    const ring = new FrameRing(4, 1_000);
    for (let seq = 1; seq <= 6; seq++) ring.push(entry(seq));
    expect(ring.since(2, 6)?.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(ring.since(1, 6)).toBeUndefined();
    expect(ring.since(6, 6)).toEqual([]);
    expect(ring.since(4, 7)).toBeUndefined();
    ring.push(entry(9));
    expect(ring.since(8, 9)?.map((e) => e.seq)).toEqual([9]);
    expect(ring.since(5, 9)).toBeUndefined();
  });

  it('keeps within its byte budget', () => {
    const ring = new FrameRing(100, 25);
    for (let seq = 1; seq <= 5; seq++) ring.push(entry(seq));
    expect(ring.since(3, 5)?.map((e) => e.seq)).toEqual([4, 5]);
    expect(ring.since(2, 5)).toBeUndefined();
  });
});

describe('wsTextFrame', () => {
  it('frames text as a server does (FIN, opcode 1, unmasked) at every length size', () => {
    for (const length of [0, 125, 126, 65_535, 65_536, 70_000]) {
      const text = 'é'.repeat(length / 2) + 'a'.repeat(length % 2);
      const { payload, framed } = wsTextFrame(text);
      const bytes = Buffer.byteLength(text);
      expect(payload.toString()).toBe(text);
      expect(framed[0]).toBe(0x81);
      const header = bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10;
      expect(framed.length).toBe(header + bytes);
      if (header === 2) expect(framed[1]).toBe(bytes);
      if (header === 4) expect([framed[1], framed.readUInt16BE(2)]).toEqual([126, bytes]);
      if (header === 10)
        expect([framed[1], Number(framed.readBigUInt64BE(2))]).toEqual([127, bytes]);
    }
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect(Array.from({ length: 7 }, () => bucket.take(0))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
    expect(bucket.take(10_000)).toBe(true);
  });
});

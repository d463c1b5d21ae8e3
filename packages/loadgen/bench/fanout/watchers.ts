import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';

/** Put in each benchmark event (a task title or the reference payload): `bench:<send time in ms>:`. */
export const marker = 'bench:';
const markerBytes = Buffer.from(marker);
const createdAtBytes = Buffer.from('"created_at":"');

export interface SubscribeSpec {
  boardId: number;
  afterSeq: number;
}

export interface WindowStats {
  /** Frames that carried a benchmark event, received during the window. */
  receivedInWindow: number;
  /** Deliveries of events written during the window (late ones included). */
  deliveries: number;
  /** Write (send time in the title) → receipt, in ms. */
  writeToReceipt: hdr.Histogram;
  /** Commit (event.created_at) → receipt, in ms, when the frame has a created_at. */
  commitToReceipt: hdr.Histogram;
  frameBytes: number;
}

const histogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });

/**
 * Many WebSocket clients in this process. Each frame is inspected without
 * JSON parsing (a byte search for the marker), so the client side costs as
 * little as it can: it shares the machine with the servers under test.
 */
export class WatcherPool {
  private readonly sockets: WebSocket[] = [];
  private window: { from: number; to: number; openUntil: number } | undefined;
  private stats: WindowStats = this.freshStats();

  get size(): number {
    return this.sockets.length;
  }

  /** Opens `count` clients spread round-robin over `urls`, `concurrency` at a time. */
  async open(
    urls: string[],
    count: number,
    subscribe?: SubscribeSpec,
    concurrency = 200,
  ): Promise<void> {
    let next = 0;
    const one = async (i: number) => {
      const ws = new WebSocket(urls[i % urls.length]!, { perMessageDeflate: false });
      ws.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      if (subscribe) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no "subscribed" within 30 s')), 30_000);
          const onMessage = (data: Buffer) => {
            if (data.includes('"type":"subscribed"')) {
              clearTimeout(timer);
              ws.off('message', onMessage);
              resolve();
            }
          };
          ws.on('message', onMessage);
          ws.send(
            JSON.stringify({
              type: 'subscribe',
              board_id: subscribe.boardId,
              after_seq: subscribe.afterSeq,
            }),
          );
        });
      }
      ws.on('message', (data: Buffer) => this.onFrame(data));
      this.sockets.push(ws);
    };
    const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await one(next++);
    });
    await Promise.all(workers);
  }

  /** Events written between from and to (performance.now() ms) are measured; frames count until openUntil. */
  startWindow(from: number, to: number, openUntil: number): void {
    this.stats = this.freshStats();
    this.window = { from, to, openUntil };
  }

  endWindow(): WindowStats {
    this.window = undefined;
    return this.stats;
  }

  async closeAll(): Promise<void> {
    const closing = this.sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    );
    this.sockets.length = 0;
    await Promise.all(closing);
  }

  private freshStats(): WindowStats {
    return {
      receivedInWindow: 0,
      deliveries: 0,
      writeToReceipt: histogram(),
      commitToReceipt: histogram(),
      frameBytes: 0,
    };
  }

  private onFrame(data: Buffer): void {
    const window = this.window;
    if (!window) return;
    const at = data.indexOf(markerBytes);
    if (at < 0) return;
    const now = performance.now();
    if (now >= window.from && now <= window.to) this.stats.receivedInWindow += 1;
    const end = data.indexOf(58 /* ':' */, at + markerBytes.length);
    const sentAt = Number(data.toString('latin1', at + markerBytes.length, end));
    if (!(sentAt >= window.from && sentAt <= window.to)) return;
    this.stats.deliveries += 1;
    this.stats.frameBytes = data.length;
    this.stats.writeToReceipt.recordValue(Math.max(1, Math.round((now - sentAt) * 1000)));
    const c = data.lastIndexOf(createdAtBytes);
    if (c >= 0) {
      const committed = Date.parse(
        data.toString('latin1', c + createdAtBytes.length, c + createdAtBytes.length + 24),
      );
      const wall = performance.timeOrigin + now;
      if (Number.isFinite(committed))
        this.stats.commitToReceipt.recordValue(Math.max(1, Math.round((wall - committed) * 1000)));
    }
  }
}

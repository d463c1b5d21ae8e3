import { WebSocket } from 'ws';
import { waitUntil } from './ws-client.js';

/**
 * A WebSocket client as seed 001's test page is: no subprotocol, sends
 * nothing, keeps every frame it gets as parsed JSON.
 */
export class PlainSocket {
  readonly frames: unknown[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as unknown));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<PlainSocket> {
    const ws = new WebSocket(url);
    const socket = new PlainSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  /** Waits until `count` frames have arrived; returns them. */
  async waitForFrames(count: number, what: string): Promise<unknown[]> {
    await waitUntil(() => this.frames.length >= count, what);
    return this.frames;
  }

  close(): void {
    this.ws.terminate();
  }
}

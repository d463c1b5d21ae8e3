import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the HTTP app needs from the real-time layer. */
export interface RealtimeService {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Graceful shutdown: close every socket with 1001 so clients resume elsewhere. */
  closeSockets(): Promise<void>;
}

import { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * The fan-out fast path: a live event is framed once per board and the same
 * bytes are written straight to every watcher's socket, skipping ws's
 * per-send framing. That is only in order while ws itself has nothing queued,
 * which only ws's private Sender state tells (ws 8: `_sender._state` is 0 when
 * idle — not deflating, not reading a Blob — and `_sender._queue` holds the
 * sends waiting behind it). Private state can change in any release, so ws is
 * pinned to an exact version in package.json, a test
 * (test/realtime/raw-write.test.ts) fails if these internals change, and
 * rawWriteSupported() turns the fast path off at run time for a ws that does
 * not look like this.
 */
interface WsInternals {
  _socket: unknown;
  _sender: { _state: unknown; _queue: unknown } | null | undefined;
}

const IDLE = 0;

/** Whether an open server-side socket has the internals the fast path reads, idle. */
export function rawWriteSupported(ws: WebSocket): boolean {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  return (
    socket instanceof Socket &&
    typeof sender === 'object' &&
    sender !== null &&
    sender._state === IDLE &&
    Array.isArray(sender._queue)
  );
}

/**
 * Writes a complete frame to the socket if ws has nothing of its own waiting
 * (so the bytes go out in order); returns false when the caller must use
 * ws.send instead. Call only after rawWriteSupported said yes for this ws.
 */
export function writeRaw(ws: WebSocket, framed: Buffer): boolean {
  const { _socket: socket, _sender: sender } = ws as unknown as {
    _socket: Socket | null;
    _sender: { _state: number; _queue: unknown[] } | null;
  };
  if (!socket || !sender || sender._state !== IDLE || sender._queue.length !== 0) return false;
  socket.write(framed);
  return true;
}

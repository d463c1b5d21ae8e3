import type { BoardDetail, ErrorCode, PresenceViewer, SeedTaskEvent } from '@switchboard/core';
import { errorCatalog } from '@switchboard/core';
import type { WireEvent } from './bus/bus.js';

/**
 * Server → client messages (core's serverMessageSchema), built as strings by
 * hand where it matters: an event frame is made once per board and the same
 * bytes go to every watcher.
 */

export interface EventFrame {
  /** The message text as UTF-8. */
  payload: Buffer;
  /** The same bytes as a complete WebSocket frame (the payload is a view into it). */
  framed: Buffer;
}

/**
 * Frames a text message once, as a server sends it (FIN, opcode 1, no mask),
 * so fan-out writes the same bytes to every socket without framing per send.
 */
export function wsTextFrame(text: string): EventFrame {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const framed = Buffer.allocUnsafe(header + length);
  framed[0] = 0x81;
  if (header === 2) framed[1] = length;
  else if (header === 4) {
    framed[1] = 126;
    framed.writeUInt16BE(length, 2);
  } else {
    framed[1] = 127;
    framed.writeUInt32BE(0, 2);
    framed.writeUInt32BE(length, 6);
  }
  framed.write(text, header, 'utf8');
  return { payload: framed.subarray(header), framed };
}

export function eventFrame(wire: WireEvent): EventFrame {
  const { board_id, seq } = wire.event;
  return wsTextFrame(`{"type":"event","board_id":${board_id},"seq":${seq},"event":${wire.json}}`);
}

/** Seed 001's flat task frame, for plain clients (see Subscriber.flatFrames). */
export function flatFrame(seed: SeedTaskEvent): EventFrame {
  return wsTextFrame(JSON.stringify(seed));
}

export function snapshotFrame(board: BoardDetail): string {
  return JSON.stringify({ type: 'snapshot', board_id: board.id, seq: board.seq, board });
}

export function subscribedFrame(boardId: number, seq: number): string {
  return JSON.stringify({ type: 'subscribed', board_id: boardId, seq });
}

export function presenceFrame(boardId: number, viewers: readonly PresenceViewer[]): Buffer {
  return Buffer.from(JSON.stringify({ type: 'presence', board_id: boardId, viewers }));
}

/** `instance` names the API instance holding the socket (what X-Served-By says for HTTP). */
export function welcomeFrame(userId: number, username: string, instance: string): string {
  return JSON.stringify({ type: 'welcome', user_id: userId, username, instance });
}

export const pongFrame = '{"type":"pong"}';

export function errorFrame(code: ErrorCode, message?: string, boardId?: number): string {
  return JSON.stringify({
    type: 'error',
    code,
    message: message ?? errorCatalog[code].message,
    ...(boardId !== undefined ? { board_id: boardId } : {}),
  });
}

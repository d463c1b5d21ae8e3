import type { BoardDetail, BoardEvent, ErrorCode, PresenceViewer } from '@switchboard/core';
import { errorCatalog } from '@switchboard/core';
import type { WireEvent } from './bus.js';

/**
 * Server → client messages (core's serverMessageSchema), built as strings by
 * hand where it matters: an event frame is made once per board and the same
 * bytes go to every watcher.
 */

export function eventFrame(wire: WireEvent): Buffer {
  const { board_id, seq } = wire.event;
  return Buffer.from(`{"type":"event","board_id":${board_id},"seq":${seq},"event":${wire.json}}`);
}

export function wireEvent(event: BoardEvent): WireEvent {
  return { event, json: JSON.stringify(event) };
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

export function welcomeFrame(userId: number, username: string): string {
  return JSON.stringify({ type: 'welcome', user_id: userId, username });
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

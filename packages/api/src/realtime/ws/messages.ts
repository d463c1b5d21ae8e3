import { type ClientMessage, clientMessageSchema, wsCloseCodes } from '@switchboard/core';
import type { RawData } from 'ws';
import type { Actor } from '../../auth/actor.js';
import { errorFrame, pongFrame } from '../frames.js';
import type { Connection } from './connection.js';

/** What acting on a client's messages needs. */
export interface MessageEnv {
  /** Refused messages in a row that close the socket (4029). */
  readonly closeAfterRefused: number;
  close(conn: Connection, code: number, reason: string): void;
  authenticate(conn: Connection, token: string): void;
  subscribe(
    conn: Connection,
    actor: Actor,
    boardId: number,
    afterSeq: number | undefined,
  ): Promise<void>;
  unsubscribe(conn: Connection, boardId: number): void;
  warn(message: string, err?: unknown): void;
}

/**
 * One inbound frame: rate limit, parse, then act. Bad input gets an error
 * frame and never throws; sustained flooding closes the socket (4029).
 */
export function handleMessage(
  env: MessageEnv,
  conn: Connection,
  data: RawData,
  isBinary: boolean,
): void {
  if (conn.closing) return;
  if (!conn.bucket.take(performance.now())) {
    conn.refusedInARow += 1;
    if (conn.refusedInARow >= env.closeAfterRefused) {
      conn.sendControl(errorFrame('SB_ERR_WS_RATE_LIMITED', 'Too many messages; closing.'));
      env.close(conn, wsCloseCodes.rateLimited, 'rate limited');
      return;
    }
    // One notice per second is enough; the refused messages are dropped.
    const now = Date.now();
    if (now - conn.lastRefusalNotice >= 1_000) {
      conn.lastRefusalNotice = now;
      conn.sendControl(errorFrame('SB_ERR_WS_RATE_LIMITED'));
    }
    return;
  }
  conn.refusedInARow = 0;
  if (isBinary) {
    conn.sendControl(errorFrame('SB_ERR_WS_BAD_MESSAGE', 'Send JSON text frames.'));
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(rawText(data));
  } catch {
    conn.sendControl(errorFrame('SB_ERR_WS_BAD_MESSAGE', 'The message is not valid JSON.'));
    return;
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    conn.sendControl(
      errorFrame('SB_ERR_WS_BAD_MESSAGE', `${where}${issue?.message ?? 'unexpected message'}`),
    );
    return;
  }
  const message = parsed.data;
  if (conn.authPending) {
    void conn.authPending.then(() => act(env, conn, message));
    return;
  }
  act(env, conn, message);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function act(env: MessageEnv, conn: Connection, message: ClientMessage): void {
  if (conn.closing) return;
  switch (message.type) {
    case 'ping':
      conn.sendControl(pongFrame);
      return;
    case 'auth':
      if (conn.actor) {
        conn.sendControl(errorFrame('SB_ERR_WS_BAD_MESSAGE', 'Already authenticated.'));
        return;
      }
      env.authenticate(conn, message.token);
      return;
    case 'subscribe':
      if (!conn.actor) {
        conn.sendControl(errorFrame('SB_ERR_UNAUTHENTICATED', undefined, message.board_id));
        return;
      }
      env.subscribe(conn, conn.actor, message.board_id, message.after_seq).catch((err: unknown) => {
        env.warn(`subscribe to board ${message.board_id} failed`, err);
      });
      return;
    case 'unsubscribe':
      unsubscribe(env, conn, message.board_id);
      return;
  }
}

function unsubscribe(env: MessageEnv, conn: Connection, boardId: number): void {
  if (!conn.actor) {
    conn.sendControl(errorFrame('SB_ERR_UNAUTHENTICATED', undefined, boardId));
    return;
  }
  if (conn.mode === 'all') {
    conn.sendControl(
      errorFrame(
        'SB_ERR_WS_BAD_MESSAGE',
        'Not subscribed: the all-boards default cannot be narrowed; subscribe to the boards you want.',
        boardId,
      ),
    );
    return;
  }
  env.unsubscribe(conn, boardId);
}

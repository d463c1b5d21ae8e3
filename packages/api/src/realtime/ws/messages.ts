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
  /**
   * A client that was getting seed 001's flat frames sent a message: it speaks
   * Switchboard from now on. `replay`: its all-boards default starts over in
   * Switchboard's frames (not needed when the message is a subscribe, which
   * leaves the default and resumes by seq).
   */
  speaks(conn: Connection, replay: boolean): void;
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
  const parsed = parse(data, isBinary);
  if (conn.flatFrames) env.speaks(conn, parsed.message?.type !== 'subscribe');
  if (!parsed.message) {
    conn.sendControl(errorFrame('SB_ERR_WS_BAD_MESSAGE', parsed.problem));
    return;
  }
  const message = parsed.message;
  if (conn.authPending) {
    void conn.authPending.then(() => act(env, conn, message));
    return;
  }
  act(env, conn, message);
}

function parse(
  data: RawData,
  isBinary: boolean,
): { message: ClientMessage; problem?: never } | { message?: never; problem: string } {
  if (isBinary) return { problem: 'Send JSON text frames.' };
  let json: unknown;
  try {
    json = JSON.parse(rawText(data));
  } catch {
    return { problem: 'The message is not valid JSON.' };
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (parsed.success) return { message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { problem: `${where}${issue?.message ?? 'unexpected message'}` };
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

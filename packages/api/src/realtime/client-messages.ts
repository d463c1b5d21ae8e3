import {
  type ClientMessage,
  clientMessageSchema,
  isCodedError,
  wsCloseCodes,
} from '@switchboard/core';
import type { RawData } from 'ws';
import { accessBoard } from '../store/board-access.js';
import { getBoardDetail } from '../store/boards.js';
import type { Connection } from './connection.js';
import { errorFrame, pongFrame, presenceFrame, snapshotFrame, subscribedFrame } from './frames.js';
import type { Hub } from './hub.js';
import type { Subscription } from './subscription.js';
import { authenticate } from './ws-session.js';

/**
 * One inbound frame: rate limit, parse, then act. Bad input gets an error
 * frame and never throws; sustained flooding closes the socket (4029).
 */
export function handleMessage(hub: Hub, conn: Connection, data: RawData, isBinary: boolean): void {
  if (conn.closing) return;
  const { rateLimit } = hub.deps.options;
  if (!conn.bucket.take(performance.now())) {
    conn.refusedInARow += 1;
    if (conn.refusedInARow >= rateLimit.closeAfterRefused) {
      conn.sendControl(errorFrame('SB_ERR_WS_RATE_LIMITED', 'Too many messages; closing.'));
      hub.closeConnection(conn, wsCloseCodes.rateLimited, 'rate limited');
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
    void conn.authPending.then(() => act(hub, conn, message));
    return;
  }
  act(hub, conn, message);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function act(hub: Hub, conn: Connection, message: ClientMessage): void {
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
      authenticate(hub, conn, message.token);
      return;
    case 'subscribe':
      if (!conn.actor) {
        conn.sendControl(errorFrame('SB_ERR_UNAUTHENTICATED', undefined, message.board_id));
        return;
      }
      subscribe(hub, conn, message.board_id, message.after_seq).catch((err: unknown) => {
        hub.deps.log.warn(`subscribe to board ${message.board_id} failed`, err);
      });
      return;
    case 'unsubscribe':
      unsubscribe(hub, conn, message.board_id);
      return;
  }
}

function unsubscribe(hub: Hub, conn: Connection, boardId: number): void {
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
  conn.doneSubscribing(boardId);
  const sub = conn.subs.get(boardId);
  if (sub) hub.unsubscribe(sub);
}

function refuse(conn: Connection, boardId: number, err: unknown): void {
  if (isCodedError(err) && (err.code === 'SB_ERR_NOT_FOUND' || err.code === 'SB_ERR_FORBIDDEN')) {
    conn.sendControl(errorFrame('SB_ERR_NOT_FOUND', 'Board not found.', boardId));
  } else {
    conn.sendControl(errorFrame('SB_ERR_UNAVAILABLE', 'Could not subscribe; retry.', boardId));
  }
}

/**
 * subscribe {board_id, after_seq?}: check access (404 like REST for
 * non-members), then replay what the client missed after after_seq from the
 * board's channel (its recent frames or the log), or send a snapshot when
 * after_seq is absent, ahead of the board, or more than replayCap behind;
 * then "subscribed" with the seq the client is at, then live events. The
 * channel exists before any of it is read, so nothing committed meanwhile
 * can fall between replay and live delivery.
 */
async function subscribe(
  hub: Hub,
  conn: Connection,
  boardId: number,
  afterSeq: number | undefined,
): Promise<void> {
  const actor = conn.actor!;
  const { db, options } = hub.deps;
  if (conn.mode === 'all') {
    conn.mode = 'explicit';
    hub.allBoards.leave(conn);
  }
  if (
    !conn.subs.has(boardId) &&
    conn.subs.size + conn.subscribingCount >= options.maxSubscriptions
  ) {
    conn.sendControl(
      errorFrame(
        'SB_ERR_WS_TOO_MANY_SUBSCRIPTIONS',
        `At most ${options.maxSubscriptions} subscriptions.`,
        boardId,
      ),
    );
    return;
  }
  const token = Symbol('subscribe');
  conn.subscribing.set(boardId, token);
  const current = () => conn.subscribing.get(boardId) === token && !conn.closing;
  hub.touches.begin();
  try {
    // A board whose channel is live here knows its readers (kept current by
    // member.* events): no query then. Otherwise ask the database, like REST.
    const known = hub.channels.get(boardId);
    let head: number;
    if (known && (actor.sharedAccess || known.readers.has(actor.id))) {
      head = known.lastSeq;
    } else {
      const revocations = known?.revocations;
      try {
        head = (await accessBoard(db, boardId, actor, 'board.read')).board.seq;
      } catch (err) {
        if (current()) refuse(conn, boardId, err);
        return;
      }
      if (!current()) return;
      // Remember the verdict for a channel this check predates entirely: one we
      // create now at our head, or the same one with no removal sent meanwhile.
      const existing = hub.channels.get(boardId);
      const channel = hub.ensureChannel(boardId, head);
      if (!existing || (existing === known && channel.revocations === revocations)) {
        channel.readers.add(actor.id);
      }
    }
    const channel = hub.ensureChannel(boardId, head);
    const wantsSnapshot =
      afterSeq === undefined || afterSeq > head || head - afterSeq > options.replayCap;
    const sub = hub.attach(conn, channel, true, afterSeq ?? 0);
    if (wantsSnapshot) {
      let detail;
      try {
        detail = await getBoardDetail(db, actor, boardId);
      } catch (err) {
        if (!sub.closed) hub.unsubscribe(sub);
        if (current()) refuse(conn, boardId, err);
        return;
      }
      if (sub.closed || !current()) return;
      conn.sendControl(snapshotFrame(detail));
      sub.lastSent = detail.seq;
    }
    hub.startCatchUp(sub, (live) => goneLive(hub, live));
  } finally {
    hub.touches.end();
    conn.doneSubscribing(boardId, token);
  }
}

function goneLive(hub: Hub, sub: Subscription): void {
  const { conn, boardId } = sub;
  conn.sendControl(subscribedFrame(boardId, sub.lastSent));
  const actor = conn.actor;
  if (!actor) return;
  sub.present = true;
  hub.presence.join(boardId, actor.id, actor.username);
  const { viewers, key } = hub.presence.current(boardId);
  sub.presenceKey = key;
  conn.sendControl(presenceFrame(boardId, viewers));
}

import { type BoardDetail, isCodedError, type PresenceViewer } from '@switchboard/core';
import type { Actor } from '../../auth/actor.js';
import { errorFrame, presenceFrame, snapshotFrame, subscribedFrame } from '../frames.js';
import type { BoardChannel } from './board-channel.js';
import type { Subscriber, Subscription } from './subscription.js';

/** What an explicit subscribe needs from the hub. */
export interface SubscribeEnv {
  readonly maxSubscriptions: number;
  /** Further behind than this gets a snapshot instead of a replay. */
  readonly replayCap: number;
  /** The board's seq, if the actor may read it; a coded NOT_FOUND/FORBIDDEN error otherwise (like REST). */
  readableHead(boardId: number, actor: Actor): Promise<number>;
  boardDetail(actor: Actor, boardId: number): Promise<BoardDetail>;
  /** Opens and closes a window in which the bus's traffic is recorded (see TouchRecorder). */
  openWindow(): void;
  closeWindow(): void;
  channel(boardId: number): BoardChannel | undefined;
  ensureChannel(boardId: number, head: number): BoardChannel;
  /** The connection leaves the all-boards default (its first subscribe). */
  leaveAllBoards(conn: Subscriber): void;
  attach(
    conn: Subscriber,
    channel: BoardChannel,
    explicit: boolean,
    lastSent: number,
  ): Subscription;
  startCatchUp(sub: Subscription, onLive: (sub: Subscription) => void): void;
  unsubscribe(sub: Subscription): void;
  /** Counts the user as a viewer of the board; returns the list to send and its key. */
  joinPresence(boardId: number, actor: Actor): { viewers: PresenceViewer[]; key: string };
}

function refuse(conn: Subscriber, boardId: number, err: unknown): void {
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
export async function subscribeExplicitly(
  env: SubscribeEnv,
  conn: Subscriber,
  actor: Actor,
  boardId: number,
  afterSeq: number | undefined,
): Promise<void> {
  if (conn.mode === 'all') {
    conn.mode = 'explicit';
    env.leaveAllBoards(conn);
  }
  if (!conn.subs.has(boardId) && conn.subs.size + conn.subscribingCount >= env.maxSubscriptions) {
    conn.sendControl(
      errorFrame(
        'SB_ERR_WS_TOO_MANY_SUBSCRIPTIONS',
        `At most ${env.maxSubscriptions} subscriptions.`,
        boardId,
      ),
    );
    return;
  }
  const token = Symbol('subscribe');
  conn.subscribing.set(boardId, token);
  const current = () => conn.subscribing.get(boardId) === token && !conn.closing;
  env.openWindow();
  try {
    // A board whose channel is live here knows its readers (kept current by
    // member.* events): no query then. Otherwise ask the database, like REST.
    const known = env.channel(boardId);
    let head: number;
    if (known && (actor.sharedAccess || known.readers.has(actor.id))) {
      head = known.lastSeq;
    } else {
      const revocations = known?.revocations;
      try {
        head = await env.readableHead(boardId, actor);
      } catch (err) {
        if (current()) refuse(conn, boardId, err);
        return;
      }
      if (!current()) return;
      // Remember the verdict for a channel this check predates entirely: one we
      // create now at our head, or the same one with no removal sent meanwhile.
      const existing = env.channel(boardId);
      const channel = env.ensureChannel(boardId, head);
      if (!existing || (existing === known && channel.revocations === revocations)) {
        channel.readers.add(actor.id);
      }
    }
    const channel = env.ensureChannel(boardId, head);
    const wantsSnapshot =
      afterSeq === undefined || afterSeq > head || head - afterSeq > env.replayCap;
    const sub = env.attach(conn, channel, true, afterSeq ?? 0);
    if (wantsSnapshot) {
      let detail;
      try {
        detail = await env.boardDetail(actor, boardId);
      } catch (err) {
        if (!sub.closed) env.unsubscribe(sub);
        if (current()) refuse(conn, boardId, err);
        return;
      }
      if (sub.closed || !current()) return;
      conn.sendControl(snapshotFrame(detail));
      sub.lastSent = detail.seq;
    }
    env.startCatchUp(sub, (live) => goneLive(env, live, actor));
  } finally {
    env.closeWindow();
    conn.doneSubscribing(boardId, token);
  }
}

function goneLive(env: SubscribeEnv, sub: Subscription, actor: Actor): void {
  const { conn, boardId } = sub;
  conn.sendControl(subscribedFrame(boardId, sub.lastSent));
  if (conn.unseen) return;
  sub.present = true;
  const { viewers, key } = env.joinPresence(boardId, actor);
  sub.presenceKey = key;
  conn.sendControl(presenceFrame(boardId, viewers));
}

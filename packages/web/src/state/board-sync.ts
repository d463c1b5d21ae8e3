import type { ConnectionState, RealtimeClient } from '../realtime/connection';
import type { BoardStore } from './board-store';

export interface BoardSyncOptions {
  /** How often to fetch missed events over REST while the socket is down. */
  pollMs?: number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  now?: () => number;
}

const accessCodes = new Set(['SB_ERR_NOT_FOUND', 'SB_ERR_FORBIDDEN', 'SB_ERR_UNAUTHENTICATED']);

/**
 * Feeds one board store from the socket (events, snapshots, presence) and,
 * while the socket is down, from REST polling of the event log — so the board
 * keeps up even without /ws, and resumes from its last seq when it is back.
 */
export function syncBoard(
  store: BoardStore,
  realtime: RealtimeClient,
  options: BoardSyncOptions = {},
): () => void {
  const now = options.now ?? Date.now;
  let subscribedAt = now();
  const unwatch = realtime.watch({
    boardId: store.boardId,
    lastSeq: () => store.seq,
    onSubscribing: () => {
      subscribedAt = now();
    },
    onMessage: (message) => {
      switch (message.type) {
        case 'event':
          store.receiveEvent(message.event);
          break;
        case 'snapshot':
          store.receiveSnapshot(message.board, message.seq, subscribedAt);
          break;
        case 'subscribed':
          store.receiveSubscribed(message.seq);
          break;
        case 'presence':
          store.receivePresence(message.viewers);
          break;
        case 'error':
          if (accessCodes.has(message.code)) store.receiveAccessError(message.message);
          break;
        default:
          break;
      }
    },
  });

  let wasLive = realtime.getState().status === 'live';
  const onState = () => {
    const state: ConnectionState = realtime.getState();
    const live = state.status === 'live';
    if (wasLive && !live) {
      // Who is watching is unknown while we are cut off.
      store.receivePresence([]);
      store.catchUp().catch(() => {});
    }
    wasLive = live;
  };
  const unlisten = realtime.subscribe(onState);

  const setI = options.setInterval ?? ((fn, ms) => globalThis.setInterval(fn, ms));
  const clearI =
    options.clearInterval ?? ((h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>));
  const poll = setI(() => {
    if (realtime.getState().status !== 'live') store.catchUp().catch(() => {});
  }, options.pollMs ?? 4000);

  return () => {
    clearI(poll);
    unlisten();
    unwatch();
  };
}

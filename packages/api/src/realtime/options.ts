import { limits } from '@switchboard/core';

/**
 * Every tunable of the real-time layer, in one place. Production uses the
 * defaults; tests shorten the intervals so a crash or an outage plays out in
 * seconds.
 */
export interface RealtimeOptions {
  /** A subscriber further behind than this gets a snapshot instead of a replay. */
  replayCap: number;
  /** Bytes a connection may have waiting to be written before it counts as a slow consumer. */
  sendBufferBytes: number;
  /** Largest inbound frame; bigger ones close the socket with 1009. */
  maxPayloadBytes: number;
  /** Inbound messages: a token bucket per connection. */
  rateLimit: {
    perSecond: number;
    burst: number;
    /** Consecutive refused messages that close the socket with 4029. */
    closeAfterRefused: number;
  };
  /** The server pings this often; a peer that has not answered the previous ping is dead. */
  pingIntervalMs: number;
  /** A connection without credentials must send {"type":"auth"} within this time. */
  authTimeoutMs: number;
  /** How often live connections' sessions are re-checked (logout closes them with 4001). */
  sessionCheckMs: number;
  /** Safety net: how often watched boards' heads are compared with the log. */
  pollMs: number;
  /** Safety net: how often all-boards connections' memberships are re-read. */
  discoveryMs: number;
  /** After close(), a socket that has not finished closing is destroyed after this. */
  closeGraceMs: number;
  /** Shutdown waits at most this long (and at most closeGraceMs) for sockets to finish closing. */
  shutdownWaitMs: number;
  /** Recent event frames kept per board, to resume subscribers without reading the log. */
  ringSize: number;
  /** Sockets written per turn of the event loop when fanning out one event (see BoardChannel). */
  fanOutSlice: number;
  /** Per-board channel limits besides ringSize and fanOutSlice (see BoardChannel). */
  channel: {
    /** Bytes of recent frames kept per board. */
    ringBytes: number;
    /** Events per read of the log. */
    batch: number;
    /** How long an out-of-order event waits for the missing ones before the log is read. */
    gapWaitMs: number;
    /** Out-of-order events held per board at most. */
    maxPending: number;
  };
  /** Deleted boards remembered (so a late bus message cannot resurrect one); forgotten past this. */
  deletedBoardsKept: number;
  /** Explicit subscriptions per connection. */
  maxSubscriptions: number;
  /**
   * The all-boards default starts delivering this long after authentication,
   * so a client that subscribes right away never gets its events first.
   */
  allBoardsGraceMs: number;
  /** Bare bus hints (BUS=pg) about unknown boards are gathered this long before one membership query. */
  discoveryBatchMs: number;
  presence: {
    /** Each instance re-announces its viewers this often. */
    heartbeatMs: number;
    /** An instance not heard of for this long is gone (crashed), with its viewers. */
    ttlMs: number;
    /** Presence messages for one board are coalesced over this window. */
    pushMs: number;
    /** Longest viewer list sent. */
    maxViewers: number;
  };
  relay: {
    /** How often a non-leader tries to take the relay lock. */
    lockRetryMs: number;
    /** Safety net: how often the leader scans for unpublished events. */
    pollMs: number;
    /** Events read and published per board per round. */
    batch: number;
  };
  nats: {
    /** JetStream storage for the board stream. */
    storage: 'file' | 'memory';
    /** How long the stream keeps events (the log keeps them for good). */
    maxAgeMs: number;
    /** Nats-Msg-Id de-duplication window. */
    duplicateWindowMs: number;
  };
  redis: {
    /** Approximate length each board's stream is trimmed to (MAXLEN ~). */
    maxLen: number;
  };
}

export const defaultRealtimeOptions: RealtimeOptions = {
  replayCap: limits.replayCap,
  sendBufferBytes: 1024 * 1024,
  maxPayloadBytes: 64 * 1024,
  rateLimit: { perSecond: 20, burst: 40, closeAfterRefused: 50 },
  pingIntervalMs: 25_000,
  authTimeoutMs: 5_000,
  sessionCheckMs: 30_000,
  pollMs: 1_000,
  discoveryMs: 30_000,
  closeGraceMs: 5_000,
  shutdownWaitMs: 2_000,
  ringSize: 128,
  fanOutSlice: 64,
  channel: { ringBytes: 512 * 1024, batch: 500, gapWaitMs: 50, maxPending: 10_000 },
  deletedBoardsKept: 100_000,
  maxSubscriptions: 100,
  allBoardsGraceMs: 250,
  discoveryBatchMs: 10,
  presence: { heartbeatMs: 10_000, ttlMs: 25_000, pushMs: 150, maxViewers: 100 },
  relay: { lockRetryMs: 1_000, pollMs: 1_000, batch: 500 },
  nats: { storage: 'file', maxAgeMs: 24 * 60 * 60 * 1000, duplicateWindowMs: 2 * 60 * 1000 },
  redis: { maxLen: 10_000 },
};

/** Groups of tunables (nested objects), overridden key by key. */
type Group = 'rateLimit' | 'channel' | 'presence' | 'relay' | 'nats' | 'redis';
const groups: readonly Group[] = ['rateLimit', 'channel', 'presence', 'relay', 'nats', 'redis'];

export type RealtimeOverrides = Partial<Omit<RealtimeOptions, Group>> & {
  [K in Group]?: Partial<RealtimeOptions[K]>;
};

/** Merges overrides left to right; a group is merged key by key, not replaced. */
export function mergeRealtimeOverrides(
  ...list: (RealtimeOverrides | undefined)[]
): RealtimeOverrides {
  const out: Record<string, unknown> = {};
  for (const overrides of list) {
    for (const [key, value] of Object.entries(overrides ?? {})) {
      if (value === undefined) continue;
      const prior = out[key];
      out[key] =
        (groups as readonly string[]).includes(key) && typeof prior === 'object'
          ? { ...prior, ...(value as object) }
          : value;
    }
  }
  return out as RealtimeOverrides;
}

export function realtimeOptions(overrides: RealtimeOverrides = {}): RealtimeOptions {
  return mergeRealtimeOverrides(defaultRealtimeOptions, overrides) as RealtimeOptions;
}

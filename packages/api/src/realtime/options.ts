import { limits } from '@switchboard/core';

/**
 * Tunables of the real-time layer. Production uses the defaults; tests shorten
 * the intervals so a crash or an outage plays out in seconds.
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
  /** Recent event frames kept per board, to resume subscribers without reading the log. */
  ringSize: number;
  /** Sockets written per turn of the event loop when fanning out one event (see BoardChannel). */
  fanOutSlice: number;
  /** Explicit subscriptions per connection. */
  maxSubscriptions: number;
  /**
   * The all-boards default starts delivering this long after authentication,
   * so a client that subscribes right away never gets its events first.
   */
  allBoardsGraceMs: number;
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
  ringSize: 128,
  fanOutSlice: 64,
  maxSubscriptions: 100,
  allBoardsGraceMs: 250,
  presence: { heartbeatMs: 10_000, ttlMs: 25_000, pushMs: 150, maxViewers: 100 },
  relay: { lockRetryMs: 1_000, pollMs: 1_000, batch: 500 },
  nats: { storage: 'file', maxAgeMs: 24 * 60 * 60 * 1000, duplicateWindowMs: 2 * 60 * 1000 },
  redis: { maxLen: 10_000 },
};

export type RealtimeOverrides = Partial<
  Omit<RealtimeOptions, 'rateLimit' | 'presence' | 'relay' | 'nats' | 'redis'>
> & {
  rateLimit?: Partial<RealtimeOptions['rateLimit']>;
  presence?: Partial<RealtimeOptions['presence']>;
  relay?: Partial<RealtimeOptions['relay']>;
  nats?: Partial<RealtimeOptions['nats']>;
  redis?: Partial<RealtimeOptions['redis']>;
};

export function realtimeOptions(overrides: RealtimeOverrides = {}): RealtimeOptions {
  const d = defaultRealtimeOptions;
  return {
    ...d,
    ...overrides,
    rateLimit: { ...d.rateLimit, ...overrides.rateLimit },
    presence: { ...d.presence, ...overrides.presence },
    relay: { ...d.relay, ...overrides.relay },
    nats: { ...d.nats, ...overrides.nats },
    redis: { ...d.redis, ...overrides.redis },
  };
}

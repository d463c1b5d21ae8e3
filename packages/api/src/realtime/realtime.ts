import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type BoardEvent, type User, wsCloseCodes } from '@switchboard/core';
import { pino } from 'pino';
import type { SessionVerifier } from '../auth/sessions.js';
import type { ApiConfig } from '../config.js';
import type { Db } from '../store/db.js';
import type { Bus } from './bus.js';
import { errorFrame } from './frames.js';
import { busNames } from './bus-names.js';
import { Hub, type HubStats, type RealtimeLog } from './hub.js';
import { NatsBus } from './nats-bus.js';
import { type RealtimeOptions, type RealtimeOverrides, realtimeOptions } from './options.js';
import { PgBus } from './pg-bus.js';
import { PgListener } from './pg-listener.js';
import { RedisBus } from './redis-bus.js';
import { Relay } from './relay.js';
import { upgradeHandler } from './ws-endpoint.js';

/** What the HTTP app needs from the real-time layer. */
export interface RealtimeService {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Graceful shutdown: close every socket with 1001 so clients resume elsewhere. */
  closeSockets(): Promise<void>;
  /** A session was logged out here: close its sockets now (other instances notice within their session check). */
  sessionEnded(sessionId: string): void;
}

export interface Realtime extends RealtimeService {
  readonly hub: Hub;
  readonly bus: Bus;
  readonly relay: Relay | undefined;
  readonly listener: PgListener;
  readonly options: RealtimeOptions;
  /** This instance's commits, delivered to its own sockets without waiting for the bus. */
  committed(events: readonly BoardEvent[]): void;
  /** "ok" or what is wrong with the bus, for /ready. */
  health(): string;
  stats(): HubStats;
  stop(): Promise<void>;
}

export interface RealtimeParams {
  config: ApiConfig;
  db: Db;
  sessions: SessionVerifier;
  anonymous: User;
  overrides?: RealtimeOverrides;
  /** Tests: reach PostgreSQL for LISTEN through another address (a proxy they can cut). */
  listenerUrl?: string;
}

function logFor(config: ApiConfig): RealtimeLog {
  const logger = pino({
    level: config.logLevel,
    base: { instance: config.instanceId, component: 'realtime' },
  });
  return {
    info: (message) => logger.info(message),
    warn: (message, err) => logger.warn({ err }, message),
  };
}

function createBus(
  params: RealtimeParams,
  listener: PgListener,
  node: string,
  options: RealtimeOptions,
  log: RealtimeLog,
): Bus {
  const { config } = params;
  const names = busNames(config.busPrefix);
  const warn = (message: string, err?: unknown) => log.warn(message, err);
  switch (config.bus) {
    case 'pg':
      return new PgBus(params.db, listener, names, warn);
    case 'nats':
      if (!config.natsUrl) throw new Error('NATS_URL is required when BUS=nats');
      return new NatsBus(config.natsUrl, names, node, options.nats, warn, config.busPrefix);
    case 'redis':
      if (!config.redisUrl) throw new Error('REDIS_URL is required when BUS=redis');
      return new RedisBus(config.redisUrl, names, node, options.redis, warn, config.busPrefix);
  }
}

/**
 * Builds and starts the real-time layer of one instance: the LISTEN
 * connection, the bus adapter, the hub and (for nats/redis) the relay.
 */
export async function startRealtime(params: RealtimeParams): Promise<Realtime> {
  const { config } = params;
  const options = realtimeOptions(params.overrides);
  const node = `${config.instanceId}-${randomUUID().slice(0, 8)}`;
  const log = logFor(config);
  const listener = new PgListener({
    connectionString: params.listenerUrl ?? config.databaseUrl,
    applicationName: `switchboard-${config.instanceId}-listen`.slice(0, 63),
  });
  const bus = createBus(params, listener, node, options, log);
  const hub = new Hub({
    db: params.db,
    sessions: params.sessions,
    anonymous: params.anonymous,
    config,
    options,
    log,
    node,
    publishPresence: (message) => bus.publishPresence(message),
    maxPresenceBytes: bus.maxPresenceBytes,
  });
  const relay = bus.publisher
    ? new Relay({
        db: params.db,
        databaseUrl: config.databaseUrl,
        publisher: bus.publisher,
        listener,
        options: options.relay,
        node,
        log,
      })
    : undefined;
  // Handlers first, then the connections, so no NOTIFY falls in between.
  await bus.start(hub);
  relay?.start();
  await listener.start();
  hub.start();
  const handleUpgrade = upgradeHandler(hub, config.instanceId);
  let stopped = false;
  return {
    hub,
    bus,
    relay,
    listener,
    options,
    handleUpgrade,
    closeSockets: () => hub.closeAll(),
    sessionEnded: (sessionId) => {
      for (const conn of hub.conns) {
        if (conn.closing || conn.actor?.sessionId !== sessionId) continue;
        conn.sendControl(errorFrame('SB_ERR_UNAUTHENTICATED', 'You signed out.'));
        hub.closeConnection(conn, wsCloseCodes.unauthenticated, 'signed out');
      }
    },
    committed: (events) => hub.committed(events),
    health: () => bus.health(),
    stats: () => hub.stats(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await hub.closeAll();
      hub.stop();
      await relay?.stop();
      await bus.close();
      await listener.close();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { type BoardEvent, seedTaskEvent, type User } from '@switchboard/core';
import { pino } from 'pino';
import type { SessionVerifier } from '../auth/sessions.js';
import type { ApiConfig } from '../config.js';
import type { Db } from '../store/db.js';
import type { Bus } from './bus/bus.js';
import { busNames } from './bus/bus-names.js';
import { PgBus } from './bus/pg-bus.js';
import type { PgListener } from './bus/pg-listener.js';
import { Relay } from './bus/relay.js';
import { Hub, type HubStats } from './hub/hub.js';
import { logPublished, type RealtimeLog } from './log.js';
import { type RealtimeOptions, type RealtimeOverrides, realtimeOptions } from './options.js';
import { Periodic } from './periodic.js';
import type { RealtimeService } from './service.js';
import { Acceptor } from './ws/acceptor.js';
import { upgradeHandler } from './ws/endpoint.js';
import { Sockets } from './ws/sockets.js';

export type { RealtimeService } from './service.js';

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
  stats(): HubStats & {
    connections: number;
    /** Live frames are written straight to sockets (see ws/raw-write.ts). */
    rawWrites: boolean;
    /** Connections closed as slow consumers since start. */
    slowConsumers: number;
  };
  stop(): Promise<void>;
}

export interface RealtimeParams {
  config: ApiConfig;
  db: Db;
  sessions: SessionVerifier;
  anonymous: User;
  overrides?: RealtimeOverrides;
  /**
   * The instance's LISTEN connection, shared with the session cache:
   * started here once every handler is registered, closed by the caller
   * after stop().
   */
  listener: PgListener;
}

function logFor(config: ApiConfig): RealtimeLog {
  const logger = pino({
    level: config.logLevel,
    base: { instance: config.instanceId, component: 'realtime' },
  });
  return {
    enabled: (level) => logger.isLevelEnabled(level),
    info: (message, fields) => (fields ? logger.info(fields, message) : logger.info(message)),
    warn: (message, err) => logger.warn({ err }, message),
  };
}

/**
 * The configured bus adapter. NATS and Redis adapters are imported only when
 * chosen: their client libraries cost each instance start-up time and memory
 * that BUS=pg (the default) never uses.
 */
async function createBus(
  params: RealtimeParams,
  listener: PgListener,
  node: string,
  options: RealtimeOptions,
  log: RealtimeLog,
): Promise<Bus> {
  const { config } = params;
  const names = busNames(config.busPrefix);
  const warn = (message: string, err?: unknown) => log.warn(message, err);
  switch (config.bus) {
    case 'pg':
      return new PgBus(params.db, listener, names, warn);
    case 'nats': {
      if (!config.natsUrl) throw new Error('NATS_URL is required when BUS=nats');
      const { NatsBus } = await import('./bus/nats-bus.js');
      return new NatsBus(config.natsUrl, names, node, options.nats, warn, config.busPrefix);
    }
    case 'redis': {
      if (!config.redisUrl) throw new Error('REDIS_URL is required when BUS=redis');
      const { RedisBus } = await import('./bus/redis-bus.js');
      return new RedisBus(config.redisUrl, names, node, options.redis, warn, config.busPrefix);
    }
  }
}

/**
 * Builds and starts the real-time layer of one instance — the one place its
 * parts meet: the bus adapter (over the given LISTEN connection for pg), the
 * hub (boards), the sockets (ws), the periodic safety nets and, for
 * nats/redis, the relay.
 * Dependencies point one way: ws → hub → bus; each part gets a narrow
 * environment made here.
 */
export async function startRealtime(params: RealtimeParams): Promise<Realtime> {
  const { config, db, sessions, listener } = params;
  const options = realtimeOptions(params.overrides);
  const node = `${config.instanceId}-${randomUUID().slice(0, 8)}`;
  const log = logFor(config);
  const warn = (message: string, err?: unknown) => log.warn(message, err);
  const bus = await createBus(params, listener, node, options, log);
  const hub = new Hub({
    db,
    options,
    log,
    node,
    publishPresence: (message) => bus.publishPresence(message),
    maxPresenceBytes: bus.maxPresenceBytes,
  });
  const sockets = new Sockets({
    release: (conn) => hub.release(conn),
    liveSessions: (ids) => sessions.liveSessions(ids),
    options,
    log,
  });
  const acceptor = new Acceptor({
    add: (ws) => sockets.add(ws),
    forget: (conn) => sockets.forget(conn),
    close: (conn, code, reason) => sockets.close(conn, code, reason),
    authMode: config.authMode,
    corsOrigins: config.corsOrigins,
    anonymous: params.anonymous,
    authTimeoutMs: options.authTimeoutMs,
    instanceId: config.instanceId,
    verify: (token) => sessions.userFor(token),
    register: (conn) => hub.register(conn),
    replayDefault: (conn) => hub.replayDefault(conn),
    closeAfterRefused: options.rateLimit.closeAfterRefused,
    subscribe: (conn, actor, boardId, afterSeq) => hub.subscribe(conn, actor, boardId, afterSeq),
    unsubscribe: (conn, boardId) => hub.unsubscribeBoard(conn, boardId),
    warn,
  });
  const relay = bus.publisher
    ? new Relay({
        db,
        databaseUrl: config.databaseUrl,
        publisher: bus.publisher,
        listener,
        options: options.relay,
        node,
        log,
      })
    : undefined;
  const periodic = new Periodic(warn);
  // Logouts, here or on other instances, close the session's sockets at once;
  // after the feed was down, every open session is re-checked.
  const unfollow = [
    sessions.onRevoked((sessionId) => sockets.sessionEnded(sessionId, 'You signed out.')),
    sessions.onResync(() => {
      sockets.checkSessions().catch((err: unknown) => warn('re-checking sessions failed', err));
    }),
  ];
  // Handlers first, then the connections, so no NOTIFY falls in between.
  await bus.start(hub);
  relay?.start();
  await listener.start();
  hub.start();
  periodic.start([
    { name: 'poll heads', everyMs: options.pollMs, run: () => hub.pollHeads() },
    { name: 'ping sweep', everyMs: options.pingIntervalMs, run: () => sockets.pingSweep() },
    ...(config.authMode === 'open'
      ? []
      : [
          {
            name: 'session check',
            everyMs: options.sessionCheckMs,
            run: () => sockets.checkSessions(),
          },
        ]),
    { name: 'membership discovery', everyMs: options.discoveryMs, run: () => hub.discoverAll() },
  ]);
  const handleUpgrade = upgradeHandler({
    get open() {
      return sockets.open;
    },
    maxPayloadBytes: options.maxPayloadBytes,
    instanceId: config.instanceId,
    accept: (ws, request, url) => acceptor.accept(ws, request, url),
  });
  let stopped = false;
  return {
    hub,
    bus,
    relay,
    listener,
    options,
    handleUpgrade,
    closeSockets: () => sockets.closeAll(),
    subscribe: (conn, actor, boardId, afterSeq) => hub.subscribe(conn, actor, boardId, afterSeq),
    release: (conn) => hub.release(conn),
    committed: (events) => {
      // BUS=pg: the commit's NOTIFY was the publication (nats/redis: the relay's publish).
      if (bus.kind === 'pg' && log.enabled('info')) {
        for (const event of events) {
          const seed = seedTaskEvent(event);
          if (seed) logPublished(log, seed, 'pg');
        }
      }
      hub.committed(events);
    },
    health: () => bus.health(),
    stats: () => ({
      connections: sockets.size,
      rawWrites: sockets.rawWrites,
      slowConsumers: sockets.slowConsumers,
      ...hub.stats(),
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      periodic.stop();
      for (const stop of unfollow) stop();
      await sockets.closeAll();
      hub.stop();
      await relay?.stop();
      await bus.close();
    },
  };
}

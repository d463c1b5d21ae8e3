import { backoffDelay } from '@switchboard/core';
import pg from 'pg';

export interface PgListenerOptions {
  connectionString: string;
  applicationName: string;
  /** A query on the connection this often proves it alive (a half-open TCP link says nothing). */
  checkMs?: number;
  /** Back-off between reconnection attempts grows up to this. */
  maxBackoffMs?: number;
}

type Handler = (payload: string) => void;

/**
 * One dedicated PostgreSQL connection per instance for LISTEN. When it drops
 * (server restart, pg_terminate_backend, network) it reconnects with back-off,
 * LISTENs again and tells its users, who then catch up from the log: NOTIFYs
 * sent while it was away are lost for good.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private connected = false;
  private closed = false;
  private everConnected = false;
  private attempts = 0;
  private lastError = 'not connected yet';
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  /** The barrier round trip on the wire, and the one queued behind it (see barrier). */
  private barrierInFlight: Promise<void> | undefined;
  private barrierQueued: Promise<void> | undefined;
  private readonly checkMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: PgListenerOptions) {
    this.checkMs = options.checkMs ?? 10_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 2_000;
  }

  /** Registers a handler for a channel (before or after start). */
  listen(channel: string, handler: Handler): void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const client = this.client;
      if (client && this.connected) {
        client.query(`LISTEN ${client.escapeIdentifier(channel)}`).catch((err: unknown) => {
          this.lost(client, err);
        });
      }
    }
    set.add(handler);
  }

  /** Called after every reconnection (not the first connection). */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** Connects; if the first attempt fails, keeps trying in the background and resolves anyway. */
  async start(): Promise<void> {
    await this.connect();
    this.checkTimer = setInterval(() => void this.check(), this.checkMs);
    this.checkTimer.unref();
  }

  health(): string {
    return this.connected ? 'ok' : `LISTEN connection down: ${this.lastError}`;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /**
   * Resolves once every notification committed before this call has been
   * handed to the handlers; rejects if the connection is down. It is a round
   * trip on the LISTEN connection: a notification's commit signals the
   * listening backend before the notifier is answered, and a backend sends
   * its pending notifications before it runs the session's next command.
   * Callers share round trips: one on the wire, at most one queued behind it
   * (one already sent may predate a caller's commit).
   */
  barrier(): Promise<void> {
    if (this.barrierQueued) return this.barrierQueued;
    if (!this.barrierInFlight) return this.startBarrier();
    this.barrierQueued = this.barrierInFlight
      .catch(() => {})
      .then(() => {
        this.barrierQueued = undefined;
        return this.startBarrier();
      });
    return this.barrierQueued;
  }

  private startBarrier(): Promise<void> {
    const trip: Promise<void> = this.roundTrip().finally(() => {
      if (this.barrierInFlight === trip) this.barrierInFlight = undefined;
    });
    this.barrierInFlight = trip;
    return trip;
  }

  private async roundTrip(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) throw new Error(`LISTEN connection down: ${this.lastError}`);
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err);
      throw err;
    }
  }

  /** The server process of the live connection (tests terminate it to simulate an outage). */
  backendPid(): number | undefined {
    const client = this.client as (pg.Client & { processID?: number }) | undefined;
    return this.connected ? client?.processID : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      const set = this.handlers.get(message.channel);
      if (!set) return;
      for (const handler of set) handler(message.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) {
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
      }
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connected = true;
    this.attempts = 0;
    const reconnected = this.everConnected;
    this.everConnected = true;
    if (reconnected) for (const handler of this.reconnectHandlers) handler();
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== undefined && this.client !== client) return;
    this.lastError = err instanceof Error ? err.message : String(err);
    const wasCurrent = this.client === client || this.client === undefined;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => {});
    if (this.closed || !wasCurrent || this.retryTimer) return;
    const delay = backoffDelay(this.attempts, { baseMs: 100, maxMs: this.maxBackoffMs });
    this.attempts += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  private async check(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err);
    }
  }
}

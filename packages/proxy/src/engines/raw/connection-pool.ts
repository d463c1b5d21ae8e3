import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ResponseHead } from './response-head.js';

/** What a request on the raw engine hears from its upstream connection. */
export interface UpstreamUser {
  /** A connected socket is this request's until it is released. */
  upstreamReady(up: Upstream): void;
  /** A connection for this request could not be made: nothing was sent. */
  upstreamFailed(code: string): void;
  upstreamData(chunk: Buffer): void;
  /** The upstream sent FIN. */
  upstreamEnd(): void;
  /** The connection is gone (`code`: the socket error, if any). */
  upstreamClosed(code: string | undefined): void;
  upstreamDrain(): void;
}

export interface PoolSettings {
  /** Connections at most (busy, idle and connecting). */
  connections: number;
  /** Idle time before a kept-alive connection is closed, ms. */
  keepAlive: number;
  /** Upper bound for a server's `Keep-Alive: timeout` hint, ms. */
  keepAliveMax: number;
  connectTimeout: number;
}

/** undici's margin below a server's advertised keep-alive timeout. */
const KEEP_ALIVE_THRESHOLD = 2000;

/** One upstream connection; listeners are bound once, per connection, not per request. */
export class Upstream {
  readonly socket: Socket;
  readonly pool: ConnectionPool;
  user: UpstreamUser | undefined;
  connected = false;
  closed = false;
  idleUntil = 0;
  /** The head of the response being read on this connection (reused). */
  readonly response = new ResponseHead(Buffer.alloc(0));
  #error: string | undefined;

  constructor(pool: ConnectionPool, socket: Socket, user: UpstreamUser) {
    this.pool = pool;
    this.socket = socket;
    this.user = user;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      if (this.user !== undefined) this.user.upstreamData(d);
      else socket.destroy(); // bytes on an idle connection: it cannot be trusted again
    });
    socket.on('end', () => {
      if (this.user !== undefined) this.user.upstreamEnd();
      else socket.destroy();
    });
    socket.on('error', (err: Error & { code?: string }) => {
      this.#error ??= err.code ?? 'UND_ERR_SOCKET';
    });
    socket.on('timeout', () => {
      // Only armed while connecting.
      this.#error = 'UND_ERR_CONNECT_TIMEOUT';
      socket.destroy();
    });
    socket.on('drain', () => this.user?.upstreamDrain());
    socket.on('close', () => {
      this.closed = true;
      const user = this.user;
      this.user = undefined;
      pool.gone(this);
      if (user === undefined) return;
      if (this.connected) user.upstreamClosed(this.#error);
      else user.upstreamFailed(this.#error ?? 'UND_ERR_SOCKET');
    });
  }

  onConnected(): void {
    this.connected = true;
    this.socket.setTimeout(0);
    const user = this.user;
    if (user !== undefined) user.upstreamReady(this);
    else this.pool.release(this, true, -1);
  }
}

/**
 * Keep-alive connections to one backend, for the raw engine: idle ones are
 * reused newest first (the oldest age out), at most `connections` exist, and
 * requests beyond that wait in order. Requests never share a connection
 * (no pipelining upstream), like the undici pool it replaces.
 */
export class ConnectionPool {
  readonly #host: string;
  readonly #port: number;
  readonly #tls: boolean;
  settings: PoolSettings;
  readonly #idle: Upstream[] = [];
  readonly #all = new Set<Upstream>();
  readonly #queue: UpstreamUser[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(origin: URL, settings: PoolSettings) {
    this.#tls = origin.protocol === 'https:';
    this.#host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
    this.#port = Number(origin.port) || (this.#tls ? 443 : 80);
    this.settings = settings;
  }

  acquire(user: UpstreamUser): void {
    const idle = this.#idle;
    while (idle.length > 0) {
      const up = idle.pop() as Upstream;
      if (up.closed) continue;
      if (Date.now() >= up.idleUntil) {
        up.socket.destroy();
        continue;
      }
      up.user = user;
      user.upstreamReady(up);
      return;
    }
    if (this.#all.size < this.settings.connections) this.#connect(user);
    else this.#queue.push(user);
  }

  /** A request waiting for a connection gave up. */
  cancel(user: UpstreamUser): void {
    const i = this.#queue.indexOf(user);
    if (i !== -1) this.#queue.splice(i, 1);
  }

  /**
   * A request is done with its connection. `reusable`: the exchange ended
   * cleanly on both sides; `hintMs`: the server's Keep-Alive timeout, or -1.
   */
  release(up: Upstream, reusable: boolean, hintMs: number): void {
    up.user = undefined;
    if (up.closed) return;
    let keep = this.settings.keepAlive;
    if (hintMs !== -1) keep = Math.min(hintMs - KEEP_ALIVE_THRESHOLD, this.settings.keepAliveMax);
    if (!reusable || keep <= 0 || (this.#closed && this.#queue.length === 0)) {
      up.socket.destroy();
      return;
    }
    const next = this.#queue.shift();
    if (next !== undefined) {
      up.user = next;
      next.upstreamReady(up);
      return;
    }
    up.idleUntil = Date.now() + keep;
    this.#idle.push(up);
    if (this.#timer === undefined) this.#arm(keep);
  }

  /** Called by an Upstream when its socket closed. */
  gone(up: Upstream): void {
    this.#all.delete(up);
    const i = this.#idle.indexOf(up);
    if (i !== -1) this.#idle.splice(i, 1);
    // A slot is free: the next waiter gets a new connection.
    const next = this.#queue.shift();
    if (next !== undefined) {
      if (this.#closed) next.upstreamFailed('UND_ERR_DESTROYED');
      else this.#connect(next);
    }
  }

  #connect(user: UpstreamUser): void {
    const socket = this.#tls
      ? tlsConnect({
          host: this.#host,
          port: this.#port,
          servername: isIP(this.#host) ? undefined : this.#host,
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect({ host: this.#host, port: this.#port });
    const up = new Upstream(this, socket, user);
    this.#all.add(up);
    socket.setTimeout(this.settings.connectTimeout);
    socket.once(this.#tls ? 'secureConnect' : 'connect', () => up.onConnected());
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#expire(), ms);
    this.#timer.unref();
  }

  /** Closes connections idle past their keep-alive time; re-arms for the next one. */
  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const up of [...this.#idle]) {
      if (up.idleUntil <= now) up.socket.destroy();
      else next = Math.min(next, up.idleUntil - now);
    }
    if (next !== Infinity) this.#arm(next);
  }

  /** Graceful: idle connections close now, busy ones after their request. Force: all now. */
  close(force: boolean): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const up of [...this.#idle]) up.socket.destroy();
    if (force) {
      for (const up of [...this.#all]) up.socket.destroy();
      for (const user of this.#queue.splice(0)) user.upstreamFailed('UND_ERR_DESTROYED');
    }
  }
}

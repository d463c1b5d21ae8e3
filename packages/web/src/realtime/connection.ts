import {
  type ServerMessage,
  serverMessageSchema,
  wsCloseCodes,
  wsSubprotocol,
} from '@switchboard/core';
import { reconnectDelay } from './backoff';

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Failed attempts since the last good connection. */
  attempts: number;
  /** When the next attempt is due (ms since epoch), while reconnecting. */
  retryAt: number | null;
  /** Successful (re)connections so far. */
  connections: number;
  /** The API instance holding the socket (from the server's welcome). */
  instance: string | null;
}

/** One board's interest in the socket. */
export interface BoardChannel {
  boardId: number;
  /** Where to resume: the last seq the board applied. */
  lastSeq(): number;
  onMessage(message: ServerMessage): void;
  /** Called right before (re)subscribing. */
  onSubscribing?(): void;
}

/** The subset of the browser WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface RealtimeOptions {
  url: () => string;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** Is the network up? (navigator.onLine) */
  online?: () => boolean;
  /** The server said the session is gone (close 4001). */
  onUnauthenticated?: () => void;
  pingEveryMs?: number;
  /** No message for this long after a ping: the connection is dead. */
  pongTimeoutMs?: number;
}

const OPEN = 1;
/**
 * A second "going away" this soon after the first is not a rolling update
 * moving us on (each instance lives for seconds at least): back off instead
 * of reconnecting in a loop.
 */
const GOING_AWAY_AGAIN_MS = 2000;

/**
 * The app's single WebSocket. Keeps the wanted subscriptions, reconnects with
 * back-off and jitter — at once after 1001 "going away" (an API instance
 * shutting down for a rolling update: the proxy sends the new connection to
 * another one), quickly after 4008 (slow consumer) — and resubscribes each
 * board with after_seq = its last applied seq, so nothing is missed and
 * nothing is reloaded.
 */
export class RealtimeClient {
  private socket: SocketLike | null = null;
  private readonly channels = new Map<number, Set<BoardChannel>>();
  private state: ConnectionState = {
    status: 'connecting',
    attempts: 0,
    retryAt: null,
    connections: 0,
    instance: null,
  };
  private readonly listeners = new Set<() => void>();
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private started = false;
  private quickRetry = false;
  private lastGoingAwayAt = -Infinity;
  private readonly o: Required<Omit<RealtimeOptions, 'onUnauthenticated'>> &
    Pick<RealtimeOptions, 'onUnauthenticated'>;

  constructor(options: RealtimeOptions) {
    this.o = {
      createSocket: (url) => new WebSocket(url, wsSubprotocol) as unknown as SocketLike,
      random: Math.random,
      now: Date.now,
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
      online: () => (typeof navigator === 'undefined' ? true : navigator.onLine),
      pingEveryMs: 20_000,
      pongTimeoutMs: 10_000,
      ...options,
    };
  }

  getState = (): ConnectionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  stop(): void {
    this.started = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'bye');
    }
  }

  /** Starts listening to a board; returns the function that stops it. */
  watch(channel: BoardChannel): () => void {
    let set = this.channels.get(channel.boardId);
    const first = !set;
    if (!set) {
      set = new Set();
      this.channels.set(channel.boardId, set);
    }
    set.add(channel);
    if (first) this.sendSubscribe(channel.boardId);
    else channel.onSubscribing?.();
    return () => {
      const current = this.channels.get(channel.boardId);
      if (!current) return;
      current.delete(channel);
      if (current.size === 0) {
        this.channels.delete(channel.boardId);
        this.send({ type: 'unsubscribe', board_id: channel.boardId });
      }
    };
  }

  /** The network came back (browser "online" event) or the user asked: try now. */
  retryNow(): void {
    if (!this.started || this.state.status === 'live') return;
    if (this.socket && this.socket.readyState !== OPEN) return;
    this.clearTimers();
    this.connect();
  }

  private connect(): void {
    this.setState({
      status:
        this.state.connections === 0 && this.state.attempts === 0 ? 'connecting' : 'reconnecting',
      retryAt: null,
    });
    let socket: SocketLike;
    try {
      socket = this.o.createSocket(this.o.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setState({
        status: 'live',
        attempts: 0,
        retryAt: null,
        connections: this.state.connections + 1,
      });
      for (const boardId of this.channels.keys()) this.sendSubscribe(boardId);
      this.schedulePing();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.heardFromServer();
      this.dispatch(ev.data);
    };
    socket.onerror = () => {
      // onclose follows and decides.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      this.setState({ instance: null });
      if (!this.started) return;
      if (ev.code === wsCloseCodes.unauthenticated) {
        this.setState({ status: 'offline', retryAt: null });
        this.o.onUnauthenticated?.();
        return;
      }
      if (ev.code === wsCloseCodes.goingAway) {
        const now = this.o.now();
        const again = now - this.lastGoingAwayAt < GOING_AWAY_AGAIN_MS;
        this.lastGoingAwayAt = now;
        if (!again) {
          // Not a failure: the instance is leaving and another one takes us now.
          this.connect();
          return;
        }
      }
      // The server asked us to come back (shutdown, we fell behind): do it quickly.
      this.quickRetry = ev.code === wsCloseCodes.goingAway || ev.code === wsCloseCodes.slowConsumer;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const attempts = this.state.attempts;
    const delay = this.quickRetry
      ? Math.round(100 + this.o.random() * 400)
      : reconnectDelay(attempts, this.o.random);
    this.quickRetry = false;
    const offline = !this.o.online();
    this.setState({
      status: offline ? 'offline' : 'reconnecting',
      attempts: attempts + 1,
      retryAt: this.o.now() + delay,
    });
    this.retryTimer = this.o.setTimeout(() => {
      this.retryTimer = null;
      if (this.started) this.connect();
    }, delay);
  }

  private dispatch(data: unknown): void {
    if (typeof data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'welcome') {
      this.setState({ instance: message.instance ?? null });
      return;
    }
    if (message.type === 'pong') return;
    if (message.type === 'error' && message.board_id === undefined) return;
    const channels = this.channels.get(message.board_id as number);
    if (!channels) return;
    for (const channel of channels) channel.onMessage(message);
  }

  private sendSubscribe(boardId: number): void {
    const channels = this.channels.get(boardId);
    if (!channels || !this.socket || this.socket.readyState !== OPEN) return;
    const [first] = channels;
    if (!first) return;
    for (const channel of channels) channel.onSubscribing?.();
    this.send({ type: 'subscribe', board_id: boardId, after_seq: first.lastSeq() });
  }

  private send(message: object): void {
    if (this.socket && this.socket.readyState === OPEN) {
      try {
        this.socket.send(JSON.stringify(message));
      } catch {
        // A closing socket: onclose will reconnect and resubscribe.
      }
    }
  }

  private schedulePing(): void {
    this.o.clearTimeout(this.pingTimer);
    this.pingTimer = this.o.setTimeout(() => {
      this.send({ type: 'ping' });
      this.o.clearTimeout(this.pongTimer);
      this.pongTimer = this.o.setTimeout(() => {
        // Silent for too long: assume the path is dead and start over.
        const socket = this.socket;
        if (socket?.onclose) socket.onclose({ code: wsCloseCodes.deadPeer, reason: 'no pong' });
        socket?.close(4000, 'no pong');
      }, this.o.pongTimeoutMs);
    }, this.o.pingEveryMs);
  }

  private heardFromServer(): void {
    this.o.clearTimeout(this.pongTimer);
    this.pongTimer = null;
    this.schedulePing();
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.pingTimer, this.pongTimer]) {
      if (timer !== null) this.o.clearTimeout(timer);
    }
    this.retryTimer = this.pingTimer = this.pongTimer = null;
  }

  private setState(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

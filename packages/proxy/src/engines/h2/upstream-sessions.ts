import {
  connect,
  constants,
  type ClientHttp2Session,
  type SecureClientSessionOptions,
} from 'node:http2';

export interface H2SessionSettings {
  /** HTTP/2 connections kept to the backend; streams are spread over them. */
  connections: number;
  connectTimeout: number;
  /** Idle time after which a connection with no stream open is closed. */
  keepAlive: number;
}

/**
 * The HTTP/2 connections to one backend (h2c or h2): a few sessions, each
 * carrying many streams, handed out in turn. A session that fails, closes or
 * receives GOAWAY leaves the set at once, so the next call opens a fresh one;
 * streams it had not started fail with REFUSED_STREAM, which the exchange
 * retries elsewhere (see retry-rules NOT_PROCESSED).
 */
export class UpstreamSessions {
  readonly #origin: string;
  readonly #settings: H2SessionSettings;
  readonly #live: ClientHttp2Session[] = [];
  #next = 0;
  #closed = false;

  constructor(origin: string, settings: H2SessionSettings) {
    this.#origin = origin;
    this.#settings = settings;
  }

  /** A session to open the next stream on (connecting it if there is room for one more). */
  session(): ClientHttp2Session {
    if (this.#closed) throw Object.assign(new Error('backend closed'), { code: 'UND_ERR_CLOSED' });
    const live = this.#live;
    if (live.length < this.#settings.connections) return this.#open();
    this.#next = (this.#next + 1) % live.length;
    return live[this.#next] as ClientHttp2Session;
  }

  #open(): ClientHttp2Session {
    const s = this.#settings;
    const opts: SecureClientSessionOptions = {
      settings: { enablePush: false, initialWindowSize: 1 << 20 },
      // A backend is trusted like an HTTP/1.1 one: its certificate is not checked (as undici's pool is set up).
      rejectUnauthorized: false,
    };
    const session = connect(this.#origin, opts);
    const live = this.#live;
    live.push(session);
    const leave = (): void => {
      const i = live.indexOf(session);
      if (i !== -1) live.splice(i, 1);
    };
    const timer = setTimeout(() => {
      if (!session.connecting) return;
      session.destroy(
        Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      );
    }, s.connectTimeout);
    timer.unref();
    session.once('connect', () => clearTimeout(timer));
    session.on('goaway', leave);
    session.on('close', () => {
      clearTimeout(timer);
      leave();
    });
    // Errors reach the streams; the session only has to leave the set.
    session.on('error', leave);
    session.setTimeout(s.keepAlive, () => {
      leave();
      session.close();
    });
    session.unref();
    return session;
  }

  /** Connections open now (admin, tests). */
  get size(): number {
    return this.#live.length;
  }

  /** Lets in-flight streams finish (`force`: cuts them). */
  close(force: boolean): void {
    this.#closed = true;
    for (const s of this.#live.splice(0)) {
      if (force) s.destroy();
      else s.close();
    }
  }
}

export const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = constants;

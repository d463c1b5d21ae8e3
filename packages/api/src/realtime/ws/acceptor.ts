import type { IncomingMessage } from 'node:http';
import { type User, wsCloseCodes, wsSubprotocol } from '@switchboard/core';
import type { RawData, WebSocket } from 'ws';
import type { Actor } from '../../auth/actor.js';
import type { AuthMode } from '../../config.js';
import { errorFrame } from '../frames.js';
import { type AuthEnv, authenticate, authenticated, welcome } from './authentication.js';
import type { Connection } from './connection.js';
import { originAllowed, upgradeCredentials } from './credentials.js';
import { handleMessage, type MessageEnv } from './messages.js';

/** What accepting sockets needs from the instance (authenticating and messages included). */
export interface AcceptorEnv extends AuthEnv, Omit<MessageEnv, 'authenticate' | 'speaks'> {
  /** The registry the socket joins. */
  add(ws: WebSocket): Connection;
  /** Its socket closed. */
  forget(conn: Connection): void;
  readonly authMode: AuthMode;
  readonly corsOrigins: '*' | string[];
  /** The built-in user of AUTH_MODE=open. */
  readonly anonymous: Pick<User, 'id' | 'username'>;
  readonly authTimeoutMs: number;
  /** The all-boards default of a client that stopped getting flat frames starts over (see AllBoards). */
  replayDefault(conn: Connection): void;
}

const kConnection = Symbol('connection');
type Tagged = WebSocket & { [kConnection]: Connection };

/**
 * Takes upgraded sockets in: wires their events to shared listeners (no
 * closures per connection: thousands sit idle), decides which frames they get
 * (Switchboard's, or seed 001's flat task frames for a plain client), then
 * authenticates them.
 * AUTH_MODE=open makes everyone the anonymous user at once; otherwise
 * credentials come with the upgrade (header, ?token=, cookie) or in a first
 * {"type":"auth"} message within authTimeoutMs. Messages that arrive while
 * the upgrade's token is being checked wait for the verdict, in order.
 */
export class Acceptor {
  private readonly messageEnv: MessageEnv;
  /** AUTH_MODE=open: one frozen actor serves every socket. */
  private readonly openActor: Actor;
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(private readonly env: AcceptorEnv) {
    this.messageEnv = {
      closeAfterRefused: env.closeAfterRefused,
      close: (conn, code, reason) => env.close(conn, code, reason),
      authenticate: (conn, token) => authenticate(env, conn, token),
      speaks: (conn, replay) => {
        conn.flatFrames = false;
        welcome(env, conn);
        if (replay) env.replayDefault(conn);
      },
      subscribe: (conn, actor, boardId, afterSeq) => env.subscribe(conn, actor, boardId, afterSeq),
      unsubscribe: (conn, boardId) => env.unsubscribe(conn, boardId),
      warn: (message, err) => env.warn(message, err),
    };
    this.openActor = Object.freeze({
      id: env.anonymous.id,
      username: env.anonymous.username,
      sharedAccess: true,
    });
    const messageEnv = this.messageEnv;
    this.onMessage = function (data, isBinary) {
      handleMessage(messageEnv, (this as Tagged)[kConnection], data, isBinary);
    };
    this.onPong = function () {
      (this as Tagged)[kConnection].alive = true;
    };
    this.onClose = function () {
      env.forget((this as Tagged)[kConnection]);
    };
  }

  accept(ws: WebSocket, request: IncomingMessage, url: URL): void {
    const { env } = this;
    const conn = env.add(ws);
    (ws as Tagged)[kConnection] = conn;
    // Seed 001's clients offer no subprotocol and never send anything: until a
    // client offers switchboard.v1 or sends a message, it gets the seed's frames.
    conn.flatFrames = ws.protocol !== wsSubprotocol;
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('close', this.onClose);
    // 'close' follows every error.
    ws.on('error', ignore);

    if (env.authMode === 'open') {
      authenticated(env, conn, this.openActor);
      return;
    }
    const credentials = upgradeCredentials(request, url);
    const trusted = credentials.source !== 'cookie' || originAllowed(request, env.corsOrigins);
    if (credentials.token && trusted) {
      authenticate(env, conn, credentials.token);
      return;
    }
    conn.authTimer = setTimeout(() => {
      if (conn.actor || conn.closing) return;
      conn.sendControl(
        errorFrame('SB_ERR_UNAUTHENTICATED', 'Send {"type":"auth","token":…} first, or sign in.'),
      );
      env.close(conn, wsCloseCodes.unauthenticated, 'authentication timeout');
    }, env.authTimeoutMs);
    conn.authTimer.unref();
  }
}

function ignore(): void {}

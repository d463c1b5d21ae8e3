import type { IncomingMessage } from 'node:http';
import { wsCloseCodes } from '@switchboard/core';
import type { RawData, WebSocket } from 'ws';
import type { Actor } from '../auth/actor.js';
import { handleMessage } from './client-messages.js';
import type { Connection } from './connection.js';
import { errorFrame, welcomeFrame } from './frames.js';
import type { Hub } from './hub.js';
import { originAllowed, upgradeCredentials } from './ws-auth.js';

const kConnection = Symbol('connection');
type Tagged = WebSocket & { [kConnection]: Connection };

interface SharedListeners {
  message(this: WebSocket, data: RawData, isBinary: boolean): void;
  pong(this: WebSocket): void;
  close(this: WebSocket): void;
  error(this: WebSocket): void;
}

/** Listeners shared by every socket of a hub: no closures per connection (thousands sit idle). */
const listenersByHub = new WeakMap<Hub, SharedListeners>();

function listenersFor(hub: Hub): SharedListeners {
  let listeners = listenersByHub.get(hub);
  if (!listeners) {
    listeners = {
      message(data, isBinary) {
        handleMessage(hub, (this as Tagged)[kConnection], data, isBinary);
      },
      pong() {
        (this as Tagged)[kConnection].alive = true;
      },
      close() {
        hub.forget((this as Tagged)[kConnection]);
      },
      // 'close' follows every error.
      error() {},
    };
    listenersByHub.set(hub, listeners);
  }
  return listeners;
}

const openActors = new WeakMap<Hub, Actor>();

/** AUTH_MODE=open: everyone is the same anonymous actor; one object serves every socket. */
function openModeActor(hub: Hub): Actor {
  let actor = openActors.get(hub);
  if (!actor) {
    const { anonymous } = hub.deps;
    actor = Object.freeze({ id: anonymous.id, username: anonymous.username, sharedAccess: true });
    openActors.set(hub, actor);
  }
  return actor;
}

/**
 * A new socket: wire its events, then authenticate it. AUTH_MODE=open makes
 * everyone the anonymous user at once; otherwise credentials come with the
 * upgrade (header, ?token=, cookie) or in a first {"type":"auth"} message
 * within authTimeoutMs. Messages that arrive while the upgrade's token is
 * being checked wait for the verdict, in order.
 */
export function acceptConnection(
  hub: Hub,
  ws: WebSocket,
  request: IncomingMessage,
  url: URL,
): void {
  const conn = hub.newConnection(ws);
  (ws as Tagged)[kConnection] = conn;
  const listeners = listenersFor(hub);
  ws.on('message', listeners.message);
  ws.on('pong', listeners.pong);
  ws.on('close', listeners.close);
  ws.on('error', listeners.error);

  const { config, options } = hub.deps;
  if (config.authMode === 'open') {
    authenticated(hub, conn, openModeActor(hub));
    return;
  }
  const credentials = upgradeCredentials(request, url);
  const trusted = credentials.source !== 'cookie' || originAllowed(request, config.corsOrigins);
  if (credentials.token && trusted) {
    authenticate(hub, conn, credentials.token);
    return;
  }
  conn.authTimer = setTimeout(() => {
    if (conn.actor || conn.closing) return;
    conn.sendControl(
      errorFrame('SB_ERR_UNAUTHENTICATED', 'Send {"type":"auth","token":…} first, or sign in.'),
    );
    hub.closeConnection(conn, wsCloseCodes.unauthenticated, 'authentication timeout');
  }, options.authTimeoutMs);
  conn.authTimer.unref();
}

/** Checks a session token; on success the connection is welcomed, on failure closed with 4001. */
export function authenticate(hub: Hub, conn: Connection, token: string): void {
  conn.authPending = hub.deps.sessions.userFor(token).then(
    (user) => {
      conn.authPending = undefined;
      if (conn.closing) return;
      if (!user) {
        conn.sendControl(
          errorFrame('SB_ERR_UNAUTHENTICATED', 'The token is invalid or its session ended.'),
        );
        hub.closeConnection(conn, wsCloseCodes.unauthenticated, 'unauthenticated');
        return;
      }
      authenticated(hub, conn, {
        id: user.id,
        username: user.username,
        sharedAccess: false,
        sessionId: user.sessionId,
      });
    },
    (err: unknown) => {
      conn.authPending = undefined;
      hub.deps.log.warn('checking a WebSocket session failed', err);
      conn.sendControl(errorFrame('SB_ERR_UNAVAILABLE', 'Could not check the session; reconnect.'));
      hub.closeConnection(conn, 1011, 'session check failed');
    },
  );
}

function authenticated(hub: Hub, conn: Connection, actor: Actor): void {
  clearTimeout(conn.authTimer);
  conn.actor = actor;
  conn.sendControl(welcomeFrame(actor.id, actor.username, hub.deps.config.instanceId));
  hub.allBoards.register(conn);
}

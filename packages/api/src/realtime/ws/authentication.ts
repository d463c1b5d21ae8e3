import { wsCloseCodes } from '@switchboard/core';
import type { Actor } from '../../auth/actor.js';
import type { SessionUser } from '../../auth/sessions.js';
import { errorFrame, welcomeFrame } from '../frames.js';
import type { Connection } from './connection.js';

/** What authenticating a socket needs. */
export interface AuthEnv {
  /** The user of a live session token, or undefined. */
  verify(token: string): Promise<SessionUser | undefined>;
  /** Named in the welcome (what X-Served-By says for HTTP). */
  readonly instanceId: string;
  /** The connection is authenticated: the hub starts its all-boards default. */
  register(conn: Connection): void;
  close(conn: Connection, code: number, reason: string): void;
  warn(message: string, err?: unknown): void;
}

/** Checks a session token; on success the connection is welcomed, on failure closed with 4001. */
export function authenticate(env: AuthEnv, conn: Connection, token: string): void {
  conn.authPending = env.verify(token).then(
    (user) => {
      conn.authPending = undefined;
      if (conn.closing) return;
      if (!user) {
        conn.sendControl(
          errorFrame('SB_ERR_UNAUTHENTICATED', 'The token is invalid or its session ended.'),
        );
        env.close(conn, wsCloseCodes.unauthenticated, 'unauthenticated');
        return;
      }
      authenticated(env, conn, {
        id: user.id,
        username: user.username,
        sharedAccess: false,
        sessionId: user.sessionId,
      });
    },
    (err: unknown) => {
      conn.authPending = undefined;
      env.warn('checking a WebSocket session failed', err);
      conn.sendControl(errorFrame('SB_ERR_UNAVAILABLE', 'Could not check the session; reconnect.'));
      env.close(conn, 1011, 'session check failed');
    },
  );
}

export function authenticated(env: AuthEnv, conn: Connection, actor: Actor): void {
  clearTimeout(conn.authTimer);
  conn.actor = actor;
  // A plain client gets nothing but the seed's frames; it is welcomed if it ever speaks.
  if (!conn.flatFrames) welcome(env, conn);
  env.register(conn);
}

export function welcome(env: Pick<AuthEnv, 'instanceId'>, conn: Connection): void {
  const actor = conn.actor;
  if (actor) conn.sendControl(welcomeFrame(actor.id, actor.username, env.instanceId));
}

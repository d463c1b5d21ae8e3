import type { User } from '@switchboard/core';
import type { AuthMode } from '../config.js';
import type { Actor } from './actor.js';
import type { SessionVerifier } from './sessions.js';

/** What resolving a caller needs: REST, WebSocket-free callers such as gRPC. */
export interface ActorSources {
  authMode: AuthMode;
  /** The built-in user of AUTH_MODE=open. */
  anonymous: User;
  sessions: Pick<SessionVerifier, 'userFor'>;
}

/** The token of an `Authorization: Bearer …` header (HTTP or gRPC metadata). */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/**
 * Who is calling: open mode's anonymous user, or the user of a live session
 * token; null when accounts are on and the token is missing or dead.
 */
export async function resolveActor(
  sources: ActorSources,
  token: string | undefined,
): Promise<Actor | null> {
  if (sources.authMode === 'open') {
    return { id: sources.anonymous.id, username: sources.anonymous.username, sharedAccess: true };
  }
  if (!token) return null;
  const user = await sources.sessions.userFor(token);
  if (!user) return null;
  return { id: user.id, username: user.username, sharedAccess: false, sessionId: user.sessionId };
}

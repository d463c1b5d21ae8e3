import { sql } from 'kysely';
import type { Db } from '../store/db.js';
import { liveSessionUser } from '../store/users.js';
import type { TokenService } from './tokens.js';

export interface SessionUser {
  id: number;
  username: string;
  sessionId: string;
}

/**
 * How revocations reach this instance from the others: PostgreSQL LISTEN on
 * `sessionRevokedChannel` (every instance has PostgreSQL, whatever BUS is).
 */
export interface RevocationFeed {
  listen(channel: string, handler: (payload: string) => void): void;
  /** Called after the feed came back: what was sent meanwhile is lost. */
  onReconnect(handler: () => void): void;
  isConnected(): boolean;
  /** Resolves once every revocation committed before the call has been heard; rejects if the feed is down. */
  barrier(): Promise<void>;
}

export interface SessionCacheOptions {
  /** How long a checked token is remembered. */
  cacheMs: number;
  /** How long a logout waits at most to hear its own revocation back from the feed. */
  echoWaitMs: number;
}

export const defaultSessionCacheOptions: SessionCacheOptions = {
  cacheMs: 5_000,
  echoWaitMs: 1_000,
};

/** The NOTIFY channel of logouts; the payload is the session id. */
export const sessionRevokedChannel = 'sb_session_revoked';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a token and that its session is still live (not logged out). A token
 * that checked out is remembered for a few seconds, so a busy client costs
 * neither a signature check nor a query of the sessions table per request.
 *
 * Invariant: a remembered session is never served after its logout committed,
 * on any instance. A logout revokes the row and NOTIFYs every instance in one
 * statement; each instance forgets the session when the NOTIFY arrives, and
 * before serving from the cache it passes the feed's barrier, which proves
 * every revocation committed before the request has arrived. The cache is
 * used only while the feed is connected, and is emptied when it comes back
 * (revocations sent meanwhile are lost); a check that straddles a revocation
 * or a reconnection is not remembered.
 */
export class SessionVerifier {
  private readonly cache = new Map<string, { user: SessionUser; until: number }>();
  private readonly revokedHandlers = new Set<(sessionId: string) => void>();
  private readonly resyncHandlers = new Set<() => void>();
  /** Bumped on every revocation heard and every reconnection of the feed. */
  private epoch = 0;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly feed: RevocationFeed,
    private readonly options: SessionCacheOptions = defaultSessionCacheOptions,
  ) {
    feed.listen(sessionRevokedChannel, (payload) => {
      if (uuidPattern.test(payload)) this.revoked(payload);
    });
    feed.onReconnect(() => {
      this.epoch += 1;
      this.cache.clear();
      for (const handler of this.resyncHandlers) handler();
    });
  }

  async userFor(token: string): Promise<SessionUser | undefined> {
    const now = Date.now();
    // Fail closed: without the feed a revocation could go unheard, so ask the database.
    const cacheable = this.feed.isConnected();
    const cached = this.cache.get(token);
    if (cached && cacheable && cached.until > now) {
      // Shared by concurrent requests: about one round trip on the LISTEN connection.
      const heard = await this.feed.barrier().then(
        () => true,
        () => false,
      );
      // A revocation heard meanwhile removed the entry; a reconnection emptied the cache.
      if (heard && this.cache.get(token) === cached) return cached.user;
    }
    if (this.cache.get(token) === cached) this.cache.delete(token);
    const epoch = this.epoch;
    const claims = await this.tokens.verify(token);
    if (!claims) return undefined;
    const row = await liveSessionUser(this.db, claims.sessionId);
    if (!row || row.id !== claims.userId) return undefined;
    const user = { id: row.id, username: row.username, sessionId: claims.sessionId };
    if (cacheable && epoch === this.epoch && this.feed.isConnected()) {
      if (this.cache.size >= 10_000) this.cache.clear();
      // Never past the token's own expiry.
      this.cache.set(token, {
        user,
        until: Math.min(now + this.options.cacheMs, claims.expiresAt * 1000),
      });
    }
    return user;
  }

  /** Which of these sessions are still live (not logged out, not expired). */
  async liveSessions(sessionIds: readonly string[]): Promise<Set<string>> {
    if (sessionIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('sessions')
      .select('id')
      .where(sql<boolean>`id = ANY(${[...sessionIds]}::uuid[])`)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Logout: revokes the session and tells every instance, in one statement
   * (the NOTIFY goes out when the revocation commits).
   */
  async revoke(sessionId: string): Promise<void> {
    await sql`
      WITH revoked AS (
        UPDATE sessions SET revoked_at = coalesce(revoked_at, now())
        WHERE id = ${sessionId}::uuid RETURNING id
      )
      SELECT pg_notify(${sessionRevokedChannel}, id::text) FROM revoked`.execute(this.db);
    this.revoked(sessionId);
  }

  /** Told of every revocation, this instance's and others' (may be told twice). */
  onRevoked(handler: (sessionId: string) => void): () => void {
    this.revokedHandlers.add(handler);
    return () => this.revokedHandlers.delete(handler);
  }

  /** Told when revocations may have been missed (the feed reconnected): re-check what is open. */
  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  private revoked(sessionId: string): void {
    this.epoch += 1;
    for (const [token, entry] of this.cache) {
      if (entry.user.sessionId === sessionId) this.cache.delete(token);
    }
    for (const handler of this.revokedHandlers) handler(sessionId);
  }
}

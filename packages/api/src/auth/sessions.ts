import { sql } from 'kysely';
import type { Db } from '../store/db.js';
import { liveSessionUser, revokeSession } from '../store/users.js';
import type { TokenService } from './tokens.js';

export interface SessionUser {
  id: number;
  username: string;
  sessionId: string;
}

/**
 * Checks a token and that its session is still live (not logged out). A token
 * that checked out is remembered for a few seconds, so a busy client costs
 * neither a signature check nor a query per request; a logout on this
 * instance forgets at once, on others within `cacheMs`.
 */
export class SessionVerifier {
  private readonly cache = new Map<string, { user: SessionUser; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly cacheMs = 5_000,
  ) {}

  async userFor(token: string): Promise<SessionUser | undefined> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.until > now) return cached.user;
      this.cache.delete(token);
    }
    const claims = await this.tokens.verify(token);
    if (!claims) return undefined;
    const row = await liveSessionUser(this.db, claims.sessionId);
    if (!row || row.id !== claims.userId) return undefined;
    const user = { id: row.id, username: row.username, sessionId: claims.sessionId };
    if (this.cache.size >= 10_000) this.cache.clear();
    // Never past the token's own expiry.
    this.cache.set(token, { user, until: Math.min(now + this.cacheMs, claims.expiresAt * 1000) });
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

  async revoke(sessionId: string): Promise<void> {
    for (const [token, entry] of this.cache) {
      if (entry.user.sessionId === sessionId) this.cache.delete(token);
    }
    await revokeSession(this.db, sessionId);
  }
}

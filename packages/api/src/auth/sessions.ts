import type { Db } from '../store/db.js';
import { liveSessionUser, revokeSession } from '../store/users.js';
import type { SessionClaims, TokenService } from './tokens.js';

/**
 * Checks a token and that its session is still live (not logged out). Live
 * sessions are remembered for a few seconds so a busy client does not cost a
 * query per request; a logout on this instance forgets at once, on others
 * within `cacheMs`.
 */
export class SessionVerifier {
  private readonly cache = new Map<
    string,
    { user: { id: number; username: string }; until: number }
  >();

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly cacheMs = 5_000,
  ) {}

  async userFor(
    token: string,
  ): Promise<{ id: number; username: string; sessionId: string } | undefined> {
    const claims: SessionClaims | undefined = await this.tokens.verify(token);
    if (!claims) return undefined;
    const now = Date.now();
    const cached = this.cache.get(claims.sessionId);
    if (cached && cached.until > now && cached.user.id === claims.userId) {
      return { ...cached.user, sessionId: claims.sessionId };
    }
    const user = await liveSessionUser(this.db, claims.sessionId);
    if (!user || user.id !== claims.userId) {
      this.cache.delete(claims.sessionId);
      return undefined;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(claims.sessionId, { user, until: now + this.cacheMs });
    return { ...user, sessionId: claims.sessionId };
  }

  async revoke(sessionId: string): Promise<void> {
    this.cache.delete(sessionId);
    await revokeSession(this.db, sessionId);
  }
}

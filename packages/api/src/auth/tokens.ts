import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { limits } from '@switchboard/core';
import { jwtVerify, SignJWT } from 'jose';

export interface SessionClaims {
  userId: number;
  username: string;
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  sessionId: string;
  expiresAt: Date;
}

/** Session tokens: HS256 JWTs naming the user (sub) and the session (sid), valid 30 days. */
export class TokenService {
  // A KeyObject made once: handing jose raw bytes would import the key on every call.
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async issue(userId: number, username: string): Promise<IssuedToken> {
    const sessionId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const exp = now + limits.sessionSeconds;
    const token = await new SignJWT({ sid: sessionId, name: username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, sessionId, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid, unexpired token; undefined for anything else. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0) return undefined;
      if (typeof payload.sid !== 'string' || typeof payload.name !== 'string') return undefined;
      return {
        userId,
        username: payload.name,
        sessionId: payload.sid,
        expiresAt: payload.exp ?? 0,
      };
    } catch {
      return undefined;
    }
  }
}

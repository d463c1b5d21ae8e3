import { decodeJwt, jwtVerify } from 'jose';
import { parseCookie } from '../request/cookies.js';

/**
 * Who is calling, for per-user limits: the `sub` of a JWT from
 * `Authorization: Bearer` or the session cookie. With a secret the token is
 * verified (HS256) and a bad one counts as anonymous; without, it is only
 * decoded — good enough to key a limit, never to trust (the IP limit still applies).
 */
export class IdentityResolver {
  readonly #secret: Uint8Array | undefined;
  readonly #cookie: string;
  readonly #cache = new Map<string, { sub: string | undefined; exp: number }>();

  constructor(opts: { jwtSecret?: string | undefined; sessionCookie: string }) {
    this.#secret = opts.jwtSecret ? new TextEncoder().encode(opts.jwtSecret) : undefined;
    this.#cookie = opts.sessionCookie;
  }

  tokenOf(authorization: string | undefined, cookieHeader: string | undefined): string | undefined {
    if (authorization !== undefined && /^bearer /i.test(authorization)) {
      const t = authorization.slice(7).trim();
      if (t) return t;
    }
    if (cookieHeader !== undefined && cookieHeader.includes(this.#cookie)) {
      return parseCookie(cookieHeader)[this.#cookie] || undefined;
    }
    return undefined;
  }

  async userOf(token: string | undefined): Promise<string | undefined> {
    if (token === undefined) return undefined;
    const now = Date.now();
    const hit = this.#cache.get(token);
    if (hit !== undefined && hit.exp > now) return hit.sub;
    let sub: string | undefined;
    let exp = now + 60_000;
    try {
      if (this.#secret) {
        const { payload } = await jwtVerify(token, this.#secret, { algorithms: ['HS256'] });
        sub = typeof payload.sub === 'string' ? payload.sub : undefined;
        if (payload.exp) exp = Math.min(exp, payload.exp * 1000);
      } else {
        const payload = decodeJwt(token);
        sub = typeof payload.sub === 'string' ? payload.sub : undefined;
      }
    } catch {
      sub = undefined;
    }
    if (this.#cache.size >= 10_000) this.#cache.clear();
    this.#cache.set(token, { sub, exp });
    return sub;
  }
}

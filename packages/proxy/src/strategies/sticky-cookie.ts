import type { PickContext, Strategy, Target } from './types.js';

/**
 * Cookie sticky sessions, for backends that keep per-client state: the proxy sets a cookie naming the
 * backend; later requests carrying it go there while it is usable. When it is
 * not (down, draining, removed) the fallback strategy chooses and the cookie
 * is rewritten.
 */
export class StickyCookieStrategy implements Strategy {
  readonly name = 'sticky-cookie' as const;
  readonly cookieName: string;
  readonly #fallback: Strategy;
  readonly #attrs: string;

  constructor(
    opts: { cookie?: string | undefined; max_age?: number | undefined },
    fallback: Strategy,
  ) {
    this.cookieName = opts.cookie ?? 'sb_backend';
    this.#fallback = fallback;
    this.#attrs =
      '; Path=/; HttpOnly; SameSite=Lax' +
      (opts.max_age ? `; Max-Age=${Math.floor(opts.max_age / 1000)}` : '');
  }

  pick<T extends Target>(targets: readonly T[], ctx: PickContext): T | undefined {
    const wanted = ctx.cookie(this.cookieName);
    if (wanted !== undefined) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as T;
        if (t.id === wanted) return t;
      }
    }
    const chosen = this.#fallback.pick(targets, ctx);
    if (chosen) ctx.setCookie = `${this.cookieName}=${encodeURIComponent(chosen.id)}${this.#attrs}`;
    return chosen;
  }
}

import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Harness, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('auth', {
    authLimits: {
      loginPerIpPerMinute: 8,
      loginFailuresPerUserIpPer15Min: 3,
      loginSlowdownAfterFailures: 3,
      registerPerIpPerHour: 6,
    },
  });
});
afterAll(async () => h?.close());

const anon = () => new Client(h.app);
const password = 'correct horse battery';
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  return (Array.isArray(raw) ? raw.join('\n') : String(raw ?? '')) as string;
}

describe('accounts', () => {
  it('register signs in with an httpOnly SameSite=Lax cookie and a 30-day token', async () => {
    const res = await anon().post(
      '/api/auth/register',
      { username: 'Alice', password },
      { 'x-forwarded-for': '10.0.0.1' },
    );
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: 'Alice' });
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^sb_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=2592000/);
    expect(cookie).toMatch(/Path=\//);
    const claims = decodeJwt(res.body.token);
    expect(claims.exp! - claims.iat!).toBe(30 * 24 * 3600);
    expect(claims.sub).toBe(String(res.body.user.id));

    // The token works as a bearer token and as the cookie.
    const bearer = await new Client(h.app, res.body.token).get('/api/me');
    expect(bearer.body.user.username).toBe('Alice');
    const viaCookie = await anon().get('/api/me', { cookie: `sb_session=${res.body.token}` });
    expect(viaCookie.status).toBe(200);
  });

  it('stores argon2id hashes, never the password', async () => {
    const row = await h.deps.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'Alice')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(password);
  });

  it('refuses a taken username whatever its case', async () => {
    const res = await anon().post(
      '/api/auth/register',
      { username: 'alice', password },
      { 'x-forwarded-for': '10.0.0.1' },
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('SB_ERR_USERNAME_TAKEN');
  });

  it('login: right password signs in; wrong password and unknown user look the same', async () => {
    const ok = await anon().post(
      '/api/auth/login',
      { username: 'alice', password },
      { 'x-forwarded-for': '10.0.0.2' },
    );
    expect(ok.status).toBe(200);
    expect(cookieOf(ok)).toMatch(/sb_session=/);
    const wrong = await anon().post(
      '/api/auth/login',
      { username: 'Alice', password: 'wrong password' },
      { 'x-forwarded-for': '10.0.0.2' },
    );
    const unknown = await anon().post(
      '/api/auth/login',
      { username: 'nobody', password },
      { 'x-forwarded-for': '10.0.0.2' },
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    const anonymous = await anon().post(
      '/api/auth/login',
      { username: 'anonymous', password },
      { 'x-forwarded-for': '10.0.0.2' },
    );
    expect(anonymous.status).toBe(401);
  });

  it('logout ends the session everywhere and clears the cookie', async () => {
    const login = await anon().post(
      '/api/auth/login',
      { username: 'Alice', password },
      { 'x-forwarded-for': '10.0.0.3' },
    );
    const client = new Client(h.app, login.body.token);
    expect((await client.get('/api/me')).status).toBe(200);
    const out = await client.post('/api/auth/logout');
    expect(out.status).toBe(204);
    expect(cookieOf(out)).toMatch(/sb_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    const after = await client.get('/api/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('GET /api/auth/session answers 200 signed in or not (a page asks it before knowing)', async () => {
    const none = await anon().get('/api/auth/session');
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ user: null, auth_mode: 'accounts' });
    const forged = await anon().get('/api/auth/session', {
      cookie: 'sb_session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad',
    });
    expect(forged.status).toBe(200);
    expect(forged.body.user).toBeNull();
    expect(cookieOf(forged)).toMatch(/sb_session=;/);
    const login = await anon().post(
      '/api/auth/login',
      { username: 'Alice', password },
      { 'x-forwarded-for': '10.0.0.4' },
    );
    const signedIn = await anon().get('/api/auth/session', {
      cookie: `sb_session=${login.body.token}`,
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({
      user: { id: login.body.user.id, username: 'Alice' },
      auth_mode: 'accounts',
    });
  });

  it('an invalid or forged token gets 401 and its cookie cleared', async () => {
    const forged = await anon().get('/api/boards', {
      cookie: 'sb_session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad',
    });
    expect(forged.status).toBe(401);
    expect(cookieOf(forged)).toMatch(/sb_session=;/);
    const none = await anon().get('/api/boards');
    expect(none.status).toBe(401);
    expect(cookieOf(none)).toBe('');
  });

  it('limits logins per address with 429 and Retry-After', async () => {
    const ip = { 'x-forwarded-for': '10.9.9.9' };
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await anon().post('/api/auth/login', { username: `user${i}`, password }, ip)).status,
      );
    }
    expect(statuses.slice(0, 8).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
    const limited = await anon().post('/api/auth/login', { username: 'Alice', password }, ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe('SB_ERR_RATE_LIMITED');
    // Another address is not affected.
    expect(
      (
        await anon().post(
          '/api/auth/login',
          { username: 'Alice', password },
          { 'x-forwarded-for': '10.9.9.8' },
        )
      ).status,
    ).toBe(200);
  });

  it('refuses an address that keeps failing for a username, and only that address', async () => {
    await anon().post(
      '/api/auth/register',
      { username: 'bob', password },
      { 'x-forwarded-for': '10.1.0.1' },
    );
    const attacker = { 'x-forwarded-for': '10.2.0.1' };
    for (let i = 0; i < 3; i++) {
      const r = await anon().post(
        '/api/auth/login',
        { username: 'bob', password: 'nope nope' },
        attacker,
      );
      expect(r.status).toBe(401);
    }
    const refused = await anon().post('/api/auth/login', { username: 'BOB', password }, attacker);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The owner, elsewhere, is not locked out (see login-limits.test.ts for the whole attack).
    const owner = await anon().post(
      '/api/auth/login',
      { username: 'bob', password },
      { 'x-forwarded-for': '10.3.0.1' },
    );
    expect(owner.status).toBe(200);
  });

  it('limits registrations per address', async () => {
    const ip = { 'x-forwarded-for': '10.7.7.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await anon().post('/api/auth/register', { username: `reg${i}x`, password }, ip)).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
  });

  it('believes X-Forwarded-For only from the trusted proxy addresses', async () => {
    // inject() connects from 127.0.0.1, which is trusted; an untrusted peer's header is ignored.
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress: '203.0.113.5',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
      payload: JSON.stringify({ username: 'Alice', password }),
    });
    // 10.9.9.9 is rate-limited above; 203.0.113.5 is not.
    expect(res.statusCode).toBe(200);
  });
});

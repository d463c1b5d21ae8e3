import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginDelayMs } from '../src/auth/auth-limits.js';
import { type Harness, startHarness } from './support/harness.js';

/**
 * Nobody can lock a user out by failing logins on their behalf (OWASP: limit
 * per username and address, and per address; only slow the username down).
 * Over real sockets from distinct loopback addresses (127.0.0.0/8 is all
 * this machine's), and behind the proxy as X-Forwarded-For reports them.
 */
const perPair = 5;
let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness('loginlimits', {
    authLimits: {
      loginPerIpPerMinute: 100,
      loginFailuresPerUserIpPer15Min: perPair,
      loginSlowdownAfterFailures: perPair,
      registerPerIpPerHour: 100,
    },
  });
  const url = new URL(await h.app.listen({ host: '127.0.0.1', port: 0 }));
  port = Number(url.port);
});
afterAll(async () => h?.close());

const password = 'correct horse battery';

function post(
  from: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter: string | undefined; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        agent: false,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            ms: Date.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const login = (from: string, username: string, pass: string, headers?: Record<string, string>) =>
  post(from, '/api/auth/login', { username, password: pass }, headers);

describe('failed logins for someone else', () => {
  it('refuse the attacking address, slow the username down, and let the owner in from their own address', async () => {
    expect(
      (await post('127.0.0.2', '/api/auth/register', { username: 'victim', password })).status,
    ).toBe(201);

    // One address hammering: refused after `perPair` failures, for this username only.
    const fromOne: number[] = [];
    for (let i = 0; i < perPair + 4; i++)
      fromOne.push((await login('127.0.0.66', 'victim', 'wrong guess')).status);
    expect(fromOne).toEqual([...Array(perPair).fill(401), 429, 429, 429, 429]);
    const refused = await login('127.0.0.66', 'victim', password);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await login('127.0.0.66', 'someone-else', 'wrong guess')).status).toBe(401);

    // More addresses: each within its own budget; the username slows down, no lock.
    let failures = perPair;
    for (const from of ['127.0.0.67', '127.0.0.68', '127.0.0.69']) {
      for (let i = 0; i < 2; i++) {
        expect((await login(from, 'victim', 'wrong guess')).status).toBe(401);
        failures++;
      }
    }

    // The owner, from their own address, signs in: later, not never.
    const owner = await login('127.0.0.2', 'victim', password);
    expect(owner.status).toBe(200);
    expect(owner.ms).toBeGreaterThanOrEqual(loginDelayMs(failures, perPair));
    // Behind the proxy: the address it reports (X-Forwarded-For from a trusted peer) counts.
    for (let i = 0; i < perPair; i++)
      await login('127.0.0.1', 'victim', 'wrong guess', { 'x-forwarded-for': '203.0.113.9' });
    expect(
      (await login('127.0.0.1', 'victim', password, { 'x-forwarded-for': '203.0.113.9' })).status,
    ).toBe(429);
    expect(
      (await login('127.0.0.1', 'victim', password, { 'x-forwarded-for': '198.51.100.7' })).status,
    ).toBe(200);
  }, 60_000);
});

describe('loginDelayMs', () => {
  it('is nothing below the threshold, then doubles up to a cap', () => {
    expect([4, 5, 6, 7, 8, 20, 10_000].map((n) => loginDelayMs(n, 5))).toEqual([
      0, 100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../support/cluster.js';
import { HttpClient, registerHttpUser, type TestUser } from '../support/http-client.js';
import { TcpForwarder } from '../support/tcp-forwarder.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * Logout is immediate on every instance: two API instances on one database,
 * each with a warm session cache; the periodic session re-check is pushed out
 * of the way (10 min), so only the revocation itself can close anything.
 */
const sockets: TestSocket[] = [];
let c: Cluster;
let forwarder: TcpForwarder;

beforeAll(async () => {
  c = await Cluster.start('logout', 0, { realtime: { sessionCheckMs: 600_000 } });
  forwarder = await TcpForwarder.start(c.testDb.url);
  await c.add(); // A
  await c.add(); // B
  // C reaches PostgreSQL for LISTEN through a forwarder the test can cut.
  await c.add({}, { listenerUrl: forwarder.via(c.testDb.url) });
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await forwarder?.close();
  await c?.close();
});

async function login(user: TestUser, at: number): Promise<HttpClient> {
  const body = await new HttpClient(c.at(at).url).ok('POST', '/api/auth/login', {
    username: user.username,
    password: 'correct horse battery',
  });
  return new HttpClient(c.at(at).url, body.token as string);
}

async function watch(session: HttpClient, at: number): Promise<TestSocket> {
  const socket = await TestSocket.open(c.at(at).wsUrl, { token: session.token! });
  sockets.push(socket);
  return socket;
}

describe('logout', () => {
  it('is refused on the other instance right after the logout answers, and its sockets there close', async () => {
    const alice = await registerHttpUser(c.at(0).url, 'alice');
    for (let round = 0; round < 10; round++) {
      const onA = await login(alice, 0);
      const onB = onA.withBase(c.at(1).url);
      // B has the session in its cache and a socket for it.
      expect((await onB.get('/api/me')).status).toBe(200);
      const socketOnB = await watch(onB, 1);

      expect((await onA.post('/api/auth/logout')).status).toBe(204);
      // No waiting: the very next request on B is refused.
      expect((await onB.get('/api/me')).status).toBe(401);
      expect((await onA.get('/api/me')).status).toBe(401);
      expect(await socketOnB.closed).toBe(4001);
      expect(socketOnB.errors().map((e) => e.code)).toEqual(['SB_ERR_UNAUTHENTICATED']);
    }
  });

  it('fails closed while an instance cannot hear logouts, and catches up when it can', async () => {
    const bob = await registerHttpUser(c.at(0).url, 'bob');
    const onA = await login(bob, 0);
    const onC = onA.withBase(c.at(2).url);
    expect((await onC.get('/api/me')).status).toBe(200);
    const socketOnC = await watch(onC, 2);
    const keeper = await login(bob, 2);
    const keptSocket = await watch(keeper, 2);

    // C's LISTEN connection goes away (and cannot come back for now).
    const pid = c.at(2).realtime.listener.backendPid();
    forwarder.pause();
    await sql`SELECT pg_terminate_backend(${pid}::int)`.execute(c.at(0).deps.db);
    await waitUntil(() => !c.at(2).realtime.listener.isConnected(), 'C lost its LISTEN connection');

    expect((await onA.post('/api/auth/logout')).status).toBe(204);
    // C never heard of it, yet does not serve the session from its cache.
    expect((await onC.get('/api/me')).status).toBe(401);
    expect((await keeper.get('/api/me')).status).toBe(200);
    expect(socketOnC.closeCode).toBeUndefined();

    // Back: C re-checks its open sessions at once.
    forwarder.resume();
    expect(await socketOnC.closed).toBe(4001);
    expect(keptSocket.closeCode).toBeUndefined();
    await waitUntil(() => c.at(2).realtime.listener.isConnected(), 'C listening again');
    expect((await keeper.get('/api/me')).status).toBe(200);
  });
});

import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { isConnectionError, whileUnreachable } from '../src/store/unreachable.js';
import { type ChildInstance, startChild } from './support/child-instance.js';
import { HttpClient } from './support/http-client.js';
import { TcpForwarder } from './support/tcp-forwarder.js';
import { TestSocket, waitUntil } from './support/ws-client.js';

/**
 * The database goes away under a running API instance (cut off, its backends
 * terminated, not there at start-up): every request that needs it gets a
 * coded 503 with Retry-After, never a 500; the process stays up, answers
 * /health, says not-ready on /ready and reconnects by itself.
 */
let testDb: TestDatabase;
let forwarder: TcpForwarder;
const children: ChildInstance[] = [];
const password = 'correct horse battery';

beforeAll(async () => {
  testDb = await createTestDatabase('outage');
  forwarder = await TcpForwarder.start(testDb.url);
});
afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  await forwarder?.close();
  await testDb?.drop();
});

async function child(databaseUrl: string): Promise<ChildInstance> {
  const instance = await startChild(
    {
      DATABASE_URL: databaseUrl,
      INSTANCE_ID: `outage-${children.length + 1}`,
      AUTH_LOGIN_PER_IP_PER_MINUTE: '1000',
      AUTH_REGISTER_PER_IP_PER_HOUR: '1000',
    },
    {},
  );
  children.push(instance);
  return instance;
}

const alive = (c: ChildInstance) => c.process.exitCode === null && c.process.signalCode === null;

function expectUnavailable(res: { status: number; body: unknown; headers: Headers }, what: string) {
  expect({ what, status: res.status, body: res.body }).toMatchObject({
    what,
    status: 503,
    body: { error: { code: 'SB_ERR_UNAVAILABLE' } },
  });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe('the database unreachable under a running instance', () => {
  it('answers 503 SB_ERR_UNAVAILABLE with Retry-After on every route that needs it, stays up, and reconnects', async () => {
    const api = await child(forwarder.via(testDb.url));
    const anon = new HttpClient(api.url);
    const registered = await anon.request('POST', '/api/auth/register', {
      username: 'outage',
      password,
    });
    expect(registered.status).toBe(201);
    const http = new HttpClient(api.url, registered.body.token);
    const watched = await http.request('POST', '/api/boards', { title: 'watched' });
    const other = await http.request('POST', '/api/boards', { title: 'other' });
    expect([watched.status, other.status]).toEqual([201, 201]);
    const socket = await TestSocket.open(api.wsUrl, { token: registered.body.token });
    await socket.subscribeAndWait(watched.body.id);

    forwarder.pause();

    expectUnavailable(
      await http.request('POST', '/api/tasks', { board_id: watched.body.id, title: 'lost?' }),
      'a write',
    );
    expectUnavailable(await http.request('GET', `/api/boards/${other.body.id}`), 'a read');
    expectUnavailable(
      await anon.request('POST', '/api/auth/login', { username: 'outage', password }),
      'login',
    );
    expectUnavailable(
      await anon.request('POST', '/api/auth/register', { username: 'newcomer', password }),
      'registration',
    );
    expectUnavailable(await anon.request('GET', '/ready'), '/ready');
    const health = await anon.request('GET', '/health');
    expect([health.status, health.body]).toEqual([200, 'OK']);
    // A subscription that needs the database (access check, snapshot) is refused with the same code.
    socket.subscribe(other.body.id);
    const refused = await socket.waitFor(
      (m) => m.type === 'error' && m.board_id === other.body.id,
      'the refused subscription',
    );
    expect(refused).toMatchObject({ type: 'error', code: 'SB_ERR_UNAVAILABLE' });
    expect(alive(api)).toBe(true);

    forwarder.resume();
    // Nobody restarts anything: the instance finds the database again on its own.
    await waitUntil(
      async () => (await anon.request('GET', '/ready')).status === 200,
      '/ready again',
      15_000,
      100,
    );
    const written = await http.request('POST', '/api/tasks', {
      board_id: watched.body.id,
      title: 'after the outage',
    });
    expect(written.status).toBe(201);
    await socket.waitFor(
      (m) => m.type === 'event' && m.board_id === watched.body.id,
      'the live event after the outage',
      10_000,
    );
    expect(alive(api)).toBe(true);
    socket.close();
  }, 60_000);

  it('survives its backends terminated (pg_terminate_backend) during a stream of writes: no 500, writes succeed again', async () => {
    const api = await child(testDb.url);
    const anon = new HttpClient(api.url);
    const registered = await anon.request('POST', '/api/auth/register', {
      username: 'terminated',
      password,
    });
    const http = new HttpClient(api.url, registered.body.token);
    const board = await http.request('POST', '/api/boards', { title: 'terminated' });
    expect(board.status).toBe(201);

    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    const statuses = new Map<number | string, number>();
    let stop = false;
    let afterTerminations = 0;
    let terminated = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop && i < 2_000; i++) {
        const res = await http
          .request('POST', '/api/tasks', { board_id: board.body.id, title: `w${w}-${i}` })
          .catch((err: Error) => ({ status: `fetch failed: ${err.message}` }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (terminated && res.status === 201) afterTerminations++;
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    try {
      for (let round = 0; round < 5; round++) {
        await new Promise((r) => setTimeout(r, 150));
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
      }
      terminated = true;
      await waitUntil(() => afterTerminations >= 8, 'writes after the terminations', 15_000, 20);
    } finally {
      stop = true;
      await Promise.all(writers);
      await admin.end();
    }
    const unexpected = [...statuses.keys()].filter((s) => s !== 201 && s !== 503);
    expect({ unexpected, statuses: Object.fromEntries(statuses) }).toMatchObject({
      unexpected: [],
    });
    expect(alive(api)).toBe(true);
    // The LISTEN connection was terminated too and comes back after its
    // reconnection back-off (100 ms and up), so readiness returns shortly
    // after the writes do, not necessarily before the next request.
    await waitUntil(
      async () => (await anon.request('GET', '/ready')).status === 200,
      'ready again after the terminations',
      10_000,
      50,
    );
  }, 60_000);

  it('started while the database is unreachable, waits for it instead of exiting, then serves', async () => {
    forwarder.pause();
    const before = forwarder.refused;
    const starting = child(forwarder.via(testDb.url));
    // Several attempts: an instance that exits on the first would reject `starting` instead.
    await Promise.race([
      waitUntil(() => forwarder.refused >= before + 4, 'repeated connection attempts', 30_000, 20),
      starting.then(() => {
        throw new Error('listening while the database is unreachable');
      }),
    ]);
    forwarder.resume();
    const api = await starting;
    expect(alive(api)).toBe(true);
    expect((await new HttpClient(api.url).request('GET', '/ready')).status).toBe(200);
  }, 60_000);
});

describe('isConnectionError and whileUnreachable over real failures', () => {
  it('recognises a refused TCP connection, a missing Unix socket and a terminated backend, not a bad query', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const errorOf = async (config: pg.ClientConfig, sql = 'SELECT 1') => {
      const client = new pg.Client(config);
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query(sql);
      } catch (err) {
        return err;
      } finally {
        await client.end().catch(() => {});
      }
      throw new Error('no error');
    };
    expect(isConnectionError(await errorOf({ host: '127.0.0.1', port: closedPort }))).toBe(true);
    expect(
      isConnectionError(await errorOf({ host: '/nonexistent-socket-dir', port: closedPort })),
    ).toBe(true);
    expect(
      isConnectionError(
        await errorOf(
          { connectionString: testDb.url },
          'SELECT pg_terminate_backend(pg_backend_pid())',
        ),
      ),
    ).toBe(true);
    expect(isConnectionError(await errorOf({ connectionString: testDb.url }, 'SELEC 1'))).toBe(
      false,
    );
  });

  it('retries only while the database is unreachable, and rethrows anything else', async () => {
    let attempts = 0;
    const lines: string[] = [];
    const value = await whileUnreachable(
      async () => {
        attempts++;
        if (attempts < 3)
          throw Object.assign(new Error('connect ECONNREFUSED'), {
            code: 'ECONNREFUSED',
            syscall: 'connect',
          });
        return 42;
      },
      { log: (line) => lines.push(line), maxDelayMs: 10 },
    );
    expect([value, attempts, lines.length]).toEqual([42, 3, 2]);
    await expect(
      whileUnreachable(async () => {
        throw new Error('relation "nope" does not exist');
      }),
    ).rejects.toThrow(/nope/);
  });
});

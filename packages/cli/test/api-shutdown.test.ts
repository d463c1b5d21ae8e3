import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { forkListening, repoRoot } from '../../../test-support/processes.js';
import { waitUntil } from './support/wait.js';

/**
 * `switchboard api` on SIGTERM, as a rolling update needs it: `/ready` says
 * draining for SHUTDOWN_DELAY_MS while requests are still served (load balancers
 * take the instance out first), then WebSockets are closed with 1001 (clients
 * resume elsewhere) and the process exits.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('shutdown');
});
afterAll(async () => {
  await db?.drop();
});

it('SIGTERM: /ready 503 draining while requests are still served, then 1001 and exit', async () => {
  const api = await forkListening(path.join(repoRoot, 'packages/cli/src/main.ts'), {
    args: ['api'],
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: '0',
      AUTH_MODE: 'open',
      LOG_LEVEL: 'silent',
      // Long enough to look while it lasts on a busy machine; the test does not wait it out idly.
      SHUTDOWN_DELAY_MS: '8000',
    },
  });
  try {
    expect((await fetch(`${api.url}/ready?require=database`)).status).toBe(200);
    const ws = new WebSocket(`ws://127.0.0.1:${api.port}/ws`, 'switchboard.v1');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<{ code: number; at: number }>((resolve) =>
      ws.once('close', (code) => resolve({ code, at: Date.now() })),
    );
    const exited = new Promise<number>((resolve) =>
      api.process.once('exit', () => resolve(Date.now())),
    );

    api.process.kill('SIGTERM');
    await waitUntil(
      async () => (await fetch(`${api.url}/ready`)).status === 503,
      '/ready to say draining',
      5_000,
      20,
    );
    const ready = await fetch(`${api.url}/ready?require=database`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { error: { code: string; details: { status: string } } };
    expect(body.error.code).toBe('SB_ERR_UNAVAILABLE');
    expect(body.error.details.status).toBe('draining');
    // Still serving meanwhile: the socket is open and requests are answered.
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await fetch(`${api.url}/api/boards`)).status).toBe(200);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);

    const close = await closed;
    expect(close.code).toBe(1001);
    // It closes its sockets before it exits.
    expect(close.at).toBeLessThanOrEqual(await exited);
    expect(api.process.exitCode).toBe(0);
  } finally {
    await api.stop('SIGKILL');
  }
}, 120_000);

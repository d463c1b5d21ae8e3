import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test-support/database.js';
import { buildApp } from '../src/app.js';
import { apiConfig } from '../src/config.js';
import { createDeps } from '../src/server.js';
import { Client, type Harness, startHarness } from './support/harness.js';

/** AUTH_MODE=open: no accounts, every board shared, so plain curl calls with no login work. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness('openmode', { authMode: 'open' });
});
afterAll(async () => h?.close());

describe('open mode', () => {
  it('runs the curl sequence of the README (create, list, complete, delete) with no login', async () => {
    const curl = new Client(h.app);
    const health = await curl.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toBe('OK');

    const created = await curl.post('/api/tasks', {
      board_id: 1,
      title: 'My first task',
      description: 'Testing the API',
      created_by: 100,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 1,
      board_id: 1,
      title: 'My first task',
      description: 'Testing the API',
      completed: false,
      created_by: 100,
    });

    const list = await curl.get('/api/tasks?board_id=1');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total_count: 1, page: 1, page_size: 50 });
    expect(list.body.tasks[0].id).toBe(1);

    const done = await curl.put('/api/tasks/1', { completed: true });
    expect(done.status).toBe(200);
    expect(done.body.completed).toBe(true);

    const gone = await curl.delete('/api/tasks/1');
    expect([200, 204]).toContain(gone.status);
    expect((await curl.get('/api/tasks/1')).status).toBe(404);
  });

  it('shares every board with everyone and has no accounts', async () => {
    const curl = new Client(h.app);
    const me = await curl.get('/api/me');
    expect(me.body).toMatchObject({ auth_mode: 'open', user: { username: 'anonymous' } });
    const session = await curl.get('/api/auth/session');
    expect(session.body).toMatchObject({ auth_mode: 'open', user: { username: 'anonymous' } });
    const board = await curl.post('/api/boards', { title: 'Shared' });
    expect(board.status).toBe(201);
    expect(board.body.role).toBe('owner');
    const boards = await curl.get('/api/boards');
    expect(boards.body.boards.map((b: { id: number }) => b.id)).toEqual(
      expect.arrayContaining([1, board.body.id]),
    );
    const register = await curl.post('/api/auth/register', {
      username: 'someone',
      password: 'long enough',
    });
    expect(register.status).toBe(404);
    expect(register.body.error.code).toBe('SB_ERR_ACCOUNTS_DISABLED');
  });

  it('allows any origin', async () => {
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/tasks',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://example.test');
  });

  it('makes board 1 once, however many instances start together', async () => {
    const fresh = await createTestDatabase('openrace');
    try {
      const starts = await Promise.all(
        [1, 2, 3].map(() => createDeps(apiConfig({ databaseUrl: fresh.url, authMode: 'open' }))),
      );
      const apps = await Promise.all(starts.map(({ deps }) => buildApp(deps)));
      const boards = await new Client(apps[0]!).get('/api/boards');
      expect(
        boards.body.boards.filter((b: { title: string }) => b.title === 'My board'),
      ).toHaveLength(1);
      await Promise.all(apps.map((a) => a.close()));
      await Promise.all(starts.map(({ database }) => database.close()));
    } finally {
      await fresh.drop();
    }
  });
});

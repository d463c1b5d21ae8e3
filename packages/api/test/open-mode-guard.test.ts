import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { buildApp } from '../src/app.js';
import { apiConfig } from '../src/config.js';
import { createDeps } from '../src/server.js';
import { registerUser } from './support/harness.js';

/**
 * AUTH_MODE=open makes every visitor the owner of every board: started on a
 * database where people have accounts (and private boards) it is refused,
 * naming AUTH_MODE, before anything serves.
 */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase('openguard');
});
afterAll(async () => testDb?.drop());

describe('open mode over a database with accounts', () => {
  it('is refused with a message naming AUTH_MODE', async () => {
    // The same database as accounts mode left it: one account, one private board.
    const { deps, database } = await createDeps(apiConfig({ databaseUrl: testDb.url }));
    const app = await buildApp(deps);
    const owner = await registerUser(app, 'private');
    expect((await owner.post('/api/boards', { title: 'Secret plans' })).status).toBe(201);
    await app.close();
    await database.close();

    const open = createDeps(apiConfig({ databaseUrl: testDb.url, authMode: 'open' }));
    await expect(open).rejects.toMatchObject({
      name: 'ConfigError',
      variable: 'AUTH_MODE',
      message: expect.stringMatching(
        /AUTH_MODE: open mode would show every board of this database's 1 account/,
      ),
    });
  });

  it('starts on a database that only open mode has used, again and again', async () => {
    const fresh = await createTestDatabase('openagain');
    try {
      for (let i = 0; i < 2; i++) {
        const { database } = await createDeps(
          apiConfig({ databaseUrl: fresh.url, authMode: 'open' }),
        );
        await database.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { type DatabaseHandle, idleInTransactionTimeoutMs, openDatabase } from '../src/store/db.js';

/**
 * Found by the cluster harness (test-support/cluster, api-db-partition and
 * api-host-power-off): an instance that goes silent between two statements
 * of a transaction kept the board's row lock until TCP gave up, and every
 * other instance's writes to that board waited behind it. The API's
 * connections now ask the server to end a session idle in a transaction for
 * idleInTransactionTimeoutMs. Here the holder simply says nothing more, which
 * is all the server can see of a host that lost power.
 */
let testDb: TestDatabase;
let api: DatabaseHandle;
let other: pg.Client;

beforeAll(async () => {
  testDb = await createTestDatabase('idletx');
  api = openDatabase(testDb.url, 2, 'idle-tx-test');
  other = new pg.Client({ connectionString: testDb.url });
  await other.connect();
  await other.query('CREATE TABLE boards_like (id int PRIMARY KEY, seq int NOT NULL)');
  await other.query('INSERT INTO boards_like VALUES (1, 0)');
});
afterAll(async () => {
  await other?.end();
  await api?.close();
  await testDb?.drop();
});

it('sets the timeout on every pool connection', async () => {
  const { rows } = await api.pool.query<{ idle_in_transaction_session_timeout: string }>(
    'SHOW idle_in_transaction_session_timeout',
  );
  expect(rows[0]?.idle_in_transaction_session_timeout).toBe(
    `${idleInTransactionTimeoutMs / 1000}s`,
  );
});

it('frees the board lock of a holder that went silent mid-transaction', async () => {
  const holder = await api.pool.connect();
  await holder.query('BEGIN');
  await holder.query('UPDATE boards_like SET seq = seq + 1 WHERE id = 1 RETURNING seq');
  // The holder now says nothing. Another writer's UPDATE waits for the lock
  // until the server ends the silent session, then goes through.
  const started = Date.now();
  await other.query(`SET lock_timeout = ${idleInTransactionTimeoutMs * 3}`);
  const { rows } = await other.query<{ seq: number }>(
    'UPDATE boards_like SET seq = seq + 1 WHERE id = 1 RETURNING seq',
  );
  const waited = Date.now() - started;
  expect(rows[0]?.seq).toBe(1); // the holder's uncommitted increment was rolled back
  expect(waited).toBeGreaterThanOrEqual(idleInTransactionTimeoutMs - 500);
  expect(waited).toBeLessThan(idleInTransactionTimeoutMs * 2);
  // The holder learns it on its next statement; the pool drops the broken client.
  await expect(holder.query('COMMIT')).rejects.toThrow();
  holder.release(true);
});

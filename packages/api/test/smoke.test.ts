import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('smoke');
});
afterAll(async () => h?.close());

describe('smoke', () => {
  it('health and a board round trip', async () => {
    const anon = new Client(h.app);
    expect((await anon.get('/health')).body).toBe('OK');
    const alice = await registerUser(h.app, 'alice');
    const board = await alice.post('/api/boards', { title: 'Launch' });
    expect(board.status).toBe(201);
    expect(board.body.columns.map((c: { title: string }) => c.title)).toEqual([
      'To do',
      'In progress',
      'Done',
    ]);
    const task = await alice.post('/api/tasks', { board_id: board.body.id, title: 'Write docs' });
    expect(task.status).toBe(201);
    const detail = await alice.get(`/api/boards/${board.body.id}`);
    expect(detail.body.tasks).toHaveLength(1);
    expect(detail.body.seq).toBe(6);
  });
});

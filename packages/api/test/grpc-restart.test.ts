import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { type ChildInstance, startChild } from './support/child-instance.js';
import { fastRealtime } from './support/cluster.js';
import { call, client, grpc, StreamReader, type Stub } from './support/grpc-client.js';
import { HttpClient } from './support/http-client.js';
import { waitUntil } from './support/ws-client.js';

/**
 * Instances that stop under a stream, as real child processes: SIGTERM ends a
 * seed client's WatchTasks with UNAVAILABLE (it re-lists and re-watches
 * elsewhere); after a SIGKILL and a restart, WatchBoard resumes from its
 * after_seq with exactly the board's log.
 */
let testDb: TestDatabase;
const children: ChildInstance[] = [];
const stubs: Stub[] = [];

async function instance(id: string): Promise<ChildInstance> {
  const child = await startChild(
    { DATABASE_URL: testDb.url, AUTH_MODE: 'open', INSTANCE_ID: id },
    fastRealtime,
  );
  children.push(child);
  return child;
}

function stub(file: string, service: string, child: ChildInstance): Stub {
  const s = client(file, service, `127.0.0.1:${child.port}`);
  stubs.push(s);
  return s;
}

beforeAll(async () => {
  testDb = await createTestDatabase('grpcrestart');
});
afterAll(async () => {
  for (const s of stubs) s.close();
  for (const child of children) await child.kill().catch(() => {});
  await testDb?.drop();
});

describe('gRPC streams across instance stops', () => {
  it('SIGTERM ends WatchTasks with UNAVAILABLE; the seed client re-lists and re-watches', async () => {
    const [a, b] = await Promise.all([instance('g-term-a'), instance('g-term-b')]);
    const rest = new HttpClient(b.url);
    const onA = stub('task/v1/task.proto', 'task.v1.TaskService', a);
    const onB = stub('task/v1/task.proto', 'task.v1.TaskService', b);
    const watch = new StreamReader(onA.WatchTasks({ board_id: 1 }));
    let n = 0;
    await waitUntil(async () => {
      await rest.ok('POST', '/api/tasks', { board_id: 1, title: `before${n++}` });
      return watch.messages.length > 0;
    }, 'the watch to be live');
    await a.kill('SIGTERM');
    const status = await watch.ended;
    expect(status.code).toBe(grpc.status.UNAVAILABLE);

    // What a seed client does next: list, then watch again (here: the other instance).
    const listed = await call(onB, 'ListTasks', { board_id: 1, page_size: 100 });
    expect(listed.value.total_count).toBe(n);
    const again = new StreamReader(onB.WatchTasks({ board_id: 1 }));
    await waitUntil(async () => {
      await rest.ok('POST', '/api/tasks', { board_id: 1, title: 'after' });
      return again.messages.some((m: Stub) => m.title === 'after');
    }, 'the new watch to see a create');
    expect(again.messages.every((m: Stub) => m.board_id === '1')).toBe(true);
    again.stream.cancel();
  });

  it('WatchBoard resumes from after_seq after its instance is killed and restarted: no gap, no duplicate', async () => {
    const writer = await instance('g-kill-writer');
    const rest = new HttpClient(writer.url);
    const board = await rest.ok('POST', '/api/boards', { title: 'Resume' });
    const start = board.seq as number;
    let victim = await instance('g-kill-victim');
    const watcher = stub(
      'switchboard/v1/board_service.proto',
      'switchboard.v1.BoardService',
      victim,
    );
    const got: Stub[] = [];
    const first = new StreamReader(watcher.WatchBoard({ board_id: board.id, after_seq: start }));
    let writing = true;
    let written = 0;
    const writes = (async () => {
      while (writing) {
        await rest.ok('POST', '/api/tasks', { board_id: board.id, title: `w${written++}` });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      await waitUntil(() => first.messages.length >= 5, 'the first watch live');
      await victim.kill('SIGKILL');
      expect((await first.ended).code).toBe(grpc.status.UNAVAILABLE);
      got.push(...first.messages);
      const missedFrom = written;
      await waitUntil(() => written >= missedFrom + 10, 'writes while nobody watches', 10_000);

      // The instance comes back (same name, new process) and the client resumes there.
      victim = await instance('g-kill-victim');
      const back = stub(
        'switchboard/v1/board_service.proto',
        'switchboard.v1.BoardService',
        victim,
      );
      const lastSeq = Number(got.at(-1).seq);
      const second = new StreamReader(back.WatchBoard({ board_id: board.id, after_seq: lastSeq }));
      const resumedAt = written;
      await waitUntil(() => written >= resumedAt + 10, 'live writes after resuming', 10_000);
      writing = false;
      await writes;
      const head = (await rest.ok('GET', `/api/boards/${board.id}`)).seq as number;
      await waitUntil(
        () => Number(second.messages.at(-1)?.seq ?? 0) === head,
        'the resumed watch at the head',
        10_000,
      );
      got.push(...second.messages);
      second.stream.cancel();
    } finally {
      writing = false;
      await writes.catch(() => {});
    }
    const seqs = got.map((m) => Number(m.seq));
    expect(got.every((m) => m.kind === 'event')).toBe(true);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => start + 1 + i));
    // The same events as the log says, by id.
    const log = await rest.ok('GET', `/api/boards/${board.id}/events?after=${start}&limit=1000`);
    expect(got.map((m) => m.event.id)).toEqual(log.events.map((e: Stub) => e.id));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { apiConfig } from '../src/config.js';
import { type RunningApi, startApi } from '../src/server.js';
import { call, client, codeOf, grpc, StreamReader, type Stub } from './support/grpc-client.js';
import { waitUntil } from './support/ws-client.js';

/** Seed 001's task.v1.TaskService as its Go client would see it, over real sockets. */
let testDb: TestDatabase;
let api: RunningApi;
let tasks: Stub;
beforeAll(async () => {
  testDb = await createTestDatabase('grpcseed');
  api = await startApi(
    apiConfig({
      databaseUrl: testDb.url,
      authMode: 'open',
      host: '127.0.0.1',
      port: 0,
      instanceId: 'api-g1',
      logLevel: 'silent',
    }),
  );
  tasks = client('task/v1/task.proto', 'task.v1.TaskService', `127.0.0.1:${api.port}`);
});
afterAll(async () => {
  tasks?.close();
  await api?.close();
  await testDb?.drop();
});

describe('task.v1.TaskService (seed 001)', () => {
  it('creates, gets, updates, lists and deletes a task, answered by the instance', async () => {
    const created = await call(tasks, 'CreateTask', {
      board_id: 1,
      title: 'From gRPC',
      description: 'seed client',
      created_by: 7,
    });
    expect(created.metadata.get('x-served-by')).toEqual(['api-g1']);
    const task = created.value.task;
    expect(task).toMatchObject({
      board_id: '1',
      title: 'From gRPC',
      description: 'seed client',
      completed: false,
      created_by: '7',
    });
    expect(Number(task.created_at.seconds)).toBeGreaterThan(1_700_000_000);

    const got = await call(tasks, 'GetTask', { id: task.id });
    expect(got.value.task).toMatchObject({ id: task.id, title: 'From gRPC' });

    const updated = await call(tasks, 'UpdateTask', { id: task.id, completed: true });
    expect(updated.value.task).toMatchObject({ id: task.id, completed: true, title: 'From gRPC' });

    const renamed = await call(tasks, 'UpdateTask', { id: task.id, title: 'Renamed' });
    expect(renamed.value.task).toMatchObject({ title: 'Renamed', completed: true });

    const list = await call(tasks, 'ListTasks', { board_id: 1 });
    expect(list.value.total_count).toBeGreaterThanOrEqual(1);
    expect(list.value.tasks.map((t: Stub) => t.id)).toContain(task.id);
    const done = await call(tasks, 'ListTasks', { board_id: 1, completed: true });
    expect(done.value.tasks.every((t: Stub) => t.completed)).toBe(true);
    const open = await call(tasks, 'ListTasks', { board_id: 1, completed: false });
    expect(open.value.tasks.map((t: Stub) => t.id)).not.toContain(task.id);

    const deleted = await call(tasks, 'DeleteTask', { id: task.id });
    expect(deleted.value.success).toBe(true);
    expect(await codeOf(call(tasks, 'GetTask', { id: task.id }))).toBe(grpc.status.NOT_FOUND);
    // Through REST too: the same soft delete.
    expect((await fetch(`${api.url}/api/tasks/${task.id}`)).status).toBe(404);
  });

  it('pages ListTasks with page_size and page_number, total_count over all pages', async () => {
    const board: Stub = await (
      await fetch(`${api.url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Paged' }),
      })
    ).json();
    for (let i = 0; i < 5; i++)
      await call(tasks, 'CreateTask', { board_id: board.id, title: `t${i}` });
    const first = await call(tasks, 'ListTasks', {
      board_id: board.id,
      page_size: 2,
      page_number: 1,
    });
    const third = await call(tasks, 'ListTasks', {
      board_id: board.id,
      page_size: 2,
      page_number: 3,
    });
    expect(first.value.total_count).toBe(5);
    expect(first.value.tasks.map((t: Stub) => t.title)).toEqual(['t0', 't1']);
    expect(third.value.tasks.map((t: Stub) => t.title)).toEqual(['t4']);
  });

  it('answers errors with the seed’s status codes, never INTERNAL for a known case', async () => {
    expect(await codeOf(call(tasks, 'CreateTask', { board_id: 1, title: '' }))).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    expect(await codeOf(call(tasks, 'CreateTask', { board_id: 0, title: 'x' }))).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    expect(await codeOf(call(tasks, 'CreateTask', { board_id: 999_999, title: 'x' }))).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await codeOf(call(tasks, 'GetTask', { id: 999_999 }))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(call(tasks, 'GetTask', { id: 0 }))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(call(tasks, 'UpdateTask', { id: 999_999, title: 'x' }))).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await codeOf(call(tasks, 'UpdateTask', { id: 1, title: '' }))).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    expect(await codeOf(call(tasks, 'DeleteTask', { id: 999_999 }))).toBe(grpc.status.NOT_FOUND);
    expect(await codeOf(call(tasks, 'ListTasks', { board_id: 1, page_size: -1 }))).toBe(
      grpc.status.INVALID_ARGUMENT,
    );
    const err = await call(tasks, 'CreateTask', { board_id: 0, title: 'x' }).catch(
      (e: grpc.ServiceError) => e,
    );
    expect((err as grpc.ServiceError).metadata.get('sb-error-code')).toEqual(['SB_ERR_VALIDATION']);
  });

  it('refuses messages over 256 KiB with RESOURCE_EXHAUSTED', async () => {
    const big = 'x'.repeat(300 * 1024);
    expect(
      await codeOf(call(tasks, 'CreateTask', { board_id: 1, title: 't', description: big })),
    ).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('counts calls by service, method and code on /metrics', async () => {
    await call(tasks, 'GetTask', { id: 999_998 }).catch(() => {});
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(
      /sb_api_grpc_calls_total\{[^}]*service="task.v1.TaskService",method="GetTask",code="not_found"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /sb_api_grpc_call_duration_seconds_count\{[^}]*method="CreateTask",code="ok"/,
    );
  });

  it('survives a client that resets mid-stream and one that sends garbage after the preface', async () => {
    const { connect } = await import('node:net');
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    for (const tail of [
      Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
      Buffer.from('garbage!garbage!'),
    ]) {
      await new Promise<void>((resolve) => {
        const socket = connect(api.port, '127.0.0.1', () => {
          socket.write(Buffer.concat([preface, tail]));
          setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, 50);
        });
        socket.on('error', () => resolve());
      });
    }
    const watch = new StreamReader(tasks.WatchTasks({ board_id: 1 }));
    await waitUntil(() => api.realtime.hub.stats().subscriptions > 0, 'a watch');
    watch.stream.cancel();
    expect((await call(tasks, 'ListTasks', { board_id: 1 })).metadata.get('x-served-by')).toEqual([
      'api-g1',
    ]);
  });

  it('serves REST and gRPC on the same port', async () => {
    const health = await fetch(`${api.url}/health`);
    expect(await health.text()).toBe('OK');
    const list = await call(tasks, 'ListTasks', { board_id: 1 });
    expect(list.metadata.get('x-served-by')).toEqual(['api-g1']);
    const rest = await fetch(`${api.url}/api/tasks?board_id=1`);
    expect(rest.status).toBe(200);
  });

  it('WatchTasks streams the board’s creates, updates and deletes made through REST', async () => {
    const watch = new StreamReader(tasks.WatchTasks({ board_id: 1 }));
    // Headers come with the first message: wait for the hub to hold the subscription.
    await waitUntil(() => api.realtime.hub.stats().subscriptions > 0, 'the watch to subscribe');
    const post = await fetch(`${api.url}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ board_id: 1, title: 'Watched' }),
    });
    const task: Stub = await post.json();
    await fetch(`${api.url}/api/tasks/${task.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ completed: true }),
    });
    await fetch(`${api.url}/api/tasks/${task.id}`, { method: 'DELETE' });
    await waitUntil(() => watch.messages.length >= 3, 'three task changes');
    expect(watch.messages.map((m: Stub) => [m.id, m.title, m.completed])).toEqual([
      [String(task.id), 'Watched', false],
      [String(task.id), 'Watched', true],
      [String(task.id), 'Watched', true],
    ]);
    watch.stream.cancel();
    expect((await watch.ended).code).toBe(grpc.status.CANCELLED);
  });

  it('WatchTasks of a board that does not exist fails with NOT_FOUND', async () => {
    const watch = new StreamReader(tasks.WatchTasks({ board_id: 999_999 }));
    expect((await watch.ended).code).toBe(grpc.status.NOT_FOUND);
  });
});

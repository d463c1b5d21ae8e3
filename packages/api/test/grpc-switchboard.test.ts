import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { apiConfig } from '../src/config.js';
import { type RunningApi, startApi } from '../src/server.js';
import {
  bearer,
  call,
  client,
  codeOf,
  grpc,
  StreamReader,
  type Stub,
} from './support/grpc-client.js';
import { registerHttpUser, type TestUser } from './support/http-client.js';
import { TestSocket, waitUntil } from './support/ws-client.js';

/** switchboard.v1 in accounts mode: auth metadata, permissions, versions, WatchBoard. */
let testDb: TestDatabase;
let api: RunningApi;
let boards: Stub;
let columns: Stub;
let tasks: Stub;
let seed: Stub;
let owner: TestUser;
let stranger: TestUser;
beforeAll(async () => {
  testDb = await createTestDatabase('grpcsb');
  api = await startApi(
    apiConfig({
      databaseUrl: testDb.url,
      authMode: 'accounts',
      host: '127.0.0.1',
      port: 0,
      instanceId: 'api-s1',
      logLevel: 'silent',
      authLimits: {
        loginPerIpPerMinute: 1000,
        loginFailuresPerUserIpPer15Min: 1000,
        loginSlowdownAfterFailures: 1000,
        registerPerIpPerHour: 1000,
      },
    }),
  );
  const address = `127.0.0.1:${api.port}`;
  boards = client('switchboard/v1/board_service.proto', 'switchboard.v1.BoardService', address);
  columns = client('switchboard/v1/column_service.proto', 'switchboard.v1.ColumnService', address);
  tasks = client('switchboard/v1/task_service.proto', 'switchboard.v1.TaskService', address);
  seed = client('task/v1/task.proto', 'task.v1.TaskService', address);
  owner = await registerHttpUser(api.url, 'gown');
  stranger = await registerHttpUser(api.url, 'gstr');
});
afterAll(async () => {
  for (const stub of [boards, columns, tasks, seed]) stub?.close();
  await api?.close();
  await testDb?.drop();
});

describe('switchboard.v1 with accounts', () => {
  it('asks for a bearer token, as REST does', async () => {
    expect(await codeOf(call(boards, 'ListBoards', {}))).toBe(grpc.status.UNAUTHENTICATED);
    expect(await codeOf(call(seed, 'ListTasks', { board_id: 1 }))).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    expect(await codeOf(call(boards, 'ListBoards', {}, bearer('not-a-token')))).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });

  it('works on boards, columns and tasks, with versions and permissions', async () => {
    const me = bearer(owner.token);
    const made = await call(boards, 'CreateBoard', { title: 'gRPC board' }, me);
    const board = made.value.board;
    expect(board).toMatchObject({ title: 'gRPC board', role: 'owner' });
    expect(made.value.columns.map((c: Stub) => c.title)).toEqual(['To do', 'In progress', 'Done']);
    const [todo, doing] = made.value.columns;

    const col = await call(
      columns,
      'CreateColumn',
      { board_id: board.id, title: 'Later', wip_limit: 3 },
      me,
    );
    expect(col.value.column).toMatchObject({ title: 'Later', wip_limit: 3 });

    const a = (await call(tasks, 'CreateTask', { board_id: board.id, title: 'A' }, me)).value.task;
    const b = (await call(tasks, 'CreateTask', { board_id: board.id, title: 'B' }, me)).value.task;
    expect(a).toMatchObject({ column_id: todo.id, status: 'To do', version: '1' });

    // A move names the column and neighbours; a stale version is ABORTED.
    const moved = await call(
      tasks,
      'MoveTask',
      { id: b.id, column_id: doing.id, version: b.version },
      me,
    );
    expect(moved.value.task).toMatchObject({ column_id: doing.id, status: 'In progress' });
    expect(
      await codeOf(
        call(tasks, 'MoveTask', { id: b.id, column_id: todo.id, version: b.version }, me),
      ),
    ).toBe(grpc.status.ABORTED);
    expect(
      await codeOf(call(tasks, 'UpdateTask', { id: a.id, title: 'A2', version: '99' }, me)),
    ).toBe(grpc.status.ABORTED);
    const a2 = await call(tasks, 'UpdateTask', { id: a.id, title: 'A2', version: a.version }, me);
    expect(a2.value.task).toMatchObject({ title: 'A2', version: String(Number(a.version) + 1) });
    expect(await codeOf(call(tasks, 'DeleteTask', { id: a.id, version: a.version }, me))).toBe(
      grpc.status.ABORTED,
    );

    // Another 409: a column that still holds tasks cannot go.
    expect(
      await codeOf(call(columns, 'DeleteColumn', { board_id: board.id, id: doing.id }, me)),
    ).toBe(grpc.status.FAILED_PRECONDITION);

    const list = await call(tasks, 'ListTasks', { board_id: board.id }, me);
    expect(list.value.total_count).toBe(2);

    // Strangers see nothing (NOT_FOUND, as REST's 404); viewers may not write.
    const them = bearer(stranger.token);
    expect(await codeOf(call(boards, 'GetBoard', { id: board.id }, them))).toBe(
      grpc.status.NOT_FOUND,
    );
    expect(await codeOf(call(seed, 'GetTask', { id: a.id }, them))).toBe(grpc.status.NOT_FOUND);
    await owner.http.ok('POST', `/api/boards/${board.id}/members`, {
      username: stranger.username,
      role: 'viewer',
    });
    expect((await call(seed, 'GetTask', { id: a.id }, them)).value.task.title).toBe('A2');
    expect(await codeOf(call(seed, 'UpdateTask', { id: a.id, title: 'no' }, them))).toBe(
      grpc.status.PERMISSION_DENIED,
    );
    expect(await codeOf(call(seed, 'CreateTask', { board_id: board.id, title: 'no' }, them))).toBe(
      grpc.status.PERMISSION_DENIED,
    );
  });

  it('WatchBoard replays after after_seq, then goes live, every seq once', async () => {
    const me = bearer(owner.token);
    const board = (await call(boards, 'CreateBoard', { title: 'Watched' }, me)).value.board;
    const t = (await call(tasks, 'CreateTask', { board_id: board.id, title: 'one' }, me)).value
      .task;
    const head = Number((await call(boards, 'GetBoard', { id: board.id }, me)).value.board.seq);
    const watch = new StreamReader(
      boards.WatchBoard({ board_id: board.id, after_seq: head - 1 }, me),
    );
    await waitUntil(() => watch.messages.length >= 1, 'the replayed event');
    await call(tasks, 'UpdateTask', { id: t.id, completed: true }, me);
    await owner.http.ok('POST', '/api/tasks', { board_id: Number(board.id), title: 'two' });
    await waitUntil(() => watch.messages.length >= 3, 'live events');
    const seqs = watch.messages.map((m: Stub) => Number(m.seq));
    expect(seqs).toEqual([head, head + 1, head + 2]);
    expect(watch.messages.map((m: Stub) => m.event.type)).toEqual([
      'task.created',
      'task.updated',
      'task.created',
    ]);
    expect(watch.messages[1].event.task).toMatchObject({ id: t.id, completed: true });

    // No after_seq: a snapshot carrying its seq, then live.
    const fresh = new StreamReader(boards.WatchBoard({ board_id: board.id }, me));
    await waitUntil(() => fresh.messages.length >= 1, 'the snapshot');
    expect(fresh.messages[0].kind).toBe('snapshot');
    expect(Number(fresh.messages[0].seq)).toBe(head + 2);
    expect(fresh.messages[0].snapshot.tasks.map((x: Stub) => x.title).sort()).toEqual([
      'one',
      'two',
    ]);
    watch.stream.cancel();
    fresh.stream.cancel();

    // A program watching is not a viewer: a WebSocket client's presence list leaves it out.
    await owner.http.ok('POST', `/api/boards/${board.id}/members`, {
      username: stranger.username,
      role: 'viewer',
    });
    const program = new StreamReader(
      boards.WatchBoard({ board_id: board.id }, bearer(stranger.token)),
    );
    await waitUntil(() => program.messages.length >= 1, 'the program watching');
    await waitUntil(() => api.realtime.hub.stats().subscriptions >= 1, 'its subscription');
    const person = await TestSocket.open(
      `ws://127.0.0.1:${api.port}/ws`,
      { token: owner.token },
      owner.id,
    );
    await person.subscribeAndWait(Number(board.id), head + 3);
    const presence = await person.waitFor((m) => m.type === 'presence', 'presence');
    expect(presence.type === 'presence' && presence.viewers.map((v) => v.user_id)).toEqual([
      owner.id,
    ]);
    person.close();
    program.stream.cancel();
    await owner.http.ok('DELETE', `/api/boards/${board.id}/members/${stranger.id}`);

    expect(
      (
        await new StreamReader(boards.WatchBoard({ board_id: board.id }, bearer(stranger.token)))
          .ended
      ).code,
    ).toBe(grpc.status.NOT_FOUND);
  });
});

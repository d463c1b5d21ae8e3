import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../../../test-support/processes.js';
import { type Stack, startStack } from '../../../test-support/stack.js';
import { stackTraces, waitUntil } from './support/wait.js';

/**
 * Seed 001's gRPC client against `switchboard up` as a seed user runs it
 * (AUTH_MODE=open): the proxy's gRPC port, three instances behind it, calls
 * balanced per call, and an instance killed under open streams.
 */
type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
type Unary = (req: object, meta: grpc.Metadata, cb: Callback<unknown>) => grpc.ClientUnaryCall;
type Client = grpc.Client &
  Record<string, Unary & ((req: object) => grpc.ClientReadableStream<unknown>)>;

interface Task {
  id: number;
  board_id: number;
  title: string;
  description: string;
  completed: boolean;
}

const definition = loader.loadSync(
  ['task/v1/task.proto', 'switchboard/v1/board_service.proto', 'switchboard/v1/task_service.proto'],
  { includeDirs: [path.join(repoRoot, 'proto')], keepCase: true, longs: Number, defaults: true },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  task: { v1: { TaskService: grpc.ServiceClientConstructor } };
  switchboard: {
    v1: { BoardService: grpc.ServiceClientConstructor; TaskService: grpc.ServiceClientConstructor };
  };
};

let stack: Stack;
let target: string;
const clients: grpc.Client[] = [];

function client(ctor: grpc.ServiceClientConstructor): Client {
  // A channel of its own each: two seed clients are two connections to the proxy.
  const c = new ctor(target, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as Client;
  clients.push(c);
  return c;
}

/** A unary call: its answer and the instance that served it (x-served-by). */
function call<T>(
  c: Client,
  method: string,
  req: object,
): Promise<{ res: T; servedBy: string | undefined }> {
  return new Promise((resolve, reject) => {
    let servedBy: string | undefined;
    const running = c[method]!(req, new grpc.Metadata(), (err, res) =>
      err ? reject(err) : resolve({ res: res as T, servedBy }),
    );
    running.on('metadata', (m) => (servedBy = m.get('x-served-by')[0]?.toString()));
  });
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (err: grpc.ServiceError) => grpc.status[err.code],
  );

beforeAll(async () => {
  const grpcPort = await freePort();
  target = `127.0.0.1:${grpcPort}`;
  stack = await startStack({
    instances: 3,
    env: { AUTH_MODE: 'open', GRPC_PORT: String(grpcPort) },
    startTimeoutMs: 120_000,
  });
}, 150_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

describe('seed 001 gRPC clients against npm start', () => {
  it('create, get, update, list, delete; NOT_FOUND and INVALID_ARGUMENT where the seed has them', async () => {
    const tasks = client(loaded.task.v1.TaskService);
    const created = await call<{ task: Task }>(tasks, 'CreateTask', {
      board_id: 1,
      title: 'From a seed client',
      description: 'over gRPC',
      created_by: 100,
    });
    expect(created.res.task).toMatchObject({ board_id: 1, title: 'From a seed client' });
    const id = created.res.task.id;
    expect(id).toBeGreaterThan(0);
    expect((await call<{ task: Task }>(tasks, 'GetTask', { id })).res.task.title).toBe(
      'From a seed client',
    );
    const updated = await call<{ task: Task }>(tasks, 'UpdateTask', { id, completed: true });
    expect(updated.res.task).toMatchObject({ id, completed: true, title: 'From a seed client' });
    const listed = await call<{ tasks: Task[]; total_count: number }>(tasks, 'ListTasks', {
      board_id: 1,
      completed: true,
      page_size: 50,
      page_number: 1,
    });
    expect(listed.res.tasks.map((t) => t.id)).toContain(id);
    expect(listed.res.total_count).toBe(listed.res.tasks.length);
    // The same task through REST: one store behind both.
    const rest = await fetch(`${stack.url}/api/tasks/${id}`);
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as Task).completed).toBe(true);

    expect((await call<{ success: boolean }>(tasks, 'DeleteTask', { id })).res.success).toBe(true);
    expect(await codeOf(call(tasks, 'GetTask', { id }))).toBe('NOT_FOUND');
    expect(await codeOf(call(tasks, 'GetTask', { id: 987654 }))).toBe('NOT_FOUND');
    expect(await codeOf(call(tasks, 'CreateTask', { board_id: 1, title: '' }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(call(tasks, 'CreateTask', { board_id: 0, title: 'x' }))).toBe(
      'INVALID_ARGUMENT',
    );
  }, 60_000);

  it('spreads two clients’ calls over every instance, per call, not per connection', async () => {
    const a = client(loaded.task.v1.TaskService);
    const b = client(loaded.task.v1.TaskService);
    const seen = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      for (const c of [a, b]) {
        const { servedBy } = await call(c, 'ListTasks', { board_id: 1, page_size: 5 });
        seen.set(String(servedBy), (seen.get(String(servedBy)) ?? 0) + 1);
      }
    }
    // Each client holds one HTTP/2 connection; the instances are the API's own ids.
    expect([...seen.keys()].sort()).toEqual(['api-1', 'api-2', 'api-3']);
    for (const n of seen.values()) expect(n).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('an instance killed mid-stream: WatchTasks ends UNAVAILABLE and re-watches; WatchBoard resumes with no gap', async () => {
    const seedTasks = client(loaded.task.v1.TaskService);
    const boards = client(loaded.switchboard.v1.BoardService);
    const { res: created } = await call<{ board: { id: number } }>(boards, 'CreateBoard', {
      title: 'Kill under streams',
    });
    const boardId = created.board.id;
    let written = 0;
    const write = async () => {
      const res = await fetch(`${stack.url}/api/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ board_id: boardId, title: `task ${++written}` }),
      });
      expect(res.status).toBe(201);
    };

    // The seed client's WatchTasks. A stream's headers (x-served-by) come with its
    // first message, so write until one arrives.
    let watchEnded: string | undefined;
    let watchServedBy: string | undefined;
    const watched: Task[] = [];
    const watch = seedTasks.WatchTasks!({ board_id: boardId });
    watch.on('metadata', (m) => (watchServedBy = m.get('x-served-by')[0]?.toString()));
    watch.on('data', (t: Task) => watched.push(t));
    watch.on('error', (err: grpc.ServiceError) => (watchEnded = grpc.status[err.code]));
    await waitUntil(
      async () => {
        if (watched.length === 0) await write();
        return watched.length > 0 && watchServedBy !== undefined;
      },
      'WatchTasks to deliver',
      20_000,
      300,
    );

    // Switchboard's WatchBoard on the same instance: without after_seq it opens with a
    // snapshot (and its seq); events follow from seq + 1.
    const seqs: number[] = [];
    let boardStreamEnded: string | undefined;
    const watchBoard = async (afterSeq?: number) => {
      const stream = boards.WatchBoard!(
        afterSeq === undefined ? { board_id: boardId } : { board_id: boardId, after_seq: afterSeq },
      );
      const first = await new Promise<{ servedBy?: string; seq?: number }>((resolve) => {
        let servedBy: string | undefined;
        stream.on('metadata', (m) => (servedBy = m.get('x-served-by')[0]?.toString()));
        stream.once('data', (m: { seq: number; snapshot?: unknown; event?: unknown }) => {
          if (m.event) seqs.push(m.seq);
          resolve({ servedBy, seq: m.snapshot ? m.seq : undefined });
        });
        stream.on('error', () => resolve({}));
      });
      return { stream, ...first };
    };
    const follow = (stream: grpc.ClientReadableStream<unknown>) => {
      stream.on('data', (m: { seq: number; event?: unknown }) => {
        if (m.event && !seqs.includes(m.seq)) seqs.push(m.seq);
      });
      stream.on('error', (err: grpc.ServiceError) => (boardStreamEnded = grpc.status[err.code]));
    };
    let onSame: Awaited<ReturnType<typeof watchBoard>> | undefined;
    // Round robin: within a few calls one lands where WatchTasks is.
    for (let i = 0; i < 9 && !onSame; i++) {
      const opened = await watchBoard();
      if (opened.servedBy === watchServedBy) onSame = opened;
      else opened.stream.cancel();
    }
    expect(onSame, 'a WatchBoard on the instance to be killed').toBeDefined();
    expect(onSame!.seq).toBeGreaterThan(0);
    const snapshotSeq = onSame!.seq!;
    follow(onSame!.stream);

    const before = watched.length;
    for (let i = 0; i < 5; i++) await write();
    await waitUntil(() => watched.length >= before + 5, 'WatchTasks to see the writes', 20_000);
    await waitUntil(() => seqs.length >= 5, 'WatchBoard to see the writes', 20_000);

    // Kill the instance serving both streams.
    const pid = stack.apiPids().get(watchServedBy!);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await waitUntil(() => watchEnded !== undefined, 'WatchTasks to end', 20_000);
    expect(watchEnded).toBe('UNAVAILABLE');
    await waitUntil(() => boardStreamEnded !== undefined, 'WatchBoard to end', 20_000);
    expect(boardStreamEnded).toBe('UNAVAILABLE');

    // Writes go on meanwhile (through REST, on the live instances).
    for (let i = 0; i < 5; i++) await write();

    // The seed client's recovery: list again, watch again.
    const again = await call<{ tasks: Task[] }>(seedTasks, 'ListTasks', {
      board_id: boardId,
      page_size: 100,
    });
    expect(again.res.tasks.length).toBe(written);
    const rewatched: Task[] = [];
    const rewatch = seedTasks.WatchTasks!({ board_id: boardId });
    rewatch.on('data', (t: Task) => rewatched.push(t));
    rewatch.on('error', () => {});
    await waitUntil(
      async () => {
        if (rewatched.length === 0) await write();
        return rewatched.length > 0;
      },
      'the new WatchTasks to deliver',
      20_000,
      300,
    );
    rewatch.cancel();

    // WatchBoard resumes from the last seq it applied, on another instance: no gap.
    const resumed = await watchBoard(seqs.at(-1));
    follow(resumed.stream);
    const { res: latest } = await call<{ board: { seq: number } }>(boards, 'GetBoard', {
      id: boardId,
    });
    await waitUntil(() => seqs.at(-1) === latest.board.seq, 'WatchBoard to catch up', 20_000);
    const expected = Array.from({ length: seqs.length }, (_, i) => snapshotSeq + 1 + i);
    expect(seqs).toEqual(expected);
    resumed.stream.cancel();
    // Killed, recovered, resumed: nothing crashed or printed a stack on the way.
    expect(stackTraces(stack.output())).toEqual([]);
  }, 120_000);
});

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { apiConfig } from '../src/config.js';
import { type RunningApi, startApi } from '../src/server.js';
import { call, client, grpc, type Stub } from './support/grpc-client.js';

/**
 * The standard health and reflection services, asked by grpc-js with the
 * reflection protos @grpc/reflection ships: nothing of ours on the client.
 */
const reflectionProtos = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '..',
  'proto',
);

let testDb: TestDatabase;
let api: RunningApi;
let address: string;
beforeAll(async () => {
  testDb = await createTestDatabase('grpchealth');
  api = await startApi(
    apiConfig({
      databaseUrl: testDb.url,
      authMode: 'open',
      host: '127.0.0.1',
      port: 0,
      instanceId: 'api-h1',
      logLevel: 'silent',
    }),
  );
  address = `127.0.0.1:${api.port}`;
});
afterAll(async () => {
  await api?.close();
  await testDb?.drop();
});

function reflectionClient(version: 'v1' | 'v1alpha'): Stub {
  const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [reflectionProtos],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as Stub;
  return new pkg.grpc.reflection[version].ServerReflection(
    address,
    grpc.credentials.createInsecure(),
  );
}

/** Asks one reflection question on a fresh bidi stream. */
function ask(stub: Stub, request: object): Promise<Stub> {
  return new Promise((resolve, reject) => {
    const stream = stub.ServerReflectionInfo();
    stream.on('data', (response: Stub) => {
      resolve(response);
      stream.end();
    });
    stream.on('error', reject);
    stream.write(request);
  });
}

/** A FileDescriptorSet (field 1, repeated) from FileDescriptorProto bytes. */
function descriptorSet(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    const length: number[] = [];
    let n = file.length;
    while (n > 0x7f) {
      length.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    length.push(n);
    parts.push(Buffer.from([0x0a, ...length]), file);
  }
  return Buffer.concat(parts);
}

describe('grpc.health.v1.Health', () => {
  it('is SERVING while /ready answers 200, NOT_SERVING once draining', async () => {
    const health = client('grpc/health/v1/health.proto', 'grpc.health.v1.Health', address);
    expect((await call(health, 'Check', {})).value.status).toBe('SERVING');
    expect((await call(health, 'Check', { service: 'task.v1.TaskService' })).value.status).toBe(
      'SERVING',
    );
    const unknown = await call(health, 'Check', { service: 'nope.v1.Nothing' }).catch(
      (err: grpc.ServiceError) => err.code,
    );
    expect(unknown).toBe(grpc.status.NOT_FOUND);
    api.drain();
    expect((await call(health, 'Check', {})).value.status).toBe('NOT_SERVING');
    expect((await fetch(`${api.url}/ready`)).status).toBe(503);
    health.close();
  });
});

describe.each(['v1', 'v1alpha'] as const)('server reflection %s', (version) => {
  it('lists the services and describes them well enough to call one', async () => {
    const stub = reflectionClient(version);
    const listed = await ask(stub, { list_services: '' });
    expect(listed.list_services_response.service.map((s: Stub) => s.name)).toEqual(
      expect.arrayContaining([
        'task.v1.TaskService',
        'switchboard.v1.BoardService',
        'switchboard.v1.ColumnService',
        'switchboard.v1.TaskService',
        'grpc.health.v1.Health',
      ]),
    );
    const described = await ask(stub, { file_containing_symbol: 'task.v1.TaskService' });
    const files: Buffer[] = described.file_descriptor_response.file_descriptor_proto;
    expect(files.length).toBeGreaterThanOrEqual(2); // task.proto and timestamp.proto

    // A client made from what reflection said, and nothing else.
    const definition = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(files), {
      keepCase: true,
      longs: String,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as Stub;
    const tasks = new pkg.task.v1.TaskService(address, grpc.credentials.createInsecure());
    const made = await call(tasks, 'CreateTask', { board_id: 1, title: `via ${version}` });
    expect(made.value.task.title).toBe(`via ${version}`);
    tasks.close();

    const missing = await ask(stub, { file_containing_symbol: 'no.such.Symbol' });
    expect(missing.error_response.error_code).toBe(grpc.status.NOT_FOUND);
    const byName = await ask(stub, { file_by_filename: 'switchboard/v1/board_service.proto' });
    expect(byName.file_descriptor_response.file_descriptor_proto.length).toBeGreaterThanOrEqual(2);
    stub.close();
  });
});

import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestDatabase, type TestDatabase } from '../../../../test-support/database.js';
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/app-deps.js';
import { apiConfig, type ApiConfig } from '../../src/config.js';
import { createDeps } from '../../src/server.js';
import type { JobRunner } from '../../src/jobs/job-runner.js';
import type { DatabaseHandle } from '../../src/store/db.js';

export interface Harness {
  app: FastifyInstance;
  deps: AppDeps;
  database: DatabaseHandle;
  /** The instance's job runner (tests run due jobs with jobs.runDue()). */
  jobs: JobRunner;
  testDb: TestDatabase;
  close(): Promise<void>;
}

/** A real app on a fresh database of its own; requests go through app.inject. */
export async function startHarness(
  label: string,
  overrides: Partial<ApiConfig> = {},
): Promise<Harness> {
  const testDb = await createTestDatabase(label);
  const config = apiConfig({
    databaseUrl: testDb.url,
    authLimits: {
      loginPerIpPerMinute: 1000,
      loginFailuresPerUserIpPer15Min: 1000,
      loginSlowdownAfterFailures: 1000,
      registerPerIpPerHour: 1000,
    },
    ...overrides,
  });
  const { deps, database, jobs } = await createDeps(config);
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    database,
    jobs,
    testDb,
    close: async () => {
      await app.close();
      await database.close();
      await testDb.drop();
    },
  };
}

export interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  headers: LightMyRequestResponse['headers'];
}

export class Client {
  constructor(
    readonly app: FastifyInstance,
    readonly token?: string,
  ) {}

  async request(
    method: InjectOptions['method'],
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Json> {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
    let body: unknown = res.body;
    if (res.headers['content-type']?.toString().includes('application/json') && res.body) {
      body = JSON.parse(res.body);
    }
    return { status: res.statusCode, body, headers: res.headers };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, undefined, headers);
  }
  post(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, payload, headers);
  }
  patch(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', url, payload, headers);
  }
  put(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request('PUT', url, payload, headers);
  }
  delete(url: string, headers?: Record<string, string>) {
    return this.request('DELETE', url, undefined, headers);
  }
}

let userCounter = 0;

/** Registers a fresh user and returns a client that acts as them. */
export async function registerUser(
  app: FastifyInstance,
  prefix = 'user',
): Promise<Client & { userId: number; username: string }> {
  const username = `${prefix}${process.pid}x${++userCounter}`;
  const res = await new Client(app).post('/api/auth/register', {
    username,
    password: 'correct horse battery',
  });
  if (res.status !== 201)
    throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const client = new Client(app, res.body.token) as Client & { userId: number; username: string };
  client.userId = res.body.user.id;
  client.username = username;
  return client;
}

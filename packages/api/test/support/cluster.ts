import { createTestDatabase, type TestDatabase } from '../../../../test-support/database.js';
import { apiConfig, type ApiConfig, type BusKind } from '../../src/config.js';
import { mergeRealtimeOverrides, type RealtimeOverrides } from '../../src/realtime/options.js';
import { type CreateOptions, type RunningApi, startApi } from '../../src/server.js';

/** Intervals short enough that crashes and outages play out within a test. */
export const fastRealtime: RealtimeOverrides = {
  pollMs: 300,
  discoveryMs: 1_000,
  pingIntervalMs: 2_000,
  authTimeoutMs: 1_000,
  sessionCheckMs: 300,
  closeGraceMs: 1_000,
  presence: { heartbeatMs: 300, ttlMs: 1_500, pushMs: 30 },
  relay: { lockRetryMs: 200, pollMs: 300 },
  nats: { storage: 'memory' },
};

/** Merges real-time overrides, nested groups included. */
export const mergeRealtime = mergeRealtimeOverrides;

export interface ClusterOptions {
  bus?: BusKind;
  busUrl?: string;
  prefix?: string;
  authMode?: ApiConfig['authMode'];
  realtime?: RealtimeOverrides;
}

export interface Instance extends RunningApi {
  wsUrl: string;
}

/** API instances in this process on one fresh database and one bus namespace. */
export class Cluster {
  readonly instances: Instance[] = [];

  private constructor(
    readonly testDb: TestDatabase,
    readonly options: ClusterOptions,
  ) {}

  static async start(label: string, count: number, options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(await createTestDatabase(label), options);
    for (let i = 0; i < count; i++) await cluster.add();
    return cluster;
  }

  config(overrides: Partial<ApiConfig> = {}): ApiConfig {
    const { bus = 'pg', busUrl, prefix = '', authMode = 'accounts' } = this.options;
    return apiConfig({
      databaseUrl: this.testDb.url,
      authMode,
      bus,
      busPrefix: prefix,
      ...(bus === 'nats' ? { natsUrl: busUrl } : {}),
      ...(bus === 'redis' ? { redisUrl: busUrl } : {}),
      instanceId: `api-${this.instances.length + 1}`,
      poolSize: 5,
      authLimits: {
        loginPerIpPerMinute: 10_000,
        loginFailuresPerUserIpPer15Min: 10_000,
        loginSlowdownAfterFailures: 10_000,
        registerPerIpPerHour: 10_000,
      },
      ...overrides,
    });
  }

  async add(overrides: Partial<ApiConfig> = {}, create: CreateOptions = {}): Promise<Instance> {
    const api = await startApi(this.config(overrides), {
      realtime: mergeRealtime(fastRealtime, this.options.realtime, create.realtime),
      ...(create.listenerUrl ? { listenerUrl: create.listenerUrl } : {}),
    });
    const instance = Object.assign(api, { wsUrl: `ws://127.0.0.1:${api.port}/ws` });
    this.instances.push(instance);
    return instance;
  }

  at(i: number): Instance {
    const instance = this.instances[i];
    if (!instance) throw new Error(`no instance ${i}`);
    return instance;
  }

  async close(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.close().catch(() => {})));
    await this.testDb.drop();
  }
}

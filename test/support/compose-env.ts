import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dns2 from 'dns2';
import { parse, stringify } from 'yaml';
import {
  forkListening,
  freePort,
  type ListeningChild,
  repoRoot,
  tsxExecArgv,
} from '../../test-support/processes.js';

/**
 * compose.yaml read the way Compose reads it (YAML merge keys, `${VAR}`
 * substitution from an env file), and its topology started without Docker:
 * the API replicas and the proxy as processes from the sources, each with
 * the environment and configuration the file gives its service.
 */

export const composeFile = path.join(repoRoot, 'compose.yaml');
export const envExampleFile = path.join(repoRoot, '.env.example');

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target: string })[];
  configs?: (string | { source: string; target?: string })[];
  profiles?: string[];
  deploy?: { replicas?: number };
  ports?: (string | number)[];
  read_only?: boolean;
  restart?: string;
  [key: string]: unknown;
}

export interface ComposeModel {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { file?: string }>;
  [key: string]: unknown;
}

/** KEY=VALUE lines; # comments and blank lines ignored (the subset .env.example uses). */
export function readEnvFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.trim();
  }
  return vars;
}

/** The variables a file requires (`${VAR:?message}` or `${VAR?message}`). */
export function requiredVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?/g)].map((m) => m[1]!));
}

/**
 * Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`. A missing required
 * variable throws its message, as `docker compose config` does.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const value = vars[name!];
      const unset = value === undefined || (colon === ':' && value === '');
      if (op === '-') return unset ? (arg ?? '') : value;
      if (op === '?') {
        if (unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return value;
      }
      return value ?? '';
    },
  );
}

/** compose.yaml after substitution with `vars` (by default .env.example's values). */
export function loadCompose(vars: Record<string, string> = readEnvFile(envExampleFile)): {
  text: string;
  model: ComposeModel;
} {
  const text = readFileSync(composeFile, 'utf8');
  const model = parse(interpolate(text, vars), { merge: true }) as ComposeModel;
  return { text, model };
}

/** A service's environment as a map (Compose allows a list of KEY=VALUE too). */
export function serviceEnv(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const i = item.indexOf('=');
      if (i > 0) env[item.slice(0, i)] = item.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(raw)) if (v !== null) env[k] = String(v);
  }
  return env;
}

/** The host and port a URL in a service's environment points at. */
export function urlHost(url: string): { host: string; port: string } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port };
}

/**
 * What Docker's embedded DNS does for a Compose network, on loopback: a real
 * DNS server (UDP, dns2) answering a service name with one A record per
 * replica, and NXDOMAIN for anything else.
 */
export class LoopbackDns {
  private readonly records = new Map<string, string[]>();
  private readonly server = dns2.createServer({
    udp: true,
    handle: (req, send) => {
      const res = dns2.Packet.createResponseFromRequest(req);
      const q = req.questions[0] as { name: string; type: number } | undefined;
      const header = (res as unknown as { header: { rcode: number; aa: number } }).header;
      header.aa = 1;
      const addresses = q ? this.records.get(q.name.toLowerCase()) : undefined;
      if (!q || !addresses) header.rcode = 3;
      else if (q.type === dns2.Packet.TYPE.A) {
        for (const address of addresses) {
          res.answers.push({
            name: q.name,
            type: dns2.Packet.TYPE.A,
            class: dns2.Packet.CLASS.IN,
            ttl: 0,
            address,
          } as unknown as (typeof res.answers)[number]);
        }
      }
      void send(res);
    },
  });
  address = '';

  set(name: string, addresses: string[]): void {
    this.records.set(name.toLowerCase(), addresses);
  }

  async start(): Promise<void> {
    await this.server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const udp = (this.server as unknown as { servers: { udp: { address(): AddressInfo } } }).servers
      .udp;
    this.address = `127.0.0.1:${udp.address().port}`;
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

/** The proxy config file the `proxy` service mounts, parsed. */
export function composeProxyConfig(model: ComposeModel): {
  file: string;
  config: Record<string, unknown>;
} {
  const source = model.services.proxy?.configs?.find(
    (c): c is { source: string; target?: string } => typeof c === 'object',
  )?.source;
  const file = source && model.configs?.[source]?.file;
  if (!file) throw new Error('the proxy service mounts no config file');
  const full = path.resolve(path.dirname(composeFile), file);
  return { file: full, config: parse(readFileSync(full, 'utf8')) as Record<string, unknown> };
}

export interface TopologyOptions {
  /** What stands in for the `postgres` service. */
  databaseUrl: string;
  /** What stands in for the `nats` service. */
  natsUrl: string;
  /** Keeps this run's streams apart on a shared NATS server. */
  busPrefix: string;
  /**
   * How the proxy finds the API replicas. `static` (default): the pool's
   * dns:// entry replaced by the replicas' loopback URLs. `dns`: the entry
   * kept (only its port changed): each replica listens on its own loopback
   * address (127.0.0.1, .2, .3) on one port, and a DNS server on loopback
   * answers the service name with those addresses, as Docker's DNS does.
   */
  discovery?: 'static' | 'dns';
}

export interface Topology {
  url: string;
  adminUrl: string;
  adminToken: string;
  apis: ListeningChild[];
  proxy: ChildProcess;
  proxyOutput(): string;
  /** The env each API replica was started with (after the stand-ins). */
  apiEnv: Record<string, string>;
  /** In `dns` mode: the DNS server the proxy asks. */
  dns?: LoopbackDns;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, proxy: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proxy.exitCode !== null) throw new Error(`proxy exited (${proxy.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`proxy did not answer /health:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `deploy.replicas` API instances and one proxy with what compose.yaml
 * gives their services; the only changes are the stand-ins for other
 * containers (database, NATS, the replicas' addresses, ports on loopback,
 * paths inside the image).
 */
export async function startComposeTopology(options: TopologyOptions): Promise<Topology> {
  const vars = readEnvFile(envExampleFile);
  const { model } = loadCompose(vars);
  const api = model.services.api!;
  const proxyService = model.services.proxy!;
  const replicas = api.deploy?.replicas ?? 1;
  const tmp = mkdtempSync(path.join(tmpdir(), 'sb-compose-'));
  const apis: ListeningChild[] = [];
  let proxy: ChildProcess | undefined;
  const stop = async () => {
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      const p = proxy;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await Promise.all(apis.map((a) => a.stop('SIGTERM', 15_000)));
    await dns?.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  };
  const discovery = options.discovery ?? 'static';
  let dns: LoopbackDns | undefined;
  try {
    const apiEnv: Record<string, string> = {
      ...serviceEnv(api),
      HOST: '127.0.0.1', // each container has its own address; here they share loopback
      PORT: '0',
      DATABASE_URL: options.databaseUrl,
      NATS_URL: options.natsUrl,
      BUS_PREFIX: options.busPrefix,
      LOG_LEVEL: 'warn',
    };
    const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp };
    // dns: one port for all, an address each (as containers have).
    const sharedPort = discovery === 'dns' ? String(await freePort()) : '0';
    for (let i = 1; i <= replicas; i++) {
      const own = discovery === 'dns' ? { HOST: `127.0.0.${i}`, PORT: sharedPort } : {};
      apis.push(
        await forkListening(path.join(repoRoot, 'packages/cli/src/main.ts'), {
          args: ['api'],
          env: { ...baseEnv, ...apiEnv, ...own, INSTANCE_ID: `api-${i}` },
          captureOutput: true,
        }),
      );
    }

    const { config } = composeProxyConfig(model);
    const ports = apis.map((a) => a.port);
    const pools = config.pools as Record<string, Record<string, unknown>>;
    for (const pool of Object.values(pools)) {
      const backends = pool.backends as { url: string }[];
      const named = backends.find((b) => b.url.startsWith('dns://'));
      if (!named) continue;
      if (discovery === 'dns') {
        const url = new URL(named.url);
        dns ??= new LoopbackDns();
        dns.set(
          url.hostname,
          apis.map((_, i) => `127.0.0.${i + 1}`),
        );
        named.url = `dns://${url.hostname}:${sharedPort}`;
      } else {
        pool.backends = ports.map((p, i) => ({ id: `api-${i + 1}`, url: `http://127.0.0.1:${p}` }));
        delete pool.dns_refresh;
      }
    }
    if (dns) {
      await dns.start();
      config.dns = { servers: [dns.address] };
    }
    // Paths inside the image → a temp directory here.
    config.data_dir = path.join(tmp, 'data');
    const webRoot = path.join(tmp, 'web');
    mkdirSync(webRoot);
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Switchboard</title>');
    for (const route of config.routes as { static?: { root: string } }[]) {
      if (route.static) route.static.root = webRoot;
    }
    const configFile = path.join(tmp, 'proxy.yaml');
    writeFileSync(configFile, stringify(config));

    const [port, adminPort] = [await freePort(), await freePort()];
    const proxyEnv: Record<string, string> = { ...serviceEnv(proxyService), LOG_LEVEL: 'warn' };
    const command = proxyService.command as string[];
    // The service's own command with the config path swapped for the copy.
    const args = command.map((a) => (a === '/etc/switchboard/proxy.yaml' ? configFile : a));
    let out = '';
    proxy = spawn(
      process.execPath,
      [
        ...tsxExecArgv,
        path.join(repoRoot, 'packages/cli/src/main.ts'),
        ...args,
        '--port',
        String(port),
        '--admin',
        `127.0.0.1:${adminPort}`,
      ],
      { cwd: repoRoot, env: { ...baseEnv, ...proxyEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proxy.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    proxy.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, proxy, () => out);
    const p = proxy;
    return {
      url,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      adminToken: proxyEnv.ADMIN_TOKEN ?? '',
      apis,
      proxy: p,
      proxyOutput: () => out,
      apiEnv,
      dns,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

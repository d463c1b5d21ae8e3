import { parseArgs } from 'node:util';
import { ConfigError, parseProxyConfig, readConfigFile, type ProxyConfig } from './config/load.js';
import { startProxy } from './start.js';
import type { RunningProxy } from './types.js';

const USAGE = `usage: switchboard proxy [--config FILE] [--backend URL ...] [--health-path PATH] [--tls] [--port N] [--admin ADDR]

  -c, --config FILE   YAML config (docs/proxy.md); reloaded on SIGHUP
  -b, --backend URL   add a backend to the default pool (repeatable; no config needed)
      --health-path PATH
                      the default pool's health check (default: GET /, any 2xx or 3xx is up)
      --tls           terminate TLS (self-signed dev certificate unless the config names files)
  -p, --port N        main listener port (overrides listen)
      --admin ADDR    admin listener, e.g. 127.0.0.1:8081 (overrides ADMIN_ADDR and admin.listen)
  -h, --help

environment (a flag wins over its variable; with no flags the proxy runs from these alone):
  PROXY_CONFIG   YAML config file (--config)
  BACKENDS       comma-separated backend URLs, http(s):// or dns://name:port (--backend)
  HEALTH_PATH    the default pool's health check path (--health-path)
  PORT           main listener port (--port)
  DATA_DIR       analytics and generated certificates (data_dir)
  REDIS_URL      rate limits, admin changes and analytics shared with the other proxies
  ADMIN_ADDR, ADMIN_TOKEN, LOG_LEVEL
`;

export interface CliFlags {
  config?: string;
  backend: string[];
  healthPath?: string;
  tls: boolean;
  port?: number;
  admin?: string;
  /** data_dir; from DATA_DIR (see withEnvironment). */
  dataDir?: string;
}

function parsePort(value: string, name: string): number {
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError([`${name}: not a port: ${value}`]);
  return port;
}

/**
 * The flags with the environment filled in where a flag is absent, so the
 * proxy runs as a container or a Kubernetes pod does: configured from the
 * environment only (12-factor). A flag wins over its variable.
 */
export function withEnvironment(flags: CliFlags, env: NodeJS.ProcessEnv = process.env): CliFlags {
  const backends = (env.BACKENDS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  const config = flags.config ?? (env.PROXY_CONFIG || undefined);
  const healthPath = flags.healthPath ?? (env.HEALTH_PATH || undefined);
  const dataDir = flags.dataDir ?? (env.DATA_DIR || undefined);
  const port = flags.port ?? (env.PORT ? parsePort(env.PORT, 'PORT') : undefined);
  return {
    ...flags,
    backend: flags.backend.length ? flags.backend : backends,
    ...(config !== undefined ? { config } : {}),
    ...(healthPath !== undefined ? { healthPath } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

/** Reads the config file (if any) and applies flags and environment on top, then validates. */
export async function buildCliConfig(
  flags: CliFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProxyConfig> {
  let obj: Record<string, unknown> = {};
  if (flags.config) {
    const parsed = await readConfigFile(flags.config);
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ConfigError([`${flags.config}: the top level must be a mapping`]);
      }
      obj = parsed as Record<string, unknown>;
    }
  }
  if (flags.backend.length) {
    const list = Array.isArray(obj.backends) ? [...(obj.backends as unknown[])] : [];
    for (const url of flags.backend) list.push({ url });
    obj.backends = list;
  }
  if (flags.healthPath !== undefined) {
    // The pool --backend adds to: the top-level (default) one.
    if (obj.backends === undefined)
      throw new ConfigError([
        "--health-path (HEALTH_PATH): sets the default pool's check; give --backend URL (BACKENDS) or top-level backends",
      ]);
    obj.health = {
      ...((obj.health as Record<string, unknown> | undefined) ?? {}),
      path: flags.healthPath,
    };
  }
  if (flags.port !== undefined) {
    const cur = obj.listen;
    const host =
      typeof cur === 'string' && cur.includes(':') ? cur.slice(0, cur.lastIndexOf(':')) : '0.0.0.0';
    obj.listen = `${host || '0.0.0.0'}:${flags.port}`;
  }
  if (flags.dataDir !== undefined) obj.data_dir = flags.dataDir;
  const admin = { ...((obj.admin as Record<string, unknown> | undefined) ?? {}) };
  const adminAddr = flags.admin ?? env.ADMIN_ADDR;
  if (adminAddr) admin.listen = adminAddr;
  if (env.ADMIN_TOKEN && admin.token === undefined) admin.token = env.ADMIN_TOKEN;
  obj.admin = admin;
  if (env.REDIS_URL) {
    // One Redis for several proxies: rate limits, admin changes and analytics.
    const rl = { ...((obj.rate_limit as Record<string, unknown> | undefined) ?? {}) };
    rl.redis_url ??= env.REDIS_URL;
    obj.rate_limit = rl;
    const shared = { ...((obj.shared as Record<string, unknown> | undefined) ?? {}) };
    shared.redis_url ??= env.REDIS_URL;
    obj.shared = shared;
  }
  if (env.LOG_LEVEL)
    obj.log = { ...((obj.log as Record<string, unknown> | undefined) ?? {}), level: env.LOG_LEVEL };
  if (flags.tls) {
    const tls = (obj.tls as Record<string, unknown> | undefined) ?? {};
    obj.tls =
      tls.cert && tls.key
        ? { ...tls, enabled: true }
        : { ...tls, enabled: true, self_signed: true };
  }
  return parseProxyConfig(obj);
}

export function parseCliFlags(argv: string[]): CliFlags & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      backend: { type: 'string', short: 'b', multiple: true },
      'health-path': { type: 'string' },
      tls: { type: 'boolean', default: false },
      port: { type: 'string', short: 'p' },
      admin: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port !== undefined ? parsePort(values.port, '--port') : undefined;
  return {
    config: values.config,
    backend: values.backend ?? [],
    healthPath: values['health-path'],
    tls: values.tls ?? false,
    port,
    admin: values.admin,
    help: values.help ?? false,
  };
}

/**
 * `switchboard proxy …`: runs until SIGINT/SIGTERM (graceful: in-flight
 * requests finish, then connections close); SIGHUP re-reads the config and
 * applies it without dropping connections. Resolves once shut down.
 */
export async function runProxyCli(argv: string[]): Promise<void> {
  let flags: CliFlags & { help: boolean };
  try {
    const parsed = parseCliFlags(argv);
    flags = { ...withEnvironment(parsed), help: parsed.help };
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!flags.config && flags.backend.length === 0) {
    process.stderr.write(
      `switchboard proxy: give --config FILE or at least one --backend URL (or PROXY_CONFIG or BACKENDS)\n\n${USAGE}`,
    );
    process.exitCode = 2;
    return;
  }
  let config: ProxyConfig;
  try {
    config = await buildCliConfig(flags);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const proxy: RunningProxy = await startProxy(config, {
    reloadConfig: () => buildCliConfig(flags),
  });
  process.stdout.write(
    `switchboard proxy on ${proxy.url}${proxy.adminUrl ? `, admin on ${proxy.adminUrl}` : ''}\n`,
  );

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onHup = () => {
      buildCliConfig(flags)
        .then((next) => proxy.reload(next))
        .then(() => process.stdout.write('switchboard proxy: configuration reloaded\n'))
        .catch((e: unknown) =>
          process.stderr.write(
            `reload failed, keeping the running config: ${(e as Error).message}\n`,
          ),
        );
    };
    const onStop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`switchboard proxy: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`switchboard proxy: ${signal}, shutting down gracefully\n`);
      proxy
        .close()
        .catch((e: unknown) => process.stderr.write(`shutdown error: ${(e as Error).message}\n`))
        .finally(() => {
          process.off('SIGHUP', onHup);
          process.off('SIGINT', onStop);
          process.off('SIGTERM', onStop);
          resolve();
        });
    };
    process.on('SIGHUP', onHup);
    process.on('SIGINT', onStop);
    process.on('SIGTERM', onStop);
  });
}

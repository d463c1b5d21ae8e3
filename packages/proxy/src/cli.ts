import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseProxyConfig, type ProxyConfig } from './config/load.js';
import { startProxy } from './start.js';
import type { RunningProxy } from './types.js';

const USAGE = `usage: switchboard proxy [--config FILE] [--backend URL ...] [--tls] [--port N] [--admin ADDR]

  -c, --config FILE   YAML config (docs/proxy.md); reloaded on SIGHUP
  -b, --backend URL   add a backend to the default pool (repeatable; no config needed)
      --tls           terminate TLS (self-signed dev certificate unless the config names files)
  -p, --port N        main listener port (overrides listen)
      --admin ADDR    admin listener, e.g. 127.0.0.1:8081 (overrides ADMIN_ADDR and admin.listen)
  -h, --help

environment: ADMIN_ADDR, ADMIN_TOKEN, REDIS_URL (rate limits shared through Redis), LOG_LEVEL
`;

interface CliFlags {
  config?: string;
  backend: string[];
  tls: boolean;
  port?: number;
  admin?: string;
}

/** Reads the config file (if any) and applies flags and environment on top, then validates. */
export async function buildCliConfig(
  flags: CliFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProxyConfig> {
  let obj: Record<string, unknown> = {};
  if (flags.config) {
    const text = await readFile(flags.config, 'utf8');
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (e) {
      throw new ConfigError([`${flags.config}: ${(e as Error).message}`]);
    }
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
  if (flags.port !== undefined) {
    const cur = obj.listen;
    const host =
      typeof cur === 'string' && cur.includes(':') ? cur.slice(0, cur.lastIndexOf(':')) : '0.0.0.0';
    obj.listen = `${host || '0.0.0.0'}:${flags.port}`;
  }
  const admin = { ...((obj.admin as Record<string, unknown> | undefined) ?? {}) };
  const adminAddr = flags.admin ?? env.ADMIN_ADDR;
  if (adminAddr) admin.listen = adminAddr;
  if (env.ADMIN_TOKEN && admin.token === undefined) admin.token = env.ADMIN_TOKEN;
  obj.admin = admin;
  if (env.REDIS_URL) {
    const rl = { ...((obj.rate_limit as Record<string, unknown> | undefined) ?? {}) };
    rl.redis_url ??= env.REDIS_URL;
    obj.rate_limit = rl;
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
      tls: { type: 'boolean', default: false },
      port: { type: 'string', short: 'p' },
      admin: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError([`--port: not a port: ${values.port}`]);
  }
  return {
    config: values.config,
    backend: values.backend ?? [],
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
  let flags: ReturnType<typeof parseCliFlags>;
  try {
    flags = parseCliFlags(argv);
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
      `switchboard proxy: give --config FILE or at least one --backend URL\n\n${USAGE}`,
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

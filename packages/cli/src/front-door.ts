import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { limits } from '@switchboard/core';
import { parseProxyConfig, type ProxyConfig } from '@switchboard/proxy';
import type { UpConfig } from './up-config.js';

/** Where the web app's production build lives (built by `npm install`, see the root prepare script). */
export function webDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@switchboard/web/package.json')), 'dist');
}

/** A one-page notice served when the web build is missing and cannot be made. */
export function fallbackWebDir(): string {
  return fileURLToPath(new URL('../fallback-web', import.meta.url));
}

/** The API's file limit as the API instances will read it from the environment. */
function attachmentMaxBytes(): number {
  const mib = Number(process.env.ATTACHMENT_MAX_MB);
  return (Number.isInteger(mib) && mib > 0 ? mib : limits.attachmentMaxMiB) * 1024 * 1024;
}

/** Where the proxy keeps the development certificate of `TLS=self-signed`. */
export function selfSignedCertFile(dataDir: string): string {
  return path.join(dataDir, 'proxy', 'tls', 'self-signed.crt');
}

/** Where `up` keeps the admin token it generated, in its data directory. */
export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

/** ADMIN_TOKEN, or one generated on first start and kept in the data directory. */
export async function adminToken(config: UpConfig): Promise<string> {
  if (config.adminToken) return config.adminToken;
  const file = adminTokenFile(config.dataDir);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, token + '\n', { mode: 0o600 });
  return token;
}

export interface FrontDoorInput {
  config: UpConfig;
  apiPorts: readonly number[];
  jwtSecret: string;
  adminToken: string;
  /** The directory served at / (the web build). */
  webRoot: string;
}

/** The id of an instance's backend in the gRPC pool (backend ids are the proxy's, across pools). */
export function grpcBackendId(instanceId: string): string {
  return `${instanceId}-grpc`;
}

/**
 * Calls that only read: the proxy may send one again to another instance when
 * the first failed before an answer. Writes are never retried by the proxy.
 */
const idempotentGrpcMethods = [
  '/task.v1.TaskService/GetTask',
  '/task.v1.TaskService/ListTasks',
  '/switchboard.v1.BoardService/GetBoard',
  '/switchboard.v1.BoardService/ListBoards',
  '/switchboard.v1.ColumnService/ListColumns',
  '/switchboard.v1.TaskService/GetTask',
  '/switchboard.v1.TaskService/ListTasks',
  '/grpc.health.v1.Health/Check',
];

/**
 * The proxy config `up` runs: the API pool behind /api, /ws and the API's
 * docs; the web build for everything else.
 */
export function frontDoorConfig({
  config,
  apiPorts,
  jwtSecret,
  adminToken,
  webRoot,
}: FrontDoorInput): ProxyConfig {
  const perMinute = config.rateLimitPerMinute;
  return parseProxyConfig({
    listen: `0.0.0.0:${config.port}`,
    data_dir: path.join(config.dataDir, 'proxy'),
    // HTTPS on PORT: browsers get HTTP/2 by ALPN, older clients HTTP/1.1.
    ...(config.tls.kind === 'files'
      ? { tls: { enabled: true, cert: config.tls.cert, key: config.tls.key } }
      : config.tls.kind === 'self-signed'
        ? { tls: { enabled: true, self_signed: true } }
        : {}),
    admin: {
      listen: `${config.adminHost.includes(':') ? `[${config.adminHost}]` : config.adminHost}:${config.adminPort}`,
      token: adminToken,
      // The web app's admin page (the proxy's own API owns /admin/* here).
      browser_page: '/backends',
    },
    log: {
      level: config.logLevel,
      access:
        config.logLevel === 'info' || config.logLevel === 'debug' || config.logLevel === 'trace',
    },
    rate_limit: {
      jwt_secret: jwtSecret,
      ...(config.redisUrl ? { redis_url: config.redisUrl } : {}),
      ...(perMinute > 0
        ? {
            default: {
              per_ip: { limit: perMinute, window: '1m', burst: Math.ceil(perMinute / 2) },
              per_user: { limit: perMinute, window: '1m', burst: Math.ceil(perMinute / 2) },
            },
          }
        : {}),
    },
    // gRPC (seed 001's clients dial :50051): h2c to the instances' own PORT, balanced per call.
    ...(config.grpcPort !== undefined
      ? { grpc: { listen: `0.0.0.0:${config.grpcPort}`, pool: 'api-grpc' } }
      : {}),
    pools: {
      ...(config.grpcPort !== undefined
        ? {
            'api-grpc': {
              backends: apiPorts.map((port, i) => ({
                id: grpcBackendId(`api-${i + 1}`),
                url: `http://127.0.0.1:${port}`,
              })),
              protocol: 'h2c',
              strategy: 'round-robin',
              // SERVING iff the instance's /ready answers 200 (the database reachable).
              health: { type: 'grpc', interval: '2s', timeout: '1s', rise: 2, fall: 2 },
              retries: { idempotent_methods: idempotentGrpcMethods },
            },
          }
        : {}),
      api: {
        backends: apiPorts.map((port, i) => ({
          id: `api-${i + 1}`,
          url: `http://127.0.0.1:${port}`,
        })),
        strategy: 'round-robin',
        // Out of rotation when the instance cannot reach the database (a bus outage alone
        // does not stop it serving: events wait in the log).
        health: {
          path: '/ready?require=database',
          interval: '2s',
          timeout: '1s',
          rise: 2,
          fall: 2,
        },
        // A stopped or stuck instance is found within 2 s (and ejected); the API's
        // own limits answer long before that. Bodies may still stream for minutes.
        timeouts: { headers: '2s' },
      },
    },
    routes: [
      // Files stream through with the API's own file limit (ATTACHMENT_MAX_MB, which the
      // API instances read from the same environment and check again). The first-byte
      // timeout runs once the whole upload is sent; a thumbnail may take a moment.
      {
        name: 'attachments',
        match: { path_prefix: '/api/attachments' },
        pool: 'api',
        max_body_size: attachmentMaxBytes(),
        timeouts: { headers: '30s' },
      },
      // Bodies over the API's own limit are refused here (413), before any is sent on.
      {
        name: 'api',
        match: { path_prefix: '/api/' },
        pool: 'api',
        max_body_size: limits.bodyLimitBytes,
      },
      { name: 'ws', match: { path: '/ws' }, pool: 'api' },
      // Static files are cheap to serve; limits protect the API.
      { name: 'web', match: { path_prefix: '/' }, static: { root: webRoot }, rate_limit: false },
    ],
  });
}

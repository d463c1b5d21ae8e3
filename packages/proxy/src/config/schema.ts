import { isIP } from 'node:net';
import { z } from 'zod';
import { dnsNameProblem, isDnsUrl } from '../discovery/dns-name.js';
import { STRATEGY_NAMES } from '../strategies/types.js';
import { duration, listenAddress } from './duration.js';
import { byteSize } from './size.js';

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'Invalid URL (expected http:// or https://)' })
  .refine((u) => {
    let p: URL;
    try {
      p = new URL(u);
    } catch {
      return true; // already reported by .url()
    }
    return p.pathname === '/' && !p.search && !p.hash && !p.username;
  }, 'Backend URL must be an origin (scheme://host:port) without path, query or credentials');

const backendId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Use 1-64 letters, digits, dot, dash or underscore');

/** An origin, or `dns://host:port`: every A/AAAA address of the name is a backend. */
const backendUrl = z.string().superRefine((u, ctx) => {
  const issues = isDnsUrl(u)
    ? [dnsNameProblem(u)].filter((m) => m !== undefined)
    : (httpUrl.safeParse(u).error?.issues.map((i) => i.message) ?? []);
  for (const message of issues) ctx.addIssue({ code: 'custom', message });
});

export const backendSchema = z.strictObject({
  id: backendId.optional(),
  url: backendUrl,
  weight: z.number().int().min(0).max(1000).default(1),
});

const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (!family) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}, 'Expected an IP address or CIDR such as 10.0.0.0/8');

/** A resolver address: `ip`, `ip:port` or `[ipv6]:port` (what node:dns setServers takes). */
const dnsServer = z.string().refine((s) => {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  const [host, port] = m ? [m[1] ?? '', Number(m[2])] : [s, 53];
  return isIP(host) !== 0 && port >= 1 && port <= 65535;
}, 'Expected a resolver address: ip, ip:port or [ipv6]:port');

const statusSpec = z
  .union([
    z.number().int().min(100).max(599),
    z.array(z.number().int().min(100).max(599)).min(1),
    z.string().regex(/^\d{3}-\d{3}$/, 'Expected a status range such as 200-399'),
  ])
  .transform((v): [number, number][] => {
    if (typeof v === 'number') return [[v, v]];
    if (Array.isArray(v)) return v.map((n) => [n, n]);
    const [a, b] = v.split('-').map(Number) as [number, number];
    return [[a, b]];
  });

export const healthSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** What any web server answers: `GET /` with a 2xx or 3xx (expect_status) is up. */
  path: z.string().startsWith('/').default('/'),
  method: z.enum(['GET', 'HEAD']).default('GET'),
  interval: duration.default(5000),
  timeout: duration.default(2000),
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(3),
  expect_status: statusSpec.default([[200, 399]]),
  /** Whether a backend counts as up before its first check. */
  initial: z.enum(['up', 'down']).default('up'),
  /** http: `method path` answered with expect_status; grpc: grpc.health.v1.Health/Check answered SERVING. */
  type: z.enum(['http', 'grpc']).default('http'),
  /** grpc: the service name asked about ('' = the server as a whole). */
  grpc_service: z.string().default(''),
});

export const passiveSchema = z.strictObject({
  enabled: z.boolean().default(true),
  consecutive_failures: z.number().int().min(1).max(1000).default(5),
  base_ejection: duration.default(10_000),
  max_ejection: duration.default(300_000),
});

export const retrySchema = z.strictObject({
  max_retries: z.number().int().min(0).max(10).default(2),
  /** Retries may add at most this fraction of the requests of the last 10 s ... */
  budget_ratio: z.number().min(0).max(1).default(0.2),
  /** ... but at least this many retries per second are always allowed. */
  min_per_second: z.number().int().min(0).default(10),
  /**
   * gRPC methods (`/package.Service/Method`) safe to send twice: their calls
   * are retried on another backend like idempotent HTTP methods.
   */
  idempotent_methods: z.array(z.string().startsWith('/')).default([]),
});

/** How long the proxy waits for a TCP connection to a backend, unless a pool says otherwise. */
export const defaultConnectTimeoutMs = 5000;

export const timeoutsSchema = z.strictObject({
  connect: duration.default(defaultConnectTimeoutMs),
  /** Time to the upstream's response headers (504 after). */
  headers: duration.default(60_000),
  /** Longest gap between two upstream body chunks. */
  body: duration.default(300_000),
});

// A bare name is shorthand for `{name}`; one object schema (not a union) so a
// bad name is reported as "name: expected one of …" rather than "invalid input".
export const strategySchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.strictObject({
    name: z.enum(STRATEGY_NAMES),
    /** consistent-hash: hash this request header ... */
    header: z.string().min(1).optional(),
    /** ... or this cookie (consistent-hash), or the cookie to set (sticky-cookie). */
    cookie: z.string().min(1).optional(),
    /** consistent-hash: no backend takes more than load_factor × the mean load. */
    load_factor: z.number().min(1).max(10).optional(),
    virtual_nodes: z.number().int().min(1).max(1000).optional(),
    /** sticky-cookie: how to choose when the cookie names no usable backend. */
    fallback: z.enum(STRATEGY_NAMES).optional(),
    /** sticky-cookie: Max-Age of the cookie; session cookie when absent. */
    max_age: duration.optional(),
    seed: z.number().int().optional(),
  }),
);

export type StrategyConfig = z.output<typeof strategySchema>;

export const limitSchema = z.strictObject({
  /** Sustained requests per window. */
  limit: z.number().int().min(1),
  window: duration.default(60_000),
  /** Extra requests allowed per window above limit (absorbs bursts). */
  burst: z.number().int().min(0).default(0),
});

export const routeLimitSchema = z.strictObject({
  per_ip: limitSchema.optional(),
  per_user: limitSchema.optional(),
});

const poolShape = {
  backends: z.array(backendSchema).default([]),
  strategy: strategySchema.prefault('round-robin'),
  health: healthSchema.prefault({}),
  passive: passiveSchema.prefault({}),
  slow_start: duration.default(0),
  retries: retrySchema.prefault({}),
  timeouts: timeoutsSchema.prefault({}),
  /** Keep-alive connections per backend. */
  connections: z.number().int().min(1).max(10_000).default(128),
  keep_alive: duration.default(4000),
  /** How long a drained backend keeps its WebSockets before they are closed. */
  drain_timeout: duration.default(30_000),
  /** How often dns:// backends are resolved again (and at once when one fails). */
  dns_refresh: duration.default(5000),
  /** How the proxy speaks to the backends: HTTP/1.1, HTTP/2 in cleartext (h2c) or HTTP/2 over TLS. */
  protocol: z.enum(['http1', 'h2c', 'h2']).default('http1'),
  /** HTTP/2 connections per backend (h2c, h2): calls are spread over them as streams. */
  h2_connections: z.number().int().min(1).max(64).default(2),
};

export const poolSchema = z.strictObject(poolShape);

export const staticSchema = z.strictObject({
  root: z.string().min(1),
  index: z.string().default('index.html'),
  /** Serve index for unknown extension-less paths (single-page app). */
  spa: z.boolean().default(true),
  /** Compress text responses on the fly when no precompressed file exists. */
  compress: z.boolean().default(true),
  immutable_pattern: z.string().default('[.-][A-Za-z0-9_-]{8,}\\.[a-z0-9]+$'),
  max_age: duration.default(0),
});

export const routeSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    match: z
      .strictObject({
        host: z.string().min(1).optional(),
        path_prefix: z.string().startsWith('/').optional(),
        path: z.string().startsWith('/').optional(),
      })
      .default({}),
    pool: z.string().min(1).optional(),
    static: staticSchema.optional(),
    strip_prefix: z.boolean().default(false),
    prefix_rewrite: z.string().startsWith('/').optional(),
    rate_limit: z.union([routeLimitSchema, z.literal(false)]).optional(),
    timeouts: timeoutsSchema.partial().optional(),
    /** Larger request bodies get 413 from the proxy, before (or instead of) reaching a backend. */
    max_body_size: byteSize.optional(),
  })
  .refine((r) => (r.pool === undefined) !== (r.static === undefined), {
    message: 'A route needs exactly one of pool or static',
  });

/** What one HTTP/2 client connection may do, and when it is cut off as a flood. */
export const http2Schema = z.strictObject({
  /** Offer HTTP/2 by ALPN on the TLS listener (HTTP/1.1 stays available on the same port). */
  alpn: z.boolean().default(true),
  max_concurrent_streams: z.number().int().min(1).max(10_000).default(100),
  /** Decoded header block size; larger blocks (however many CONTINUATION frames) close the stream. */
  max_header_list_size: z
    .number()
    .int()
    .min(1024)
    .max(1 << 20)
    .default(16_384),
  max_frame_size: z.number().int().min(16_384).max(16_777_215).default(16_384),
  initial_window_size: z
    .number()
    .int()
    .min(65_535)
    .max(2 ** 31 - 1)
    .default(1 << 20),
  /** Memory nghttp2 may hold for one connection, MiB. */
  max_session_memory: z.number().int().min(1).max(1024).default(32),
  /** The window over which the counts below are taken. */
  flood_window: duration.default(1000),
  /** Streams a client may reset in a window (rapid reset, CVE-2023-44487). */
  max_resets: z.number().int().min(1).default(200),
  /** SETTINGS frames a client may send in a window. */
  max_settings: z.number().int().min(1).default(50),
  /** PING frames a client may send in a window. */
  max_pings: z.number().int().min(1).default(50),
});

export const proxyConfigSchema = z.strictObject({
  listen: listenAddress.default({ host: '0.0.0.0', port: 8080 }),
  /** Worker processes sharing the listener (node:cluster); "auto": one per CPU. */
  workers: z.union([z.number().int().min(1).max(64), z.literal('auto')]).default(1),
  data_dir: z.string().default('.switchboard'),
  server: z
    .strictObject({
      max_connections: z.number().int().min(1).default(10_000),
      max_header_size: z
        .number()
        .int()
        .min(1024)
        .max(1 << 20)
        .default(16_384),
      headers_timeout: duration.default(10_000),
      request_timeout: duration.default(300_000),
      keep_alive_timeout: duration.default(5000),
      trusted_proxies: z.array(cidr).default([]),
      health_path: z.union([z.string().startsWith('/'), z.null()]).default('/health'),
      ready_path: z.union([z.string().startsWith('/'), z.null()]).default('/ready'),
      /**
       * raw: the proxy's own HTTP/1.1 forwarding engine (node:http takes what it
       * does not handle); node: node:http and undici for everything.
       */
      engine: z.enum(['raw', 'node']).default('raw'),
      /** Limits of HTTP/2 client connections (the gRPC listener, ALPN h2 over TLS). */
      http2: http2Schema.prefault({}),
    })
    .prefault({}),
  /** A cleartext HTTP/2 (h2c, prior knowledge) listener for gRPC clients. */
  grpc: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen: listenAddress.default({ host: '0.0.0.0', port: 50051 }),
      /** Every call goes to this pool; without it, calls follow `routes` by path. */
      pool: z.string().min(1).optional(),
    })
    .optional(),
  tls: z
    .strictObject({
      enabled: z.boolean().default(true),
      cert: z.string().optional(),
      key: z.string().optional(),
      /** Generate (and keep in data_dir) a development certificate when cert/key are absent. */
      self_signed: z.boolean().default(false),
      watch: z.boolean().default(true),
      /** Optional plain-HTTP listener that redirects to https. */
      redirect_listen: listenAddress.optional(),
    })
    .refine((t) => !t.enabled || t.self_signed || (t.cert && t.key), {
      message: 'tls needs cert and key, or self_signed: true',
    })
    .optional(),
  admin: z
    .strictObject({
      enabled: z.boolean().default(true),
      listen: listenAddress.default({ host: '127.0.0.1', port: 8081 }),
      token: z.string().min(16, 'Use a token of at least 16 characters').optional(),
      /** Also serve /admin/* on the main listener (only ever with a token). */
      expose_on_main: z.boolean().default(true),
      /**
       * Where a browser that opens `/admin` itself on the main listener is sent
       * (a page that asks for the token), rather than shown the API's JSON 401.
       */
      browser_page: z.string().startsWith('/').optional(),
      /** Keep admin changes in data_dir so they survive a restart (one proxy; see `shared`). */
      persist: z.boolean().default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      access: z.boolean().default(true),
    })
    .prefault({}),
  rate_limit: z
    .strictObject({
      redis_url: z.string().optional(),
      key_prefix: z.string().default('sb:rl:'),
      jwt_secret: z.string().min(1).optional(),
      session_cookie: z.string().default('sb_session'),
      default: routeLimitSchema.optional(),
    })
    .prefault({}),
  analytics: z
    .strictObject({
      enabled: z.boolean().default(true),
      persist: z.boolean().default(true),
    })
    .prefault({}),
  /** State several proxies in front of one pool share (admin changes, analytics) through Redis. */
  shared: z
    .strictObject({
      redis_url: z.string().optional(),
      key_prefix: z.string().default('sb:proxy:'),
      node_id: z.string().min(1).max(200).optional(),
      publish_interval: duration.default(5000),
    })
    .prefault({}),
  // Shorthand for a single pool named "default".
  backends: z.array(backendSchema).optional(),
  strategy: strategySchema.optional(),
  health: healthSchema.optional(),
  passive: passiveSchema.optional(),
  slow_start: duration.optional(),
  retries: retrySchema.optional(),
  timeouts: timeoutsSchema.optional(),
  connections: z.number().int().min(1).max(10_000).optional(),
  keep_alive: duration.optional(),
  drain_timeout: duration.optional(),
  dns_refresh: duration.optional(),
  /** The resolver for dns:// backends; no servers: the system's (/etc/resolv.conf). */
  dns: z
    .strictObject({
      servers: z.array(dnsServer).default([]),
      timeout: duration.default(2000),
      tries: z.number().int().min(1).max(10).default(2),
    })
    .prefault({}),
  pools: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), poolSchema).default({}),
  routes: z.array(routeSchema).default([]),
});

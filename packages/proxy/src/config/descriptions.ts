import type { z } from 'zod';
import { proxyConfigSchema } from './schema.js';

/**
 * What every key of the proxy's YAML means, for operators: docs/configuration.md
 * is generated from this (npm run docs:config), and a test fails when a key of
 * the schema has no description here. Pool keys are described once under
 * `pools.*`; the top-level shorthand for the default pool reuses them.
 */
export const proxyKeyDocs: Record<string, string> = {
  listen: 'Main listener, host:port.',
  workers: 'Worker processes sharing the listener; `auto`: one per CPU.',
  data_dir: 'Where the analytics database and a generated development certificate are kept.',
  'server.max_connections': 'Client connections accepted at once.',
  'server.max_header_size': 'Largest request header block (bytes); larger gets 431.',
  'server.headers_timeout': 'Time for a client to send its request headers (408 after).',
  'server.request_timeout': 'Time for a whole client request.',
  'server.keep_alive_timeout': 'Idle time before a client keep-alive connection is closed.',
  'server.trusted_proxies': 'Addresses (CIDRs) whose X-Forwarded-For is believed.',
  'server.health_path': "The proxy's own liveness path (null: none).",
  'server.ready_path': "The proxy's own readiness path (null: none).",
  'server.engine': '`raw`: the own HTTP/1.1 forwarding engine; `node`: node:http and undici.',
  'server.http2.alpn':
    'Offer HTTP/2 (ALPN `h2`) on the TLS listener; HTTP/1.1 clients keep the same port.',
  'server.http2.max_concurrent_streams':
    'Streams (calls) one HTTP/2 client connection may have open at once; more are refused (REFUSED_STREAM).',
  'server.http2.max_header_list_size':
    'Largest decoded header block of an HTTP/2 request (bytes), however many CONTINUATION frames carry it.',
  'server.http2.max_frame_size': 'Largest HTTP/2 frame payload the proxy accepts (bytes).',
  'server.http2.initial_window_size': 'HTTP/2 flow-control window per stream (bytes).',
  'server.http2.max_session_memory':
    'Memory one HTTP/2 connection may hold (MiB); beyond it new streams are refused.',
  'server.http2.flood_window':
    'The window over which HTTP/2 resets, SETTINGS and PINGs are counted.',
  'server.http2.max_resets':
    'Streams a client may reset per window (rapid reset, CVE-2023-44487); beyond: GOAWAY ENHANCE_YOUR_CALM.',
  'server.http2.max_settings': 'SETTINGS frames a client may send per window; beyond: GOAWAY.',
  'server.http2.max_pings': 'PING frames a client may send per window; beyond: GOAWAY.',
  'grpc.enabled': 'Open the gRPC listener.',
  'grpc.listen': 'The gRPC listener (cleartext HTTP/2, prior knowledge), host:port.',
  'grpc.pool': 'The pool every gRPC call goes to; without it calls follow `routes` by path.',
  'tls.enabled': 'Terminate TLS on the main listener.',
  'tls.cert': 'PEM certificate chain file.',
  'tls.key': 'PEM private key file.',
  'tls.self_signed':
    'Generate (and keep in data_dir) a development certificate when cert/key are absent.',
  'tls.watch': 'Reload the certificate when its files change.',
  'tls.redirect_listen': 'Optional plain-HTTP listener that redirects to https.',
  'admin.enabled': 'Serve the admin API.',
  'admin.listen': 'Admin listener (admin API and /metrics).',
  'admin.token':
    'Bearer token of the admin API, at least 16 characters; required beyond loopback. Secret: from ADMIN_TOKEN or ADMIN_TOKEN_FILE.',
  'admin.expose_on_main': 'Also serve /admin/* on the main listener (only ever with a token).',
  'admin.browser_page': 'Where a browser opening /admin on the main listener is sent.',
  'log.level': 'Log level.',
  'log.access': 'One access-log line per request.',
  'rate_limit.redis_url': 'Share rate-limit counters through Redis (secret: from REDIS_URL).',
  'rate_limit.key_prefix': 'Prefix of the rate-limit keys in Redis.',
  'rate_limit.jwt_secret': 'Secret to read the user of a session token for per-user limits.',
  'rate_limit.session_cookie': 'Cookie holding the session token.',
  'rate_limit.default.per_ip.limit': 'Default limit per client address: requests per window.',
  'rate_limit.default.per_ip.window': 'Window of the per-address limit.',
  'rate_limit.default.per_ip.burst': 'Extra requests per window above the limit.',
  'rate_limit.default.per_user.limit': 'Default limit per signed-in user: requests per window.',
  'rate_limit.default.per_user.window': 'Window of the per-user limit.',
  'rate_limit.default.per_user.burst': 'Extra requests per window above the limit.',
  'analytics.enabled': 'Record traffic for the admin analytics and `switchboard report`.',
  'analytics.persist': 'Keep the analytics rollups in data_dir across restarts.',
  'shared.redis_url':
    'Share admin changes (a log every proxy replays) and analytics with the other proxies through Redis (secret: from REDIS_URL).',
  'shared.key_prefix': 'Prefix of the shared-state keys in Redis.',
  'shared.node_id': "This proxy's name among the others (default: host name and listen port).",
  'shared.publish_interval': 'How often this proxy publishes its analytics for the others.',
  'admin.persist':
    'Keep admin changes in data_dir, replayed at start (one proxy; with shared.redis_url they live in Redis).',
  'pools.*.backends[].id': 'Backend id (X-Served-By); derived from the URL when absent.',
  'pools.*.backends[].url':
    'Backend origin, http(s)://host:port, or dns://name:port for every address of a name.',
  'pools.*.backends[].weight': 'Relative share of the traffic (0: none).',
  'pools.*.strategy.name':
    'Balancing strategy (a bare name is shorthand for `{name}`): round-robin, weighted, least-connections, consistent-hash, sticky-cookie, …',
  'pools.*.strategy.header': 'consistent-hash: hash this request header.',
  'pools.*.strategy.cookie': 'consistent-hash: hash this cookie; sticky-cookie: the cookie to set.',
  'pools.*.strategy.load_factor':
    'consistent-hash: no backend takes more than this × the mean load.',
  'pools.*.strategy.virtual_nodes': 'consistent-hash: points per backend on the ring.',
  'pools.*.strategy.fallback':
    'sticky-cookie: how to choose when the cookie names no usable backend.',
  'pools.*.strategy.max_age': 'sticky-cookie: Max-Age of the cookie; a session cookie when absent.',
  'pools.*.strategy.seed': 'Seed of the random strategies (tests).',
  'pools.*.health.enabled': 'Active health checks.',
  'pools.*.health.path': 'Path checked on each backend.',
  'pools.*.health.method': 'GET or HEAD.',
  'pools.*.health.interval': 'Time between checks.',
  'pools.*.health.timeout': 'A check slower than this fails.',
  'pools.*.health.rise': 'Consecutive successes that bring a backend up.',
  'pools.*.health.fall': 'Consecutive failures that take a backend down.',
  'pools.*.health.expect_status':
    'Statuses that count as up: a code, a list or a range such as 200-399.',
  'pools.*.health.initial': 'State of a backend before its first check.',
  'pools.*.health.type':
    '`http`: method and path answered with expect_status; `grpc`: grpc.health.v1.Health/Check over HTTP/2 answered SERVING.',
  'pools.*.health.grpc_service': "`grpc` checks: the service asked about ('' = the whole server).",
  'pools.*.passive.enabled': 'Eject backends that fail real requests.',
  'pools.*.passive.consecutive_failures': 'Failures in a row that eject a backend.',
  'pools.*.passive.base_ejection': 'First ejection time (doubles on each repeat).',
  'pools.*.passive.max_ejection': 'Longest ejection.',
  'pools.*.slow_start': 'Time over which a backend that comes up ramps to its full weight.',
  'pools.*.retries.max_retries': 'Retries of an idempotent request on another backend.',
  'pools.*.retries.budget_ratio':
    'Retries may add at most this fraction of the last 10 s of requests…',
  'pools.*.retries.min_per_second': '…but at least this many retries per second are allowed.',
  'pools.*.retries.idempotent_methods':
    'gRPC methods (`/package.Service/Method`) safe to send twice: retried on another backend after a connection failure.',
  'pools.*.timeouts.connect': 'Time to open a TCP connection to a backend.',
  'pools.*.timeouts.headers': "Time to the backend's response headers (504 after).",
  'pools.*.timeouts.body': 'Longest gap between two chunks of the response body.',
  'pools.*.connections': 'Keep-alive connections per backend.',
  'pools.*.keep_alive': 'Idle time before an upstream connection is closed.',
  'pools.*.drain_timeout':
    'How long a drained backend keeps its WebSockets before they are closed.',
  'pools.*.protocol':
    'How the proxy speaks to the backends: `http1`, `h2c` (HTTP/2 cleartext, prior knowledge) or `h2` (HTTP/2 over TLS).',
  'pools.*.h2_connections':
    'HTTP/2 connections per backend (h2c, h2); calls spread over them as streams.',
  'pools.*.dns_refresh':
    'How often dns:// backends are looked up again (also at once when one of them fails).',
  'dns.servers': 'DNS servers (ip or ip:port) for dns:// backends; the system resolver when empty.',
  'dns.timeout': 'Time for one DNS query (ms).',
  'dns.tries': 'DNS query attempts per server before a lookup counts as failed.',
  'routes[].name': 'Route name (in logs and analytics).',
  'routes[].match.host': 'Match on the Host header.',
  'routes[].match.path_prefix': 'Match on a path prefix.',
  'routes[].match.path': 'Match on an exact path.',
  'routes[].pool': 'Pool that serves the route (or static).',
  'routes[].static.root': 'Directory served by the route.',
  'routes[].static.index': 'File served for a directory.',
  'routes[].static.spa': 'Serve index for unknown extension-less paths (single-page app).',
  'routes[].static.compress': 'Compress text responses when no precompressed file exists.',
  'routes[].static.immutable_pattern': 'File names (regex) served with an immutable cache header.',
  'routes[].static.max_age': 'Cache max-age of other files.',
  'routes[].strip_prefix': 'Remove the matched prefix before forwarding.',
  'routes[].prefix_rewrite': 'Replace the matched prefix with this before forwarding.',
  'routes[].rate_limit.per_ip.limit': 'Route limit per client address (false: no limit).',
  'routes[].rate_limit.per_ip.window': 'Window of the per-address limit.',
  'routes[].rate_limit.per_ip.burst': 'Extra requests per window above the limit.',
  'routes[].rate_limit.per_user.limit': 'Route limit per signed-in user.',
  'routes[].rate_limit.per_user.window': 'Window of the per-user limit.',
  'routes[].rate_limit.per_user.burst': 'Extra requests per window above the limit.',
  'routes[].timeouts.connect': "The route's connect timeout (overrides the pool's).",
  'routes[].timeouts.headers': "The route's response-headers timeout.",
  'routes[].timeouts.body': "The route's body-gap timeout.",
  'routes[].max_body_size': 'Larger request bodies get 413 from the proxy.',
};

/** Flags and environment variables of `switchboard proxy`, by the YAML key they set. */
export const proxyOverrides: Record<string, { flag?: string; env?: string }> = {
  'pools.*.backends[].url': {
    flag: '--backend (-b), repeatable: the default pool',
    env: 'BACKENDS',
  },
  'pools.*.health.path': {
    flag: '--health-path: the default pool',
    env: 'HEALTH_PATH',
  },
  'tls.enabled': { flag: '--tls' },
  listen: { flag: '--port (-p): its port', env: 'PORT' },
  data_dir: { env: 'DATA_DIR' },
  'admin.listen': { flag: '--admin', env: 'ADMIN_ADDR' },
  'admin.token': { env: 'ADMIN_TOKEN' },
  'rate_limit.redis_url': { env: 'REDIS_URL' },
  'shared.redis_url': { env: 'REDIS_URL' },
  'log.level': { env: 'LOG_LEVEL' },
};

/** Keys holding a secret: masked when printed; from the environment (or NAME_FILE) only. */
export const proxySecretKeys = [
  'admin.token',
  'rate_limit.redis_url',
  'rate_limit.jwt_secret',
  'shared.redis_url',
];

export interface ProxySetting {
  yaml: string;
  default: string | undefined;
  description: string;
  flag: string | undefined;
  env: string | undefined;
  secret: boolean;
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
};
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers (default, optional, preprocess …) and its default, if any. */
function unwrap(schema: z.ZodType): { core: z.ZodType; fallback?: unknown } {
  let s = schema;
  let fallback: unknown;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') {
      if (fallback === undefined) fallback = d.defaultValue;
      s = d.innerType!;
    } else if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly') {
      s = d.innerType!;
    } else if (d.type === 'pipe') {
      s = defOf(d.in!).type === 'transform' ? d.out! : d.in!;
    } else if (d.type === 'union') {
      const object = d.options!.find((o) => defOf(unwrap(o).core).type === 'object');
      if (!object) return { core: s, fallback };
      s = object;
    } else {
      return { core: s, fallback };
    }
  }
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && 'host' in value && 'port' in value)
    return `${String((value as { host: unknown }).host)}:${String((value as { port: unknown }).port)}`;
  if (Array.isArray(value) && value.length === 1 && Array.isArray(value[0]))
    return (value[0] as unknown[]).join('-');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function walk(schema: z.ZodType, path: string, out: { path: string; fallback: unknown }[]): void {
  const { core, fallback } = unwrap(schema);
  const d = defOf(core);
  if (d.type === 'object') {
    for (const [key, child] of Object.entries(d.shape!))
      walk(child, path ? `${path}.${key}` : key, out);
  } else if (d.type === 'array' && defOf(unwrap(d.element!).core).type === 'object') {
    walk(d.element!, `${path}[]`, out);
  } else if (d.type === 'record') {
    walk(d.valueType!, `${path}.*`, out);
  } else {
    out.push({ path, fallback });
  }
}

/** Every key of the proxy's YAML, with its default, description, flag and variable. */
export function proxySettings(): ProxySetting[] {
  const keys: { path: string; fallback: unknown }[] = [];
  walk(proxyConfigSchema as unknown as z.ZodType, '', keys);
  return keys.map(({ path, fallback }) => {
    // Top-level pool keys are the default pool's: described (and overridden) as pools.*.
    const asPool = `pools.*.${path}`;
    const over = proxyOverrides[path] ?? proxyOverrides[asPool];
    return {
      yaml: path,
      default: show(fallback),
      description:
        proxyKeyDocs[path] ?? (proxyKeyDocs[asPool] ? `Default pool: ${proxyKeyDocs[asPool]}` : ''),
      flag: over?.flag,
      env: over?.env,
      secret: proxySecretKeys.includes(path),
    };
  });
}

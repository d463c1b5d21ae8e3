import type { Request } from '../api/http';

/**
 * The proxy's admin API, reached through the main listener under /admin/*
 * with the admin bearer token (docs/proxy.md). Shapes are read defensively:
 * unknown fields are fine, missing ones have defaults.
 */
export interface BackendInfo {
  id: string;
  pool: string;
  url: string;
  state: string;
  weight: number;
  effective_weight: number | null;
  stats: {
    active_requests: number;
    active_websockets: number;
    total_requests: number;
    failures: number;
    latency_ms: number;
    last_check: {
      ok: boolean;
      at: string;
      status?: number;
      latency_ms: number;
      error?: string;
    } | null;
  };
}

export interface StrategyInfo {
  pool?: string;
  name: string;
  /** The strategies the proxy offers (its own list when it sends one). */
  available: readonly string[];
}

export interface StatsSummary {
  requests: number;
  status_classes: Record<string, number>;
  error_rate: number;
  latency_ms: { p50: number; p95: number; p99: number; mean: number };
}

export interface AnalyticsInfo {
  totals: StatsSummary;
  requests_per_minute: number;
  series: { t: string; requests: number; errors: number; p95_ms: number }[];
}

/** What older proxies offer; used only when `GET /admin/strategy` has no `available`. */
export const fallbackStrategyNames: readonly string[] = [
  'round-robin',
  'weighted-round-robin',
  'random',
  'least-connections',
  'p2c',
  'ip-hash',
  'consistent-hash',
  'sticky-cookie',
];

const num = (v: unknown, d = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const str = (v: unknown, d = '') => (typeof v === 'string' ? v : d);

function backendFrom(raw: Record<string, unknown>): BackendInfo {
  const stats = (raw.stats ?? {}) as Record<string, unknown>;
  return {
    id: str(raw.id, '?'),
    pool: str(raw.pool),
    url: str(raw.url),
    state: str(raw.state, 'unknown'),
    weight: num(raw.weight, 1),
    effective_weight: typeof raw.effective_weight === 'number' ? raw.effective_weight : null,
    stats: {
      active_requests: num(stats.active_requests),
      active_websockets: num(stats.active_websockets),
      total_requests: num(stats.total_requests),
      failures: num(stats.failures),
      latency_ms: num(stats.latency_ms),
      last_check: (stats.last_check as BackendInfo['stats']['last_check']) ?? null,
    },
  };
}

export function strategyFrom(r: Record<string, unknown>): StrategyInfo {
  const offered = Array.isArray(r.available)
    ? r.available.filter((n): n is string => typeof n === 'string')
    : [];
  const name = str(r.name, 'round-robin');
  const available = offered.length > 0 ? offered : fallbackStrategyNames;
  return {
    pool: str(r.pool) || undefined,
    name,
    // The current one is always offered, even if the list does not name it.
    available: available.includes(name) ? available : [...available, name],
  };
}

function summaryFrom(raw: unknown): StatsSummary {
  const r = (raw ?? {}) as Record<string, unknown>;
  const lat = (r.latency_ms ?? {}) as Record<string, unknown>;
  return {
    requests: num(r.requests),
    status_classes: (r.status_classes as Record<string, number>) ?? {},
    error_rate: num(r.error_rate),
    latency_ms: { p50: num(lat.p50), p95: num(lat.p95), p99: num(lat.p99), mean: num(lat.mean) },
  };
}

/** The admin API with the bearer token, over the app's HTTP client. */
export function adminClient(request: Request, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const call = <T>(
    path: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' = 'GET',
    body?: unknown,
  ) => request<T>(path, { method, headers, body, quiet: method === 'GET' });
  return {
    backends: async () => {
      const r = await call<{ backends?: Record<string, unknown>[] }>('/admin/backends');
      return (r.backends ?? []).map(backendFrom);
    },
    strategy: async (): Promise<StrategyInfo> => {
      const r = await call<Record<string, unknown>>('/admin/strategy');
      return strategyFrom(r);
    },
    setStrategy: (name: string, pool?: string) =>
      call('/admin/strategy', 'PUT', { name, ...(pool ? { pool } : {}) }),
    analytics: async (window = '24h'): Promise<AnalyticsInfo> => {
      const r = await call<Record<string, unknown>>(`/admin/analytics?window=${window}`);
      return {
        totals: summaryFrom(r.totals),
        requests_per_minute: num(r.requests_per_minute),
        series: Array.isArray(r.series) ? (r.series as AnalyticsInfo['series']) : [],
      };
    },
    setWeight: (id: string, weight: number) =>
      call(`/admin/backends/${encodeURIComponent(id)}`, 'PATCH', { weight }),
    drain: (id: string) => call(`/admin/backends/${encodeURIComponent(id)}/drain`, 'POST', {}),
    undrain: (id: string) => call(`/admin/backends/${encodeURIComponent(id)}/undrain`, 'POST'),
    check: (id: string) => call(`/admin/backends/${encodeURIComponent(id)}/check`, 'POST'),
    remove: (id: string) => call(`/admin/backends/${encodeURIComponent(id)}`, 'DELETE'),
  };
}

export type AdminClient = ReturnType<typeof adminClient>;

const KEY = 'switchboard.adminToken';
export const adminToken = {
  get: (): string | null => {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  set: (token: string) => {
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // Without storage the token lasts until reload.
    }
  },
  clear: () => {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // ignore
    }
  },
};

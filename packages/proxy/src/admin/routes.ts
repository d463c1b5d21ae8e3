import { z } from 'zod';
import type { Analytics, GroupBy, Resolution } from '../analytics/engine.js';
import { buildReport, formatReport } from '../analytics/report.js';
import type { Backend, CheckResult } from '../backend.js';
import { parseDuration } from '../config/duration.js';
import { backendSchema, httpUrl, strategySchema } from '../config/schema.js';
import { proxyError } from '../errors.js';
import { STRATEGY_NAMES } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import { validate } from './body.js';
import type { AdminControl, Handler } from './types.js';

const addBackendBody = z.strictObject({
  ...backendSchema.shape,
  // dns:// names belong in the config file: a name is watched, not added once.
  url: httpUrl,
  pool: z.string().min(1).optional(),
});
const patchBackendBody = z.strictObject({ weight: z.number().int().min(0).max(1000) });
const drainBody = z.strictObject({
  timeout_ms: z.number().int().min(0).max(86_400_000).optional(),
});
const strategyBody = z.intersection(
  z.object({ pool: z.string().min(1).optional() }),
  z.record(z.string(), z.unknown()),
);

function poolOf(ctl: AdminControl, name: string | null | undefined): UpstreamPool {
  const pools = ctl.pools();
  if (name) {
    const p = pools.get(name);
    if (!p) throw proxyError('SB_ERR_NOT_FOUND', `No pool named ${name}.`);
    return p;
  }
  const p = pools.get('default') ?? pools.values().next().value;
  if (!p) throw proxyError('SB_ERR_NOT_FOUND', 'No pools are configured.');
  return p;
}

/** A pool's strategy as the admin API shows it, with every name it could switch to. */
function strategyAnswer(pool: UpstreamPool) {
  return { pool: pool.name, ...pool.strategyConfig, available: STRATEGY_NAMES };
}

function findBackend(ctl: AdminControl, id: string): { pool: UpstreamPool; backend: Backend } {
  for (const pool of ctl.pools().values()) {
    const backend = pool.get(id);
    if (backend) return { pool, backend };
  }
  throw proxyError('SB_ERR_NOT_FOUND', `No backend with id ${id}.`);
}

export const routes: [method: string, pattern: RegExp, handler: Handler][] = [
  [
    'GET',
    /^\/admin\/backends$/,
    async (ctl, _body, _p, q) => {
      const pool = q.get('pool');
      const list = [...ctl.pools().values()]
        .filter((p) => !pool || p.name === pool)
        .flatMap((p) => p.backends.map((b) => b.snapshot()));
      return { status: 200, body: { backends: list } };
    },
  ],
  [
    'POST',
    /^\/admin\/backends$/,
    async (ctl, read) => {
      const body = validate(addBackendBody, await read());
      const pool = poolOf(ctl, body.pool);
      let id = body.id;
      if (id === undefined) {
        let n = pool.backends.length + 1;
        while (hasBackend(ctl, `${pool.name}-${n}`)) n++;
        id = `${pool.name}-${n}`;
      } else if (hasBackend(ctl, id)) {
        throw proxyError('SB_ERR_CONFLICT', `A backend with id ${id} exists.`);
      }
      const backend = pool.add({ id, url: body.url, weight: body.weight });
      return { status: 201, body: backend.snapshot() };
    },
  ],
  [
    'GET',
    /^\/admin\/backends\/([^/]+)$/,
    async (ctl, _body, [id]) => ({
      status: 200,
      body: findBackend(ctl, id as string).backend.snapshot(),
    }),
  ],
  [
    'DELETE',
    /^\/admin\/backends\/([^/]+)$/,
    async (ctl, _body, [id]) => {
      const { pool, backend } = findBackend(ctl, id as string);
      const snap = backend.snapshot();
      await pool.remove(backend.id);
      return { status: 200, body: { removed: snap } };
    },
  ],
  [
    'PATCH',
    /^\/admin\/backends\/([^/]+)$/,
    async (ctl, read, [id]) => {
      const body = validate(patchBackendBody, await read());
      const { pool, backend } = findBackend(ctl, id as string);
      backend.weight = body.weight;
      pool.invalidate();
      return { status: 200, body: backend.snapshot() };
    },
  ],
  [
    'POST',
    /^\/admin\/backends\/([^/]+)\/drain$/,
    async (ctl, read, [id]) => {
      const body = validate(drainBody, await read());
      const { pool, backend } = findBackend(ctl, id as string);
      backend.drain(body.timeout_ms ?? pool.config.drain_timeout);
      return { status: 202, body: backend.snapshot() };
    },
  ],
  [
    'POST',
    /^\/admin\/backends\/([^/]+)\/undrain$/,
    async (ctl, _body, [id]) => {
      const { backend } = findBackend(ctl, id as string);
      backend.undrain();
      return { status: 200, body: backend.snapshot() };
    },
  ],
  [
    'POST',
    /^\/admin\/backends\/([^/]+)\/check$/,
    async (ctl, _body, [id]) => {
      const { pool, backend } = findBackend(ctl, id as string);
      const result: CheckResult = await pool.checker.checkNow(backend);
      return { status: 200, body: { result, backend: backend.snapshot() } };
    },
  ],
  [
    'GET',
    /^\/admin\/strategy$/,
    async (ctl, _body, _p, q) => {
      const pool = poolOf(ctl, q.get('pool'));
      return { status: 200, body: strategyAnswer(pool) };
    },
  ],
  [
    'PUT',
    /^\/admin\/strategy$/,
    async (ctl, read, _p, q) => {
      const raw = validate(strategyBody, await read());
      const { pool: poolName, ...rest } = raw;
      const cfg = validate(strategySchema, rest);
      const pool = poolOf(ctl, poolName ?? q.get('pool'));
      try {
        pool.setStrategy(cfg);
      } catch (e) {
        throw proxyError('SB_ERR_VALIDATION', (e as Error).message);
      }
      return { status: 200, body: strategyAnswer(pool) };
    },
  ],
  [
    'GET',
    /^\/admin\/pools$/,
    async (ctl) => ({
      status: 200,
      body: {
        pools: [...ctl.pools().values()].map((p) => ({
          name: p.name,
          strategy: p.strategyConfig,
          health: { ...p.config.health, expect_status: p.config.health.expect_status },
          usable: p.usable().length,
          backends: p.backends.map((b) => b.snapshot()),
          dns: [...p.groups.values()].map((g) => g.snapshot()),
        })),
      },
    }),
  ],
  [
    'GET',
    /^\/admin\/routes$/,
    async (ctl) => ({
      status: 200,
      body: {
        routes: ctl.routes().map((r) => ({
          name: r.name,
          match: r.config.match,
          kind: r.site ? 'static' : 'pool',
          pool: r.pool?.name ?? null,
          root: r.site?.root ?? null,
          rate_limited: r.limiter !== undefined,
        })),
      },
    }),
  ],
  [
    'GET',
    /^\/admin\/analytics$/,
    async (ctl, _body, _p, q) => {
      const a = requireAnalytics(ctl);
      const window = windowParam(q.get('window') ?? '1h');
      const group = (q.get('group') ?? 'none') as GroupBy;
      if (!['backend', 'route', 'status', 'none'].includes(group)) {
        throw proxyError('SB_ERR_VALIDATION', 'group: expected backend, route, status or none');
      }
      const resolution = q.get('resolution') as Resolution | null;
      if (resolution !== null && !['minute', 'hour', 'day'].includes(resolution)) {
        throw proxyError('SB_ERR_VALIDATION', 'resolution: expected minute, hour or day');
      }
      return {
        status: 200,
        body: a.query({ window, group, ...(resolution ? { resolution } : {}) }),
      };
    },
  ],
  [
    'GET',
    /^\/admin\/analytics\/report$/,
    async (ctl, _body, _p, q) => {
      const a = requireAnalytics(ctl);
      const period = q.get('period') ?? 'hourly';
      if (period !== 'hourly' && period !== 'daily') {
        throw proxyError('SB_ERR_VALIDATION', 'period: expected hourly or daily');
      }
      const report = buildReport(a, period);
      if (q.get('format') === 'text') {
        return { status: 200, body: formatReport(report), type: 'text/plain; charset=utf-8' };
      }
      return { status: 200, body: report };
    },
  ],
  ['POST', /^\/admin\/tls\/reload$/, async (ctl) => ({ status: 200, body: await ctl.reloadTls() })],
  [
    'POST',
    /^\/admin\/reload$/,
    async (ctl) => {
      if (!ctl.reloadConfig)
        throw proxyError('SB_ERR_CONFLICT', 'This proxy was not started from a config file.');
      await ctl.reloadConfig();
      return { status: 200, body: { reloaded: true } };
    },
  ],
  [
    'GET',
    /^\/metrics$/,
    async (ctl) => ({
      status: 200,
      body: await ctl.metrics.text(),
      type: ctl.metrics.registry.contentType,
    }),
  ],
];

function hasBackend(ctl: AdminControl, id: string): boolean {
  for (const p of ctl.pools().values()) if (p.get(id)) return true;
  return false;
}

function requireAnalytics(ctl: AdminControl): Analytics {
  if (!ctl.analytics)
    throw proxyError('SB_ERR_NOT_FOUND', 'Analytics are disabled (analytics.enabled).');
  return ctl.analytics;
}

const WINDOWS: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };

function windowParam(v: string): number {
  const known = WINDOWS[v];
  if (known !== undefined) return known;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    throw proxyError('SB_ERR_VALIDATION', 'window: expected 1h, 24h, 7d or a duration such as 15m');
  }
  if (ms < 60_000 || ms > 90 * 86_400_000) {
    throw proxyError('SB_ERR_VALIDATION', 'window: between 1m and 90d');
  }
  return ms;
}

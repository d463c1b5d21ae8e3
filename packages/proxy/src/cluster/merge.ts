import { errorReply, type AdminReply } from '../admin/api.js';
import type { Analytics } from '../analytics/engine.js';
import { buildReport, formatReport } from '../analytics/report.js';
import type { BackendSnapshot } from '../backend.js';
import { proxyError } from '../errors.js';

export function analyticsReply(a: Analytics, p: string, q: URLSearchParams): AdminReply {
  // Same parameters as the single-process admin API (see admin/api.ts).
  const json = (status: number, body: unknown): AdminReply => ({
    status,
    type: 'application/json; charset=utf-8',
    body: JSON.stringify(body),
  });
  if (p === '/admin/analytics/report') {
    const period = q.get('period') ?? 'hourly';
    if (period !== 'hourly' && period !== 'daily') {
      return errorReply(proxyError('SB_ERR_VALIDATION', 'period: expected hourly or daily'));
    }
    const report = buildReport(a, period);
    if (q.get('format') === 'text')
      return { status: 200, type: 'text/plain; charset=utf-8', body: formatReport(report) };
    return json(200, report);
  }
  const windows: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };
  const window = windows[q.get('window') ?? '1h'];
  if (window === undefined)
    return errorReply(proxyError('SB_ERR_VALIDATION', 'window: expected 1h, 24h or 7d'));
  const group = (q.get('group') ?? 'none') as 'backend' | 'route' | 'status' | 'none';
  if (!['backend', 'route', 'status', 'none'].includes(group)) {
    return errorReply(
      proxyError('SB_ERR_VALIDATION', 'group: expected backend, route, status or none'),
    );
  }
  return json(200, a.query({ window, group }));
}

const SUMMED = ['active_requests', 'active_websockets', 'total_requests', 'failures'] as const;

/** Worker 1's view of each backend, with the counters summed over all workers. */
export function mergeSnapshots(lists: BackendSnapshot[][]): BackendSnapshot[] {
  const [first, ...rest] = lists;
  if (!first) return [];
  return first.map((b) => {
    const stats = { ...b.stats };
    for (const other of rest) {
      const o = other.find((x) => x.id === b.id && x.pool === b.pool);
      if (o) for (const k of SUMMED) stats[k] += o.stats[k];
    }
    return { ...b, stats };
  });
}

export function mergeBodies(bodies: unknown[]): unknown {
  const [first] = bodies;
  const asList = (b: unknown): BackendSnapshot[] | undefined =>
    (b as { backends?: BackendSnapshot[] }).backends ??
    ((b as BackendSnapshot).stats ? [b as BackendSnapshot] : undefined);
  if ((first as { pools?: unknown }).pools) {
    const pools = (first as { pools: { backends: BackendSnapshot[] }[] }).pools.map((pool, i) => ({
      ...pool,
      backends: mergeSnapshots(
        bodies.map(
          (b) => (b as { pools: { backends: BackendSnapshot[] }[] }).pools[i]?.backends ?? [],
        ),
      ),
    }));
    return { pools };
  }
  const lists = bodies.map((b) => asList(b) ?? []);
  const merged = mergeSnapshots(lists);
  return (first as { backends?: unknown }).backends ? { backends: merged } : merged[0];
}

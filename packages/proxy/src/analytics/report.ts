import type { Analytics } from './engine.js';
import { summarize } from './stats.js';

export type ReportPeriod = 'hourly' | 'daily';

export interface ReportRow {
  start: string;
  requests: number;
  errors_5xx: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

export interface TrafficReport {
  period: ReportPeriod;
  generated_at: string;
  from: string;
  to: string;
  totals: ReturnType<typeof summarize>;
  peak: { start: string; requests: number } | null;
  lowest: { start: string; requests: number } | null;
  rows: ReportRow[];
  backends: Record<string, ReturnType<typeof summarize>>;
  routes: Record<string, ReturnType<typeof summarize>>;
}

/**
 * Seed 004's summary reports: `hourly` covers the last 24 hours hour by hour,
 * `daily` the last 7 days day by day, with peak and lowest periods, the status
 * distribution and latency per backend and route.
 */
export function buildReport(
  analytics: Analytics,
  period: ReportPeriod,
  now = Date.now(),
): TrafficReport {
  const hourly = period === 'hourly';
  const window = hourly ? 24 * 3_600_000 : 7 * 86_400_000;
  const resolution = hourly ? 'hour' : 'day';
  const overall = analytics.query({ window, resolution, now });
  const byBackend = analytics.query({ window, resolution, now, group: 'backend' });
  const byRoute = analytics.query({ window, resolution, now, group: 'route' });
  const ring = analytics.rings[resolution];
  const rows: ReportRow[] = overall.series.map((p) => {
    const b = ring.get(Date.parse(p.t));
    const s = summarize(
      b?.total ?? { count: 0, bytes: 0, codes: {}, lat: [], latSum: 0, latMax: 0 },
    );
    return {
      start: p.t,
      requests: s.requests,
      errors_5xx: s.status_classes['5xx'] ?? 0,
      error_rate: s.error_rate,
      p50_ms: s.latency_ms.p50,
      p95_ms: s.latency_ms.p95,
      p99_ms: s.latency_ms.p99,
    };
  });
  return {
    period,
    generated_at: new Date(now).toISOString(),
    from: overall.from,
    to: overall.to,
    totals: overall.totals,
    peak: overall.peak ? { start: overall.peak.at, requests: overall.peak.requests } : null,
    lowest: overall.lowest ? { start: overall.lowest.at, requests: overall.lowest.requests } : null,
    rows,
    backends: byBackend.groups,
    routes: byRoute.groups,
  };
}

/** The report as plain text for a terminal (`switchboard report`). */
export function formatReport(r: TrafficReport): string {
  const lines: string[] = [];
  const t = r.totals;
  lines.push(`Switchboard proxy — ${r.period} report`);
  lines.push(`${r.from} → ${r.to} (generated ${r.generated_at})`);
  lines.push('');
  lines.push(
    `requests ${t.requests}   5xx ${t.status_classes['5xx'] ?? 0} (${pct(t.error_rate)})   ` +
      `p50 ${t.latency_ms.p50} ms   p95 ${t.latency_ms.p95} ms   p99 ${t.latency_ms.p99} ms`,
  );
  const classes = Object.entries(t.status_classes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join('   ');
  lines.push(`status   ${classes || '-'}`);
  const codes = Object.entries(t.status_codes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}×${n}`)
    .join(' ');
  lines.push(`codes    ${codes || '-'}`);
  if (r.peak) lines.push(`peak     ${label(r.peak.start, r.period)}  ${r.peak.requests} requests`);
  if (r.lowest)
    lines.push(`lowest   ${label(r.lowest.start, r.period)}  ${r.lowest.requests} requests`);
  lines.push('');
  lines.push(
    `${r.period === 'hourly' ? 'hour (UTC)      ' : 'day (UTC)       '} requests   5xx    p95 ms   p99 ms`,
  );
  for (const row of r.rows) {
    lines.push(
      `${label(row.start, r.period).padEnd(16)} ${String(row.requests).padStart(8)} ${String(row.errors_5xx).padStart(5)} ` +
        `${String(row.p95_ms).padStart(8)} ${String(row.p99_ms).padStart(8)}`,
    );
  }
  for (const [title, groups] of [
    ['backend', r.backends],
    ['route', r.routes],
  ] as const) {
    const entries = Object.entries(groups);
    if (entries.length === 0) continue;
    lines.push('');
    lines.push(`${title.padEnd(16)} requests   5xx    p95 ms`);
    for (const [k, s] of entries.sort((a, b) => b[1].requests - a[1].requests)) {
      lines.push(
        `${k.padEnd(16)} ${String(s.requests).padStart(8)} ${String(s.status_classes['5xx'] ?? 0).padStart(5)} ` +
          `${String(s.latency_ms.p95).padStart(8)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

function label(iso: string, period: ReportPeriod): string {
  return period === 'hourly' ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 10);
}

function pct(x: number): string {
  return `${Math.round(x * 10_000) / 100}%`;
}

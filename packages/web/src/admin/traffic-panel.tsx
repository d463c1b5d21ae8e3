import { useMemo } from 'react';
import { colorSlot } from '../lib/format';
import type { StatsSummary } from './admin-api';
import { type ChartData } from './rates';
import { TimeChart } from './time-chart';

const statusSeries = [
  { label: '2xx', color: 'var(--success)' },
  { label: '3xx', color: 'var(--text-faint)' },
  { label: '4xx', color: 'var(--warning)' },
  { label: '5xx', color: 'var(--danger)' },
];

/** Live request rates per backend and per status class, and the 24 h status mix. */
export function TrafficPanel({
  backendIds,
  byBackend,
  byClass,
  totals,
  pollMs,
  windowSeconds,
}: {
  backendIds: readonly string[];
  byBackend: ChartData;
  byClass: ChartData;
  totals: StatsSummary | undefined;
  pollMs: number;
  windowSeconds: number;
}) {
  const backendSeries = useMemo(
    () => backendIds.map((id) => ({ label: id, color: `var(--c${colorSlot(id)})` })),
    [backendIds],
  );
  return (
    <section className="panel" aria-labelledby="traffic-title">
      <div className="panel-header">
        <h2 id="traffic-title">Live traffic</h2>
        <span className="hint">
          every {pollMs / 1000} s, last {windowSeconds / 60} min
        </span>
      </div>
      <div className="panel-body charts">
        <div>
          <h3 className="chart-title">Requests per second, by backend</h3>
          <TimeChart
            label="Requests per second by backend"
            unit="req/s"
            series={backendSeries}
            data={byBackend}
            windowSeconds={windowSeconds}
          />
        </div>
        <div>
          <h3 className="chart-title">Responses per second, by status class</h3>
          <TimeChart
            label="Responses per second by status class"
            unit="/s"
            series={statusSeries}
            data={byClass}
            windowSeconds={windowSeconds}
          />
        </div>
      </div>
      {totals && (
        <div className="panel-body" style={{ borderTop: '1px solid var(--border)' }}>
          <StatusMix classes={totals.status_classes} total={totals.requests} />
        </div>
      )}
    </section>
  );
}

function StatusMix({ classes, total }: { classes: Record<string, number>; total: number }) {
  const colors = Object.fromEntries(statusSeries.map((s) => [s.label, s.color]));
  const entries = Object.entries(classes).filter(([k, n]) => n > 0 && k in colors);
  return (
    <div>
      <h3 className="chart-title">Status mix, last 24 h ({total.toLocaleString()} requests)</h3>
      <div className="tally-bar" style={{ height: 10 }} aria-hidden="true">
        {entries.map(([k, n]) => (
          <span
            key={k}
            style={{ width: `${(n / Math.max(1, total)) * 100}%`, background: colors[k] }}
          />
        ))}
      </div>
      <p className="status-mix">
        {entries.map(([k, n]) => (
          <span key={k}>
            <strong>{k}</strong> {n.toLocaleString()} ({((n / Math.max(1, total)) * 100).toFixed(1)}
            %)
          </span>
        ))}
      </p>
    </div>
  );
}

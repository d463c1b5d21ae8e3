import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../lib/theme';
import { timeWindow } from './rates';

export interface ChartSeries {
  label: string;
  /** A CSS colour or var(--…) name resolved at draw time. */
  color: string;
}

function resolve(color: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(color);
  if (!m) return color;
  return (
    getComputedStyle(document.documentElement)
      .getPropertyValue(m[1] as string)
      .trim() || '#888'
  );
}

/**
 * A live line chart (uPlot): x = unix seconds, one y array per series. The x
 * axis always spans at most the last `windowSeconds` (ending now while there
 * is no data yet); its range is mirrored in data-x-min/max for tests.
 */
export function TimeChart({
  series,
  data,
  unit,
  height = 220,
  label,
  windowSeconds,
}: {
  series: readonly ChartSeries[];
  data: readonly (readonly number[])[];
  unit: string;
  height?: number;
  label: string;
  windowSeconds: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const span = useRef(windowSeconds);
  span.current = windowSeconds;
  const empty = (data[0]?.length ?? 0) < 2;
  const theme = useTheme();
  const key = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const text = resolve('var(--text-muted)');
    const grid = resolve('var(--border)');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        cursor: { points: { size: 6 } },
        legend: { live: true },
        scales: {
          x: {
            time: true,
            range: (u) => timeWindow(u.data[0] as number[], span.current, Date.now() / 1000),
          },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
        },
        axes: [
          axis,
          { ...axis, size: 48, values: (_u, vals) => vals.map((v) => `${+v.toFixed(1)}`) },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: resolve(s.color),
            width: 2,
            fill: `${resolve(s.color)}1f`,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${v.toFixed(1)} ${unit}`),
          })),
        ],
        hooks: {
          setScale: [
            (u, key) => {
              if (key !== 'x') return;
              el.dataset.xMin = String(Math.round(u.scales.x?.min ?? 0));
              el.dataset.xMax = String(Math.round(u.scales.x?.max ?? 0));
            },
          ],
        },
      },
      data as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    const observer = new ResizeObserver(() =>
      u.setSize({ width: Math.max(200, el.clientWidth), height }),
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Re-create when the series or the theme change; data flows in below.
  }, [key, theme, height, unit]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <div className="chart-frame">
      <div ref={box} className="chart" role="img" aria-label={label} />
      {empty && (
        <p className="chart-empty" aria-hidden="true">
          Collecting samples…
        </p>
      )}
    </div>
  );
}

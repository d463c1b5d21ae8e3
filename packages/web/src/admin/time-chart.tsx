import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../lib/theme';

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

/** A live line chart (uPlot): x = unix seconds, one y array per series. */
export function TimeChart({
  series,
  data,
  unit,
  height = 220,
  label,
}: {
  series: readonly ChartSeries[];
  data: readonly (readonly number[])[];
  unit: string;
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
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
          x: { time: true },
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

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}

// Counts per UTC day (the buckets of `haystack counts --by day`) drawn with uPlot as bars, with the numbers
// beside it as a table (what the chart draws, readable and copyable).
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { theme } from '../theme.js';

export interface Bucket {
  bucket: string;
  count: number;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#1f6feb';
}

export function DayChart({ buckets, label }: { buckets: Bucket[]; label: string }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const xs = buckets.map((b) => Date.parse(b.bucket) / 1000);
    const ys = buckets.map((b) => b.count);
    // at least a week shown (the days before a lone bucket had none), half a day beside the outer bars
    const hi = Math.max(...xs, 0);
    const lo = Math.min(...xs, hi - 6 * 86_400);
    const span: [number, number] = [lo - 43_200, hi + 43_200];
    const accent = cssVar('--accent');
    const muted = cssVar('--muted');
    const line = cssVar('--line');
    const axis = { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    const plot = new uPlot({
      width: Math.max(320, el.clientWidth),
      height: 180,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC'),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => span }, y: { range: (_u, _lo, hi) => [0, Math.max(1, hi * 1.1)] } },
      axes: [
        { ...axis, incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 28 * 86_400, 91 * 86_400, 364 * 86_400], values: (_u, splits) => splits.map((t) => new Date(t * 1000).toISOString().slice(0, 10)) },
        { ...axis, size: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000] },
      ],
      series: [{}, { label, stroke: accent, fill: `${accent}99`, width: 1, paths: uPlot.paths.bars!({ size: [0.6, 48] }), points: { show: false } }],
    }, [xs, ys], el);
    return () => plot.destroy();
  }, [buckets, label, theme.value]);
  return (
    <div class="day-chart">
      <div ref={box} class="chart" data-testid="day-chart" />
      <table class="per-day" data-testid="per-day">
        <thead><tr><th>day (UTC)</th><th>alerts</th></tr></thead>
        <tbody>{buckets.map((b) => <tr key={b.bucket}><td data-bucket={b.bucket}>{b.bucket.slice(0, 10)}</td><td class="n">{b.count.toLocaleString('en')}</td></tr>)}</tbody>
      </table>
    </div>
  );
}

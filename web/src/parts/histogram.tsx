// The histogram of a search (GET /api/histogram/:table) drawn by uPlot: bars of rows per bucket, steps per
// value when split by a field (with its legend); dragging selects a range to zoom to, a click narrows to
// one bucket. Times on the axis in the display zone.
import type { JSX } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { get } from '../api.js';
import { theme } from '../theme.js';
import { showTime, zone } from '../time.js';

interface Answer {
  bucket_us: number;
  start: number;
  counts: number[];
  split: { field: string; values: (string | number | boolean | null)[]; series: number[][]; other: number[] } | null;
}

const PALETTE = ['#e8590c', '#2f9e44', '#ae3ec9', '#f59f00', '#1098ad', '#868e96'];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export interface HistogramProps {
  table: string;
  q: string;
  from: string;
  to: string;
  split: string;
  /** a range chosen on the chart: UTC ms, from inclusive, to exclusive */
  onRange: (fromMs: number, toMs: number) => void;
}

export function Histogram({ table, q, from, to, split, onRange }: HistogramProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const [h, setH] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pick = useRef(onRange);
  pick.current = onRange;

  // the request as soon as the view changes, the chart drawn in the frame its answer arrives (layout effects)
  useLayoutEffect(() => {
    let live = true;
    setError(null);
    get<Answer>(`/api/histogram/${encodeURIComponent(table)}`, { q, from, to, split, buckets: 80 }).then((r) => live && setH(r), (e: unknown) => {
      if (!live) return;
      setH(null);
      setError(e instanceof Error ? e.message : String(e));
    });
    return () => {
      live = false;
    };
  }, [table, q, from, to, split]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el === null || h === null || h.counts.length === 0) return;
    const step = h.bucket_us / 1e6;
    const t0 = h.start / 1e6;
    const xs = h.counts.map((_, i) => t0 + i * step);
    const data: uPlot.AlignedData = [xs, h.counts];
    const series: uPlot.Series[] = [{}, { label: 'rows', fill: cssVar('--accent'), stroke: cssVar('--accent'), width: 0, points: { show: false }, paths: uPlot.paths.bars!({ align: 1, size: [0.9, Infinity] }) }];
    if (h.split !== null) {
      const steps = uPlot.paths.stepped!({ align: 1 });
      h.split.series.forEach((s, i) => {
        data.push(s);
        series.push({ label: `${h.split!.field} = ${String(h.split!.values[i])}`, stroke: PALETTE[i % PALETTE.length]!, width: 1.5, points: { show: false }, paths: steps });
      });
      data.push(h.split.other);
      series.push({ label: 'other', stroke: PALETTE[5]!, width: 1.5, points: { show: false }, paths: steps });
    }
    let down = -1;
    const muted = cssVar('--muted');
    const grid = cssVar('--line');
    const u = new uPlot({
      width: Math.max(200, el.clientWidth),
      height: 140,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), zone.value),
      scales: { x: { time: true, range: () => [t0, t0 + h.counts.length * step] }, y: { range: (_u, _lo, hi) => [0, Math.max(1, hi)] } },
      axes: [{ stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, space: 90, values: (_u, splits) => axisTimes(splits, h.counts.length * step) }, { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 40 }],
      legend: { show: h.split !== null },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      series,
      hooks: {
        setSelect: [(self) => {
          const w = self.select.width;
          if (w < 4) return;
          const a = self.posToVal(self.select.left, 'x');
          const b = self.posToVal(self.select.left + w, 'x');
          self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          pick.current(Math.floor(a) * 1000, Math.ceil(b) * 1000);
        }],
      },
    }, data, el);
    const over = u.over;
    over.dataset.testid = 'histogram-area';
    const onDown = (e: MouseEvent): void => {
      down = e.clientX;
    };
    const onUp = (e: MouseEvent): void => {
      if (down < 0 || Math.abs(e.clientX - down) >= 4) return;
      down = -1;
      // a click: the bucket under the pointer
      const t = u.posToVal(e.clientX - over.getBoundingClientRect().left, 'x');
      const i = Math.floor((t - t0) / step);
      if (i < 0 || i >= h.counts.length || h.counts[i] === 0) return;
      pick.current((t0 + i * step) * 1000, (t0 + (i + 1) * step) * 1000);
    };
    over.addEventListener('mousedown', onDown);
    over.addEventListener('mouseup', onUp);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: 140 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [h, zone.value, theme.value]);

  const per = h === null ? '' : bucketText(h.bucket_us);
  return (
    <div class="histogram" data-testid="histogram">
      {error !== null && <p class="error">{error}</p>}
      {h !== null && h.counts.length === 0 && <p class="null">no rows in this range</p>}
      <div ref={box} class="chart" />
      {per !== '' && h !== null && h.counts.length > 0 && (
        <p class="hint">{showTime(new Date(h.start / 1000).toISOString()).slice(0, 10)} ({zone.value}) · rows per {per} · drag to zoom, click a bar to narrow to it</p>
      )}
    </div>
  );
}

function bucketText(us: number): string {
  const s = us / 1e6;
  if (s % 86400 === 0) return s === 86400 ? 'day' : `${s / 86400} days`;
  if (s % 3600 === 0) return s === 3600 ? 'hour' : `${s / 3600} hours`;
  if (s % 60 === 0) return s === 60 ? 'minute' : `${s / 60} minutes`;
  return s === 1 ? 'second' : `${s} seconds`;
}

/** Tick labels in the display zone, as much of "YYYY-MM-DD HH:MM:SS" as the span needs. */
function axisTimes(splits: number[], spanS: number): string[] {
  const cut: [number, number] = spanS <= 2 * 86400 ? [11, 19] : spanS <= 90 * 86400 ? [5, 16] : [0, 10];
  return splits.map((t) => showTime(new Date(t * 1000).toISOString()).slice(...cut));
}

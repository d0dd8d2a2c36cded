// A sparkline of counts per UTC day: one bar per day as SVG rects (elements with attributes, no style
// attribute: the CSP's style-src allows none), every line over the same days and each on its own scale (its
// busiest day reaches the top), said in its title; the numbers on `data-days` as `day=count` pairs.
import type { JSX } from 'preact';
import type { Bucket } from './day-chart.js';

const W = 96;
const H = 18;

/** How the lines are scaled, for the list's heading and each line's title. */
export const SPARK_SCALE = 'alerts per UTC day over the range; each line on its own scale (its busiest day reaches the top)';

export function Sparkline({ days, label }: { days: readonly Bucket[]; label: string }): JSX.Element {
  const max = days.reduce((m, b) => Math.max(m, b.count), 0);
  const total = days.reduce((n, b) => n + b.count, 0);
  const busiest = days.find((b) => b.count === max);
  const step = days.length === 0 ? W : W / days.length;
  const gap = step >= 4 ? 1 : 0;
  const first = days[0]?.bucket.slice(0, 10) ?? '';
  const last = days[days.length - 1]?.bucket.slice(0, 10) ?? '';
  const title = `${label}: ${total.toLocaleString('en')} alerts, ${first}${last !== first ? ` to ${last}` : ''}` +
    (busiest !== undefined && max > 0 ? `; busiest ${busiest.bucket.slice(0, 10)} with ${max.toLocaleString('en')}` : '') + `. ${SPARK_SCALE}.`;
  return (
    <svg class="spark" data-testid="sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}
      data-days={days.map((b) => `${b.bucket.slice(0, 10)}=${b.count}`).join(',')}>
      <title>{title}</title>
      <line class="base" x1={0} y1={H - 0.5} x2={W} y2={H - 0.5} />
      {max > 0 && days.map((b, i) => {
        if (b.count === 0) return null;
        const h = Math.max(2, (b.count / max) * (H - 1));
        return <rect key={b.bucket} x={i * step} y={H - h} width={Math.max(0.5, step - gap)} height={h} />;
      })}
    </svg>
  );
}

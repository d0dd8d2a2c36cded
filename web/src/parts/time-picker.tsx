// The time range of a search: quick ranges (of the newest data, or before now), absolute from/to typed in
// the display zone (sent as UTC), or all time. The range lives in the URL as the API takes it.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { zone } from '../time.js';
import { fromUtc, toUtc } from '../zone-input.js';

import { SPANS } from '../ranges.js';

export function TimePicker({ from, to, onRange }: { from: string; to: string; onRange: (from: string, to: string) => void }): JSX.Element {
  const [a, setA] = useState(fromUtc(from));
  const [b, setB] = useState(fromUtc(to));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setA(fromUtc(from));
    setB(fromUtc(to));
    setError(null);
  }, [from, to, zone.value]);
  const quick = to === '' && /^(now|latest)-/.test(from) ? from : from === '' && to === '' ? '' : 'custom';
  const apply = (e: Event): void => {
    e.preventDefault();
    try {
      onRange(toUtc(a), toUtc(b));
    } catch (x) {
      setError(x instanceof Error ? x.message : String(x));
    }
  };
  return (
    <form class="timepicker" onSubmit={apply}>
      <select aria-label="quick range" data-testid="range" value={quick} onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value;
        if (v !== 'custom') onRange(v, '');
      }}>
        <option value="">all time</option>
        <optgroup label="the newest data">
          {SPANS.map(([d, label]) => <option key={`l${d}`} value={`latest-${d}`}>last {label} of data</option>)}
        </optgroup>
        <optgroup label="before now">
          {SPANS.map(([d, label]) => <option key={`n${d}`} value={`now-${d}`}>past {label}</option>)}
        </optgroup>
        <option value="custom" disabled>custom range</option>
      </select>
      <input class="when" data-testid="from" aria-label="from" placeholder={`from (${zone.value})`} value={a} onInput={(e) => setA((e.target as HTMLInputElement).value)} />
      <span class="dash">–</span>
      <input class="when" data-testid="to" aria-label="to" placeholder="to (open)" value={b} onInput={(e) => setB((e.target as HTMLInputElement).value)} />
      <button type="submit" class="ghost" data-testid="apply-range">Set</button>
      {error !== null && <span class="error" role="alert">{error}</span>}
    </form>
  );
}

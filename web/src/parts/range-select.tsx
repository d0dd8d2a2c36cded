// The time range of a report screen as one select (the search screen's quick ranges), kept in the URL.
import type { JSX } from 'preact';
import { QUICK } from '../ranges.js';

export function RangeSelect({ from, to, onPick }: { from: string; to: string; onPick: (from: string) => void }): JSX.Element {
  return (
    <select aria-label="time range" data-testid="range" value={from} onChange={(e) => onPick((e.target as HTMLSelectElement).value)}>
      {QUICK.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
      {from !== '' && !QUICK.some(([v]) => v === from) && <option value={from}>{from} – {to || 'now'}</option>}
    </select>
  );
}

// Records as a small table of chosen columns (all non-empty ones when none are given); a uid leads to its
// session. Every cell is text.
import type { JSX } from 'preact';
import { sessionLink } from '../pivots.js';
import { Value } from './value.js';

type Row = Record<string, unknown>;

const empty = (v: unknown): boolean => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
const typeOf = (v: unknown): string => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? 'timestamp' : 'string');

export function RecordTable({ rows, columns, testid }: { rows: Row[]; columns?: string[]; testid?: string }): JSX.Element {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => !empty(r[k]))))];
  return (
    <table class="results compact" data-testid={testid} data-nav>
      <thead><tr>{cols.map((c) => <th key={c}>{c}</th>)}</tr></thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {cols.map((c) => (
              <td key={c}>
                {c === 'uid' && typeof r.uid === 'string' ? <a href={sessionLink(r.uid, r.start_time ?? r.ts)}>{r.uid}</a> : <Value type={typeOf(r[c])} v={r[c]} />}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One record as a list of its set fields. */
export function RecordFields({ row, skip = [] }: { row: Row; skip?: string[] }): JSX.Element {
  return (
    <dl class="record">
      {Object.entries(row).filter(([k, v]) => !empty(v) && !skip.includes(k)).map(([k, v]) => (
        <>
          <dt key={`k${k}`}>{k}</dt>
          <dd key={`v${k}`}><Value type={typeOf(v)} v={v} /></dd>
        </>
      ))}
    </dl>
  );
}

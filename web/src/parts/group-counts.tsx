// "Group by": the results as counts of one field's values under the query (GET /api/values, top 100), each
// value a filter to add or exclude.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import type { ValueCount } from './field-sidebar.js';
import { text } from './value.js';

export interface GroupProps {
  table: string;
  field: string;
  type: string;
  q: string;
  from: string;
  to: string;
  onFilter: (v: unknown, negate: boolean) => void;
  onClose: () => void;
}

export function GroupCounts({ table, field, type, q, from, to, onFilter, onClose }: GroupProps): JSX.Element {
  const [r, setR] = useState<{ values: ValueCount[]; rows: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setR(null);
    setError(null);
    get<{ values: ValueCount[]; rows: number }>(`/api/values/${encodeURIComponent(table)}/${encodeURIComponent(field)}`, { q, from, to, limit: 100 })
      .then((x) => live && setR(x), (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [table, field, q, from, to]);
  const elem = type.endsWith('[]') ? type.slice(0, -2) : type;
  return (
    <div class="group" data-testid="group">
      <p>Rows by <b>{field}</b> (top 100) <button type="button" class="ghost tiny" data-testid="ungroup" onClick={onClose}>× rows again</button></p>
      {error !== null && <p class="error">{error}</p>}
      {r !== null && (
        <table class="results" data-nav>
          <thead><tr><th>{field}</th><th class="num">count</th><th class="num">share</th><th /></tr></thead>
          <tbody>
            {r.values.map((v) => (
              <tr key={String(v.value)}>
                <td>{v.value === null ? <em class="null">null</em> : text(elem, v.value)}</td>
                <td class="num">{v.count.toLocaleString('en')}</td>
                <td class="num">{r.rows > 0 ? `${((100 * v.count) / r.rows).toFixed(1)} %` : ''}</td>
                <td>
                  <button type="button" class="tiny" data-primary onClick={() => onFilter(v.value, false)}>+</button>
                  <button type="button" class="tiny" onClick={() => onFilter(v.value, true)}>−</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

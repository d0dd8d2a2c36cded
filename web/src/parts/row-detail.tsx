// An expanded result row: every field of the record, and where each leads: the session of its uid, each value
// as a new query (or + / − on this one), and "around this event" (± a window of the record's time).
import type { JSX } from 'preact';
import { sessionLink } from '../pivots.js';
import { Value } from './value.js';
import type { Column } from './value.js';

const AROUND = [['1m', 60_000], ['5m', 300_000], ['1h', 3_600_000]] as const;

export interface RowDetailProps {
  row: Record<string, unknown>;
  columns: Column[];
  timeField: string | undefined;
  onQuery: (field: string, v: unknown, mode: 'new' | 'and' | 'not') => void;
  onAround: (centerMs: number, halfMs: number) => void;
}

export function RowDetail({ row, columns, timeField, onQuery, onAround }: RowDetailProps): JSX.Element {
  const t = timeField !== undefined && typeof row[timeField] === 'string' ? Date.parse(row[timeField]) : NaN;
  return (
    <div class="record" data-testid="detail">
      <p class="pivots">
        {typeof row.uid === 'string' && <a href={sessionLink(row.uid, timeField === undefined ? undefined : row[timeField])} data-testid="to-session">session {row.uid}</a>}
        {!Number.isNaN(t) && (
          <span class="around">around this event:{' '}
            {AROUND.map(([label, ms]) => (
              <button key={label} type="button" class="tiny" data-testid={`around-${label}`} onClick={() => onAround(t, ms)}>± {label}</button>
            ))}
          </span>
        )}
      </p>
      <dl>
        {columns.map((c) => {
          const v = row[c.name];
          const set = v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
          const scalar = !Array.isArray(v) && typeof v !== 'object';
          return (
            <>
              <dt key={`k${c.name}`}>{c.name}</dt>
              <dd key={`v${c.name}`}>
                <Value type={c.type} v={v} />
                {set && scalar && (
                  <span class="acts">
                    <button type="button" class="tiny" title="a new query for this value" onClick={() => onQuery(c.name, v, 'new')}>→</button>
                    <button type="button" class="tiny" title="add to the query" onClick={() => onQuery(c.name, v, 'and')}>+</button>
                    <button type="button" class="tiny" title="exclude from the query" onClick={() => onQuery(c.name, v, 'not')}>−</button>
                  </span>
                )}
              </dd>
            </>
          );
        })}
      </dl>
    </div>
  );
}

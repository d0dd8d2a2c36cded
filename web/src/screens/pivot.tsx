// A pivot: every record sharing a Message-ID, queue id, sha256, SNI or JA4 (GET /api/pivot/:kind), table by
// table, each uid leading to its session.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { RecordTable } from '../parts/record-table.js';
import { mailLink } from '../pivots.js';
import { location } from '../route.js';

interface PivotAnswer {
  kind: string;
  value: string;
  tables: Record<string, Record<string, unknown>[]>;
  truncated?: string[];
}

export function Pivot({ kind }: { kind: string }): JSX.Element {
  const value = location.value.params.get('value') ?? '';
  const [a, setA] = useState<PivotAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setA(null);
    setError(null);
    get<PivotAnswer>(`/api/pivot/${encodeURIComponent(kind)}`, { value }).then(setA, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [kind, value]);
  const tables = Object.entries(a?.tables ?? {}).filter(([, rows]) => rows.length > 0);
  return (
    <section class="session pivot">
      <h2>{kind.replace('_', '-')} <span class="mono">{value}</span></h2>
      {(kind === 'message_id' || kind === 'queue_id') && <p><a href={mailLink(value)}>open the mail view</a></p>}
      {error !== null && <p class="error" role="alert">{error}</p>}
      {a !== null && tables.length === 0 && <p class="muted">No record holds this value.</p>}
      {tables.map(([table, rows]) => (
        <div key={table} class="block" data-testid={`pivot-${table}`}>
          <h3>{table} <small>{rows.length}</small></h3>
          <RecordTable rows={rows} />
        </div>
      ))}
    </section>
  );
}

// Search, one table at a time: time picker, histogram, query bar with completion, field sidebar, and the
// results (chosen columns, sort, infinite scroll, rows that expand to all fields and pivots, CSV). Everything
// the view shows is in the URL. The keyboard (`/`, ↑ ↓, Enter) is the console's (parts/keys.tsx).
import type { JSX } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { get, href } from '../api.js';
import { csvText, saveText } from '../csv.js';
import { addTerm, errorColumn, term } from '../filter-text.js';
import { ColumnChooser } from '../parts/column-chooser.js';
import { FieldSidebar } from '../parts/field-sidebar.js';
import { GroupCounts } from '../parts/group-counts.js';
import { Histogram } from '../parts/histogram.js';
import { QueryBar } from '../parts/query-bar.js';
import { Results } from '../parts/results.js';
import { RowDetail } from '../parts/row-detail.js';
import { TimePicker } from '../parts/time-picker.js';
import type { Column } from '../parts/value.js';
import { tableInfo } from '../schemas.js';
import { scopeParams, searchState, setSearch } from '../search-params.js';
import { iso } from '../zone-input.js';

export const TABLES = ['sessions', 'tls', 'http', 'smtp', 'dns', 'ssh', 'ftp', 'pop3', 'imap', 'files', 'findings', 'alerts', 'logs', 'anomalies', 'captures'] as const;

interface Page {
  columns: Column[];
  rows: Record<string, unknown>[];
  next: string | null;
}

export function Search({ table }: { table: string }): JSX.Element {
  const s = searchState(table);
  const scope = scopeParams(s);
  const info = tableInfo(table);
  const key = `${table}|${s.q}|${s.from}|${s.to}|${s.sort}|${s.order}|${s.group === '' ? 'rows' : 'group'}|${s.limit}`;
  const [page, setPage] = useState<Page | null>(null);
  const [summary, setSummary] = useState<{ count: number; total_bytes?: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const loading = useRef(false);
  const set = (change: Record<string, string | null>): void => setSearch(table, change);

  // the requests go out as soon as the view changes (a layout effect), not after the next frame is painted
  useLayoutEffect(() => {
    setPage(null);
    setSummary(null);
    setOpen(null);
    setError(null);
    let live = true;
    const fail = (e: unknown): void => {
      if (live) setError(e instanceof Error ? e.message : String(e));
    };
    get<{ count: number; total_bytes?: number }>(`/api/summary/${encodeURIComponent(table)}`, scope).then((r) => live && setSummary(r), fail);
    if (s.group === '') {
      get<Page>(`/api/records/${encodeURIComponent(table)}`, { ...scope, sort: s.sort, order: s.sort === '' ? undefined : s.order, limit: s.limit }).then((r) => live && setPage(r), fail);
    }
    return () => {
      live = false;
    };
  }, [key]);

  const more = (): void => {
    if (page?.next == null || loading.current) return;
    loading.current = true;
    get<Page>(`/api/records/${encodeURIComponent(table)}`, { ...scope, sort: s.sort, order: s.sort === '' ? undefined : s.order, limit: s.limit, after: page.next })
      .then((r) => setPage({ columns: page.columns, rows: [...page.rows, ...r.rows], next: r.next }), (e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => {
        loading.current = false;
      });
  };

  const filter = (field: string, v: unknown, negate: boolean): void => set({ q: addTerm(s.q, term(field, v, negate)) });
  const all = page?.columns ?? [];
  const shown = s.fields.map((f) => all.find((c) => c.name === f)).filter((c): c is Column => c !== undefined);
  const columns = shown.length > 0 ? shown : all;
  const col = error === null ? null : errorColumn(error);
  const groupType = info?.fields.find((f) => f.name === s.group)?.type ?? 'string';

  return (
    <section class="search">
      <div class="bar">
        <QueryBar table={table} q={s.q} from={s.from} to={s.to} onRun={(q) => set({ q })} />
        <TimePicker from={s.from} to={s.to} onRange={(from, to) => set({ from, to })} />
      </div>
      {error !== null && (
        <div class="error" role="alert" data-testid="error">
          <p>{error}</p>
          {col !== null && <pre class="mark" data-testid="error-mark">{`${s.q}\n${' '.repeat(Math.max(0, col - 1))}^`}</pre>}
        </div>
      )}
      <div class="histo-head">
        <span class="count" data-testid="count">{summary === null ? '…' : `${summary.count.toLocaleString('en')} ${table}`}</span>
        {summary?.total_bytes != null && <span class="count"> · {summary.total_bytes.toLocaleString('en')} bytes</span>}
        <span class="spacer" />
        <label class="split">split by{' '}
          <select data-testid="split" value={s.split} onChange={(e) => set({ split: (e.target as HTMLSelectElement).value })}>
            <option value="">—</option>
            {info?.fields.filter((f) => !f.type.endsWith('[]') && f.name !== info.time_field).map((f) => <option key={f.name} value={f.name}>{f.name}</option>)}
          </select>
        </label>
      </div>
      <Histogram table={table} q={s.q} from={s.from} to={s.to} split={s.split} onRange={(a, b) => set({ from: iso(a), to: iso(b) })} />
      <div class="body">
        <FieldSidebar table={table} q={s.q} from={s.from} to={s.to} columns={columns.map((c) => c.name)} visible={page === null ? null : all.map((c) => c.name)} group={s.group} onFilter={filter}
          onGroup={(g) => set({ group: g === s.group ? null : g })}
          onColumn={(f) => set({ fields: (columns.some((c) => c.name === f) ? columns.map((c) => c.name).filter((x) => x !== f) : [...columns.map((c) => c.name), f]).join(',') })} />
        <div class="main">
          {s.group !== '' ? (
            <GroupCounts table={table} field={s.group} type={groupType} q={s.q} from={s.from} to={s.to}
              onFilter={(v, negate) => set({ q: addTerm(s.q, term(s.group, v, negate)), group: null })} onClose={() => set({ group: null })} />
          ) : (
            <>
              <div class="tools">
                {info !== undefined && <ColumnChooser fields={info.fields.filter((f) => all.some((c) => c.name === f.name))} chosen={columns.map((c) => c.name)} onChange={(f) => set({ fields: f === null ? null : f.join(',') })} />}
                <button type="button" class="ghost" data-testid="csv-visible" disabled={page === null} title="the rows and columns shown, as CSV"
                  onClick={() => page !== null && saveText(`${table}.csv`, csvText(columns, page.rows))}>CSV of these {page?.rows.length ?? 0} rows</button>
                <a class="button ghost" data-testid="csv-all" download href={href(`/api/export/${encodeURIComponent(table)}`, { ...scope, fields: columns.map((c) => c.name).join(','), sort: s.sort, order: s.sort === '' ? undefined : s.order, format: 'csv' })}>Export all (CSV)</a>
                <span class="hint">/ query · ↑ ↓ rows · Enter opens · ? keys</span>
              </div>
              {page !== null && (
                <Results columns={columns} rows={page.rows} sort={s.sort} order={s.order} open={open} more={page.next !== null}
                  onSort={(f) => set({ sort: f, order: s.sort === f && s.order === 'desc' ? 'asc' : 'desc' })}
                  onRow={(i) => setOpen(open === i ? null : i)}
                  onMore={more}
                  detail={(row) => (
                    <RowDetail row={row} columns={all} timeField={info?.time_field}
                      onQuery={(f, v, mode) => set({ q: mode === 'new' ? term(f, v) : addTerm(s.q, term(f, v, mode === 'not')) })}
                      onAround={(t, half) => set({ from: iso(t - half), to: iso(t + half), q: null })} />
                  )} />
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}

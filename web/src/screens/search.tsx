// Search, one table at a time: the query bar (the filter language), the time range, the count, and the rows
// a page at a time; a row opens to all its fields and its pivots. The query lives in the URL.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, href } from '../api.js';
import { link, location, navigate, withParams } from '../route.js';
import { Value, type Column } from '../parts/value.js';

export const TABLES = ['sessions', 'tls', 'http', 'smtp', 'files', 'alerts', 'logs', 'anomalies', 'captures'] as const;

/** The columns a table shows until the user picks others. */
const DEFAULT_FIELDS: Record<string, string> = {
  sessions: 'start_time,proto,src_ip,src_port,dst_ip,dst_port,app_proto,direction,src_bytes,dst_bytes,state,uid',
  tls: 'ts,src_ip,dst_ip,dst_port,sni,version,ja4,ja3,uid',
  http: 'ts,src_ip,dst_ip,method,host,uri,status_code,user_agent,uid',
  smtp: 'ts,src_ip,dst_ip,mail_from,rcpt_to,subject,message_id,uid',
  files: 'ts,source,filename,declared_type,mime_type,size,sha256,uid',
  alerts: 'ts,sid,msg,priority,src_ip,src_port,dst_ip,dst_port,uid',
  logs: 'ts,host,program,type,message',
  anomalies: 'ts,name,detail,uid',
  captures: 'ingested_at,format,packets,size,first_ts,last_ts,sha256',
};

/** Quick ranges, relative to the newest record (captures are often old) or to the wall clock. */
export const QUICK = [
  ['latest-15m', 'last 15 min of data'], ['latest-1h', 'last hour of data'], ['latest-24h', 'last 24 h of data'],
  ['latest-7d', 'last 7 days of data'], ['latest-30d', 'last 30 days of data'], ['now-1h', 'past hour'], ['now-24h', 'past 24 h'], ['', 'all time'],
] as const;

interface Page {
  columns: Column[];
  rows: Record<string, unknown>[];
  next: string | null;
}

export function Search({ table }: { table: string }): JSX.Element {
  const p = location.value.params;
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const fields = p.get('fields') ?? DEFAULT_FIELDS[table] ?? '';
  const key = `${table}|${q}|${from}|${to}|${fields}`;
  const [page, setPage] = useState<Page | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [draft, setDraft] = useState(q);

  useEffect(() => {
    setDraft(q);
    setPage(null);
    setOpen(null);
    setError(null);
    let live = true;
    const params = { q, from, to };
    Promise.all([
      get<Page>(`/api/records/${encodeURIComponent(table)}`, { ...params, fields, limit: 100 }),
      get<{ count: number }>(`/api/summary/${encodeURIComponent(table)}`, params),
    ]).then(([r, s]) => {
      if (!live) return;
      setPage(r);
      setCount(s.count);
    }, (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [key]);

  const more = async (): Promise<void> => {
    if (page?.next == null) return;
    const r = await get<Page>(`/api/records/${encodeURIComponent(table)}`, { q, from, to, fields, limit: 100, after: page.next });
    setPage({ columns: page.columns, rows: [...page.rows, ...r.rows], next: r.next });
  };
  const run = (e: Event): void => {
    e.preventDefault();
    navigate(`/search/${table}`, withParams({ q: draft }));
  };

  return (
    <section class="search">
      <form class="querybar" onSubmit={run}>
        <input name="q" data-testid="query" placeholder={`filter ${table}, e.g. dst_port = 443 and sni ~ "example"`} value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <select aria-label="time range" data-testid="range" value={from} onChange={(e) => navigate(`/search/${table}`, withParams({ from: (e.target as HTMLSelectElement).value, to: null }))}>
          {QUICK.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          {from !== '' && !QUICK.some(([v]) => v === from) && <option value={from}>{from} – {to || 'now'}</option>}
        </select>
        <button type="submit">Search</button>
        <a class="button ghost" href={href(`/api/export/${encodeURIComponent(table)}`, { q, from, to, fields, format: 'csv' })} download>CSV</a>
      </form>
      {error !== null && <p class="error" role="alert" data-testid="error">{error}</p>}
      <p class="count" data-testid="count">{count === null ? '…' : `${count.toLocaleString('en')} ${table}`}</p>
      {page !== null && (
        <table class="results" data-testid="results">
          <thead><tr>{page.columns.map((c) => <th key={c.name}>{c.name}</th>)}</tr></thead>
          <tbody>
            {page.rows.map((r, i) => (
              <>
                <tr key={i} class={open === i ? 'open' : ''} onClick={() => setOpen(open === i ? null : i)}>
                  {page.columns.map((c) => <td key={c.name}><Value type={c.type} v={r[c.name]} /></td>)}
                </tr>
                {open === i && <tr class="detail"><td colSpan={page.columns.length}><Detail table={table} row={r} /></td></tr>}
              </>
            ))}
          </tbody>
        </table>
      )}
      {page?.next != null && <button type="button" class="more" onClick={() => void more()}>More</button>}
    </section>
  );
}

/** A record's every field, and where it leads. */
function Detail({ table, row }: { table: string; row: Record<string, unknown> }): JSX.Element {
  const [full, setFull] = useState<Record<string, unknown> | null>(null);
  useEffect(() => {
    const uid = row.uid;
    if (typeof uid !== 'string') return;
    void get<{ tables: Record<string, Record<string, unknown>[]> }>(`/api/uid/${encodeURIComponent(uid)}`).then((u) => {
      const same = u.tables[table]?.find((x) => Object.entries(row).every(([k, v]) => JSON.stringify(x[k]) === JSON.stringify(v)));
      setFull(same ?? null);
    }, () => undefined);
  }, [row]);
  const shown = full ?? row;
  return (
    <div class="record">
      {typeof row.uid === 'string' && <p><a href={link(`/session/${encodeURIComponent(row.uid)}`)} data-testid="to-session">session {row.uid}</a></p>}
      <dl>
        {Object.entries(shown).map(([k, v]) => (
          <>
            <dt key={`k${k}`}>{k}</dt>
            <dd key={`v${k}`}><Value type={typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? 'timestamp' : 'string'} v={v} /></dd>
          </>
        ))}
      </dl>
    </div>
  );
}

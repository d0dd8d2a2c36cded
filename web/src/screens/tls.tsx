// J1 TLS: SNI or JA4 grouped with counts (GET /api/values/tls/:field), first and last seen (the oldest and newest
// record of each value: records sorted by ts, one row each way), and the sessions behind a value on click.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { RecordTable } from '../parts/record-table.js';
import { pivotLink, quote } from '../pivots.js';
import { link, location, navigate, withParams } from '../route.js';
import { showTime } from '../time.js';
import { RangeSelect } from '../parts/range-select.js';

interface Values { values: { value: string | null; count: number }[] }
interface Page { rows: Record<string, unknown>[] }
interface Seen { first: string | null; last: string | null }

const GROUPS = ['sni', 'ja4'] as const;
const LIMIT = 100;
/** Requests for first/last seen at once (the server allows 8 per account). */
const PARALLEL = 3;

function filterOf(base: string, field: string, value: string | null): string {
  const one = value === null ? `${field} = null` : `${field} = ${quote(value)}`;
  return base.trim() === '' ? one : `(${base}) and ${one}`;
}

async function seen(q: string, from: string, to: string): Promise<Seen> {
  const one = (order: 'asc' | 'desc'): Promise<Page> => get<Page>('/api/records/tls', { q, from, to, fields: 'ts', sort: 'ts', order, limit: 1 });
  const [a, b] = await Promise.all([one('asc'), one('desc')]);
  return { first: (a.rows[0]?.ts as string | undefined) ?? null, last: (b.rows[0]?.ts as string | undefined) ?? null };
}

function Behind({ q, from, to }: { q: string; from: string; to: string }): JSX.Element {
  const [rows, setRows] = useState<Record<string, unknown>[] | null>(null);
  useEffect(() => {
    void get<Page>('/api/records/tls', { q, from, to, fields: 'ts,src_ip,src_port,dst_ip,dst_port,sni,version,ja4,ja3,uid', limit: 100 }).then((p) => setRows(p.rows), () => setRows([]));
  }, [q, from, to]);
  if (rows === null) return <p class="muted">Loading…</p>;
  return (
    <div data-testid="behind">
      <RecordTable rows={rows} columns={['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'sni', 'version', 'ja4', 'uid']} />
      <p><a href={link('/search/tls', { q, from, to })}>all of them in the search</a></p>
    </div>
  );
}

export function Tls(): JSX.Element {
  const p = location.value.params;
  const by = p.get('by') === 'ja4' ? 'ja4' : 'sni';
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const [values, setValues] = useState<Values['values'] | null>(null);
  const [times, setTimes] = useState<Record<string, Seen>>({});
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [draft, setDraft] = useState(q);
  useEffect(() => {
    let live = true;
    setValues(null);
    setTimes({});
    setOpen(null);
    setError(null);
    setDraft(q);
    void (async () => {
      try {
        const v = await get<Values>(`/api/values/tls/${by}`, { q, from, to, limit: LIMIT });
        if (!live) return;
        setValues(v.values);
        const queue = [...v.values];
        const worker = async (): Promise<void> => {
          for (let x = queue.shift(); x !== undefined && live; x = queue.shift()) {
            const s = await seen(filterOf(q, by, x.value), from, to);
            if (live) setTimes((t) => ({ ...t, [String(x.value)]: s }));
          }
        };
        await Promise.all(Array.from({ length: PARALLEL }, worker));
      } catch (e) {
        if (live) setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [by, q, from, to]);
  return (
    <section class="tls-view">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); navigate('/tls', withParams({ q: draft })); }}>
        <span class="seg" role="group" aria-label="group by">
          {GROUPS.map((g) => <a key={g} class={`button${by === g ? '' : ' ghost'}`} href={link('/tls', withParams({ by: g === 'sni' ? null : g }))} data-testid={`by-${g}`}>{g.toUpperCase()}</a>)}
        </span>
        <input name="q" data-testid="query" placeholder='filter tls, e.g. dst_port = 443 and version = "TLSv13"' value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <RangeSelect from={from} to={to} onPick={(f) => navigate('/tls', withParams({ from: f, to: null }))} />
        <button type="submit">Search</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {values !== null && <p class="count">{values.length} {by === 'sni' ? 'SNIs' : 'JA4 fingerprints'}{values.length === LIMIT ? ` (the top ${LIMIT})` : ''}</p>}
      {values !== null && (
        <table class="results" data-testid="tls-groups" data-nav="click">
          <thead><tr><th>{by}</th><th class="num">records</th><th>first seen</th><th>last seen</th><th /></tr></thead>
          <tbody>
            {values.map((v, i) => {
              const t = times[String(v.value)];
              return (
                <>
                  <tr key={i} class={open === i ? 'open' : ''} data-testid="tls-group" onClick={(e) => { if ((e.target as HTMLElement).closest('a') === null) setOpen(open === i ? null : i); }}>
                    <td class="mono">{v.value ?? <span class="null">(none)</span>}</td>
                    <td class="num" data-testid="group-count">{v.count.toLocaleString('en')}</td>
                    <td>{t?.first != null ? showTime(t.first) : '…'}</td>
                    <td>{t?.last != null ? showTime(t.last) : '…'}</td>
                    <td>{v.value !== null && <a href={pivotLink(by, v.value)}>pivot</a>}</td>
                  </tr>
                  {open === i && <tr class="detail"><td colSpan={5}><Behind q={filterOf(q, by, v.value)} from={from} to={to} /></td></tr>}
                </>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

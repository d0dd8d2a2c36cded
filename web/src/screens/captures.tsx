// Captures: what was ingested (the captures table: format, packets, size, time span, records per table) and,
// for the chosen capture, its anomalies by name with counts, each a search of those anomalies.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { quote } from '../parts/filter-text.js';
import { link, location } from '../route.js';
import { showTime } from '../time.js';

type Row = Record<string, unknown>;
const FIELDS = 'capture_id,ingested_at,format,linktypes,packets,size,first_ts,last_ts,sha256,stats';

function time(v: unknown): string {
  return typeof v === 'string' ? showTime(v) : '–';
}

/** The records per table a capture's stats hold, as "sessions 13 · http 4". */
function records(stats: unknown): string {
  const s = typeof stats === 'string' ? (() => { try { return JSON.parse(stats) as unknown; } catch { return null; } })() : stats;
  const r = typeof s === 'object' && s !== null && 'records' in s ? (s as { records: unknown }).records : null;
  if (typeof r !== 'object' || r === null) return '';
  return Object.entries(r as Record<string, unknown>).filter(([, n]) => typeof n === 'number' && n > 0).map(([t, n]) => `${t} ${String(n)}`).join(' · ');
}

export function Captures(): JSX.Element {
  const chosen = location.value.params.get('capture');
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<{ rows: Row[]; next: string | null }>('/api/records/captures', { fields: FIELDS, limit: 200 }).then((r) => {
      setRows(r.rows);
      setNext(r.next);
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  const more = async (): Promise<void> => {
    if (next === null || rows === null) return;
    const r = await get<{ rows: Row[]; next: string | null }>('/api/records/captures', { fields: FIELDS, limit: 200, after: next });
    setRows([...rows, ...r.rows]);
    setNext(r.next);
  };
  const current = chosen ?? (typeof rows?.[0]?.capture_id === 'string' ? rows[0].capture_id : null);
  return (
    <section class="captures">
      <h2>Captures {rows !== null && <small>{rows.length}{next !== null ? '+' : ''}</small>}</h2>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {rows !== null && (
        <table class="results" data-testid="captures" data-nav>
          <thead><tr><th>capture</th><th>ingested</th><th>format</th><th class="n">packets</th><th class="n">bytes</th><th>first packet</th><th>last packet</th><th>records</th><th>sha256</th></tr></thead>
          <tbody>
            {rows.map((r) => {
              const id = String(r.capture_id ?? '');
              return (
                <tr key={id} class={id === current ? 'open' : ''}>
                  <td><a href={link('/captures', { capture: id })} data-testid="capture">{id}</a></td>
                  <td>{time(r.ingested_at)}</td>
                  <td>{String(r.format ?? '')}{Array.isArray(r.linktypes) && r.linktypes.length > 0 ? ` (${r.linktypes.join(', ')})` : ''}</td>
                  <td class="n">{Number(r.packets ?? 0).toLocaleString('en')}</td>
                  <td class="n">{Number(r.size ?? 0).toLocaleString('en')}</td>
                  <td>{time(r.first_ts)}</td>
                  <td>{time(r.last_ts)}</td>
                  <td>{records(r.stats)}</td>
                  <td class="hash">{String(r.sha256 ?? '')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next !== null && <button type="button" class="more" onClick={() => void more()}>More</button>}
      {current !== null && <Anomalies capture={current} />}
    </section>
  );
}

function Anomalies({ capture }: { capture: string }): JSX.Element {
  const [names, setNames] = useState<{ value: string; count: number }[] | null>(null);
  const [rows, setRows] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const filter = `capture_id = ${quote(capture)}`;
  useEffect(() => {
    setNames(null);
    get<{ values: { value: string; count: number }[]; rows: number }>('/api/values/anomalies/name', { q: filter, limit: 100 }).then((v) => {
      setNames(v.values);
      setRows(v.rows);
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [capture]);
  const max = Math.max(1, ...(names ?? []).map((n) => n.count));
  return (
    <div class="block anomalies" data-testid="anomalies">
      <h3>Anomalies of {capture} <small>{rows.toLocaleString('en')}</small> <a href={link('/search/anomalies', { q: filter })}>search them</a></h3>
      {error !== null && <p class="error">{error}</p>}
      {names?.length === 0 && <p class="muted">None.</p>}
      <table class="results" data-nav>
        <tbody>
          {names?.map((n) => (
            <tr key={n.value} data-name={n.value} data-count={n.count}>
              <td><a href={link('/search/anomalies', { q: `${filter} and name = ${quote(n.value)}` })}>{n.value}</a></td>
              <td class="n">{n.count.toLocaleString('en')}</td>
              <td class="bars"><div class="bar in" style={{ width: `${(100 * n.count) / max}%` }} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

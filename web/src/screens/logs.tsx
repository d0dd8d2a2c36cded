// J2 Logs: the `logs` table as Kibana shows it. The recipe's fields (the `fields` JSON of each line) become
// columns, an expanded row shows the raw line; a queue id or Message-ID opens the mail view.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { mailLink } from '../pivots.js';
import { location, navigate, withParams } from '../route.js';
import { showTime } from '../time.js';
import { RangeSelect } from '../parts/range-select.js';

type Row = Record<string, unknown>;
interface Page { rows: Row[]; next: string | null }

const FIELDS = 'ts,host,program,pid,type,message,fields,pattern,source,line_no,parse_ok';
/** Recipe fields shown as columns at most (the most frequent on the page). */
const MAX_COLUMNS = 12;
/** Recipe fields that name a message: they open the mail view. */
const MAIL_KEYS = new Set(['queue_id', 'next_hop_queue_id', 'dsn_queue_id', 'bounce_queue_id', 'new_queue_id', 'msgid', 'message_id']);

function recipe(r: Row): Record<string, unknown> {
  if (typeof r.fields !== 'string' || r.fields === '') return {};
  try {
    const v: unknown = JSON.parse(r.fields);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function Cell({ k, v }: { k: string; v: unknown }): JSX.Element {
  if (v === undefined || v === null) return <span class="null">–</span>;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  if (MAIL_KEYS.has(k) && typeof v === 'string' && v !== '') return <a href={mailLink(v)} data-testid="to-mail">{text}</a>;
  return <span>{text}</span>;
}

export function Logs(): JSX.Element {
  const p = location.value.params;
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const [rows, setRows] = useState<Row[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [draft, setDraft] = useState(q);
  useEffect(() => {
    let live = true;
    setRows(null);
    setOpen(null);
    setError(null);
    setDraft(q);
    Promise.all([
      get<Page>('/api/records/logs', { q, from, to, fields: FIELDS, limit: 100 }),
      get<{ count: number }>('/api/summary/logs', { q, from, to }),
    ]).then(([r, s]) => {
      if (!live) return;
      setRows(r.rows);
      setNext(r.next);
      setCount(s.count);
    }, (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [q, from, to]);
  const more = async (): Promise<void> => {
    if (next === null || rows === null) return;
    const r = await get<Page>('/api/records/logs', { q, from, to, fields: FIELDS, limit: 100, after: next });
    setRows([...rows, ...r.rows]);
    setNext(r.next);
  };
  const parsed = (rows ?? []).map(recipe);
  const freq = new Map<string, number>();
  for (const f of parsed) for (const k of Object.keys(f)) freq.set(k, (freq.get(k) ?? 0) + 1);
  const keys = [...freq.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_COLUMNS).map(([k]) => k);
  return (
    <section class="search logs">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); navigate('/logs', withParams({ q: draft })); }}>
        <input name="q" data-testid="query" placeholder='filter logs, e.g. program = "postfix/smtpd" and type ~ "reject"' value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <RangeSelect from={from} to={to} onPick={(f) => navigate('/logs', withParams({ from: f, to: null }))} />
        <button type="submit">Search</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      <p class="count" data-testid="count">{count === null ? '…' : `${count.toLocaleString('en')} log lines`}</p>
      {rows !== null && (
        <div class="scroll-x">
        <table class="results" data-testid="results" data-nav="click">
          <thead><tr><th>ts</th><th>host</th><th>program</th><th>type</th>{keys.map((k) => <th key={k}>{k}</th>)}</tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <>
                <tr key={i} class={open === i ? 'open' : ''} onClick={(e) => { if ((e.target as HTMLElement).closest('a') === null) setOpen(open === i ? null : i); }}>
                  <td>{typeof r.ts === 'string' ? showTime(r.ts) : ''}</td>
                  <td>{String(r.host ?? '')}</td>
                  <td>{String(r.program ?? '')}{typeof r.pid === 'number' ? `[${r.pid}]` : ''}</td>
                  <td>{r.parse_ok === false ? <span class="badge">unparsed</span> : String(r.type ?? '')}</td>
                  {keys.map((k) => <td key={k}><Cell k={k} v={parsed[i]![k]} /></td>)}
                </tr>
                {open === i && (
                  <tr class="detail">
                    <td colSpan={4 + keys.length}>
                      <pre class="raw-line" data-testid="raw-line">{String(r.message ?? '')}</pre>
                      <p class="muted">{String(r.source ?? '')}:{String(r.line_no ?? '')} · pattern {String(r.pattern ?? '–')}</p>
                      <dl class="record">
                        {Object.entries(parsed[i]!).map(([k, v]) => <><dt key={`k${k}`}>{k}</dt><dd key={`v${k}`}><Cell k={k} v={v} /></dd></>)}
                      </dl>
                    </td>
                  </tr>
                )}
              </>
            ))}
          </tbody>
        </table>
        </div>
      )}
      {next !== null && <button type="button" class="more" onClick={() => void more()}>More</button>}
    </section>
  );
}

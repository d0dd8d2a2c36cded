// Connections: the hosts of the current sessions query as a graph (a few pages of its sessions aggregated in
// the browser, the heaviest hosts kept), edges weighted by bytes or sessions and coloured by direction against
// the home net; a click on a host or a connection searches its sessions. The query lives in the URL.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ForceGraph } from '../parts/force-graph.js';
import { aggregate, type SessionRow } from '../parts/graph-data.js';
import { quote } from '../parts/filter-text.js';
import { RangeSelect } from '../parts/range-select.js';
import { link, location, navigate, withParams } from '../route.js';

const PAGE = 1000;
const PAGES = 5;
const CAPS = ['25', '50', '100', '200'];

function and(a: string, b: string): string {
  return b.trim() === '' ? a : `(${a}) and (${b})`;
}

export function Graph(): JSX.Element {
  const p = location.value.params;
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const weight = p.get('w') === 'sessions' ? 'sessions' : 'bytes';
  const cap = CAPS.includes(p.get('cap') ?? '') ? Number(p.get('cap')) : 100;
  const [rows, setRows] = useState<SessionRow[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState(q);

  useEffect(() => {
    setDraft(q);
    setRows(null);
    setError(null);
    let live = true;
    (async () => {
      const [first, s] = await Promise.all([
        get<{ rows: SessionRow[]; next: string | null }>('/api/records/sessions', { q, from, to, fields: 'src_ip,dst_ip,src_bytes,dst_bytes,direction', limit: PAGE }),
        get<{ count: number }>('/api/summary/sessions', { q, from, to }),
      ]);
      const all = [...first.rows];
      let next = first.next;
      for (let i = 1; i < PAGES && next !== null && live; i++) {
        const r = await get<{ rows: SessionRow[]; next: string | null }>('/api/records/sessions', { q, from, to, fields: 'src_ip,dst_ip,src_bytes,dst_bytes,direction', limit: PAGE, after: next });
        all.push(...r.rows);
        next = r.next;
      }
      if (live) {
        setRows(all);
        setTotal(s.count);
      }
    })().catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [q, from, to]);

  const g = useMemo(() => (rows === null ? null : aggregate(rows, cap, weight)), [rows, cap, weight]);
  const go = (change: Record<string, string | null>): void => navigate('/graph', withParams(change));
  const hostFilter = (ip: string): string => and(`src_ip = ${quote(ip)} or dst_ip = ${quote(ip)}`, q);
  const onNode = (ip: string): void => navigate('/search/sessions', { q: hostFilter(ip), from, to });
  const onEdge = (a: string, b: string): void => navigate('/search/sessions', { q: and(`src_ip = ${quote(a)} and dst_ip = ${quote(b)}`, q), from, to });

  return (
    <section class="connections">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); go({ q: draft }); }}>
        <input name="q" data-testid="query" placeholder="filter sessions, e.g. dst_port = 22" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <RangeSelect from={from} to={to} onPick={(f) => go({ from: f, to: null })} />
        <select aria-label="weight" data-testid="weight" value={weight} onChange={(e) => go({ w: (e.target as HTMLSelectElement).value })}>
          <option value="bytes">weight: bytes</option>
          <option value="sessions">weight: sessions</option>
        </select>
        <select aria-label="hosts shown" value={String(cap)} onChange={(e) => go({ cap: (e.target as HTMLSelectElement).value })}>
          {CAPS.map((c) => <option key={c} value={c}>at most {c} hosts</option>)}
        </select>
        <button type="submit">Draw</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {g !== null && rows !== null && (
        <>
          <p class="count" data-testid="graph-count">
            {g.nodes.length} of {g.hosts} hosts, {g.edges.length} connections, from {rows.length.toLocaleString('en')}
            {total !== null && total > rows.length ? ` of ${total.toLocaleString('en')} sessions (the newest; narrow the query for the rest)` : ' sessions'}
            <span class="legend home">home</span><span class="legend outside">outside</span><span class="legend unknown">unknown</span>
            <span class="legend inbound">→ inbound</span><span class="legend outbound">→ outbound</span>
          </p>
          <div class="graph-box"><ForceGraph nodes={g.nodes} edges={g.edges} weight={weight} onNode={onNode} onEdge={onEdge} /></div>
          <table class="results hosts" data-testid="hosts" data-nav>
            <thead><tr><th>host</th><th>side</th><th class="n">sessions</th><th class="n">bytes</th></tr></thead>
            <tbody>
              {g.nodes.map((n) => (
                <tr key={n.id}>
                  <td><a href={link('/search/sessions', { q: hostFilter(n.id), from, to })}>{n.id}</a></td>
                  <td>{n.side}</td>
                  <td class="n">{n.sessions.toLocaleString('en')}</td>
                  <td class="n">{n.bytes.toLocaleString('en')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

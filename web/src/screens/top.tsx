// J4 Top talkers: the SANCP report (`haystack top`) with its key, byte level, home net, range and limit as
// controls in the URL; bytes into and out of the home network as bars; a key opens its sessions.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { equals } from '../parts/filter-text.js';
import { RangeSelect } from '../parts/range-select.js';
import { link, location, navigate, withParams } from '../route.js';

const KEYS = ['dst_port', 'app_proto', 'src_ip', 'dst_ip', 'sni', 'proto'] as const;
const LEVELS = [['frame', 'frame bytes (SANCP)'], ['ip', 'IP bytes'], ['payload', 'payload bytes']] as const;

interface TopRow {
  key: unknown;
  into: number;
  out: number;
  total: number;
}

/** Where a key's sessions are: the sessions search, or TLS for an SNI (sessions carry none). */
function sessionsOf(by: string, key: unknown, from: string, to: string): string {
  return by === 'sni' ? link('/search/tls', { q: equals('sni', key), from, to }) : link('/search/sessions', { q: equals(by, key), from, to });
}

export function Top(): JSX.Element {
  const p = location.value.params;
  const by = p.get('by') ?? 'dst_port';
  const bytes = p.get('bytes') ?? 'frame';
  const home = p.get('home_net') ?? '';
  const limit = p.get('limit') ?? '10';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const key = JSON.stringify([by, bytes, home, limit, from, to]);
  // the rows of the controls they were asked with (none shown while other controls' rows load)
  const [data, setData] = useState<{ key: string; rows: TopRow[] } | null>(null);
  const rows = data?.key === key ? data.rows : null;
  const [error, setError] = useState<string | null>(null);
  const [homeDraft, setHomeDraft] = useState(home);

  useEffect(() => {
    setError(null);
    setHomeDraft(home);
    let live = true;
    get<{ rows: Record<string, unknown>[] }>('/api/reports/top', { by, bytes, home_net: home, limit, from, to }).then((r) => {
      if (live) setData({ key, rows: r.rows.map((x) => ({ key: x[by], into: Number(x.bytes_to_mynet), out: Number(x.bytes_from_mynet), total: Number(x.total_bytes) })) });
    }, (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [key]);

  const go = (change: Record<string, string | null>): void => navigate('/top', withParams(change));
  const max = Math.max(1, ...(rows ?? []).flatMap((r) => [r.into, r.out]));
  const sum = (f: (r: TopRow) => number): number => (rows ?? []).reduce((n, r) => n + f(r), 0);
  return (
    <section class="top-talkers">
      <form class="querybar controls" onSubmit={(e) => { e.preventDefault(); go({ home_net: homeDraft }); }}>
        <label>by <select data-testid="by" value={by} onChange={(e) => go({ by: (e.target as HTMLSelectElement).value })}>{KEYS.map((k) => <option key={k} value={k}>{k}</option>)}</select></label>
        <label>bytes <select data-testid="bytes" value={bytes} onChange={(e) => go({ bytes: (e.target as HTMLSelectElement).value })}>{LEVELS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select></label>
        <label class="grow">home net <input data-testid="home-net" data-query value={homeDraft} placeholder="as stored at ingest; or CIDRs, e.g. 10.0.0.0/8,192.168.0.0/16" onInput={(e) => setHomeDraft((e.target as HTMLInputElement).value)} /></label>
        <label>top <select data-testid="limit" value={limit} onChange={(e) => go({ limit: (e.target as HTMLSelectElement).value })}>{['10', '25', '100', '1000'].map((n) => <option key={n} value={n}>{n}</option>)}</select></label>
        <RangeSelect from={from} to={to} onPick={(f) => go({ from: f, to: null })} />
        <button type="submit">Apply</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      <p class="muted">Bytes into and out of the home network per {by}: inbound sessions bring the originator's bytes in, outbound ones the responder's; internal and external sessions are not counted.</p>
      {rows !== null && (
        <table class="results talkers" data-testid="top" data-nav>
          <thead><tr><th>{by}</th><th class="n">into home</th><th class="bars-h"><span class="legend in">into</span> <span class="legend out">out of</span></th><th class="n">out of home</th><th class="n">total</th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-into={r.into} data-out={r.out}>
                <td><a href={sessionsOf(by, r.key, from, to)} data-testid="talker">{r.key === null || r.key === undefined ? '(none)' : String(r.key)}</a></td>
                <td class="n">{r.into.toLocaleString('en')}</td>
                <td class="bars">
                  <div class="bar in" style={{ width: `${(100 * r.into) / max}%` }} />
                  <div class="bar out" style={{ width: `${(100 * r.out) / max}%` }} />
                </td>
                <td class="n">{r.out.toLocaleString('en')}</td>
                <td class="n">{r.total.toLocaleString('en')}</td>
              </tr>
            ))}
          </tbody>
          <tfoot><tr data-testid="top-total" data-into={sum((r) => r.into)} data-out={sum((r) => r.out)}><th>shown</th><th class="n">{sum((r) => r.into).toLocaleString('en')}</th><th /><th class="n">{sum((r) => r.out).toLocaleString('en')}</th><th class="n">{sum((r) => r.total).toLocaleString('en')}</th></tr></tfoot>
        </table>
      )}
      {rows?.length === 0 && <p class="muted">No inbound or outbound sessions: set the home net?</p>}
    </section>
  );
}

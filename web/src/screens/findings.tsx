// Findings: what content inspection found, grouped by detector (category, rows by confidence, distinct values,
// hosts, first and last seen) and by host on the chosen side (the detectors that fired for each), from
// GET /api/reports/findings; the rows of the chosen group from GET /api/records/findings under the same filter
// text (query/findings-filter.ts), each with its pivots: the session, the message, the file, the same value
// elsewhere and the message's log lines. Values are masked by the server and shown as text; the redacted excerpt
// comes only to analysts. Every choice lives in the URL.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { andFilters, CONFIDENCES, findingsFilterText, type Confidence, type FindingHostField } from '../../../src/query/findings-filter.js';
import { get, me } from '../api.js';
import { TimePicker } from '../parts/time-picker.js';
import { mailLink, pivotLink, quote, searchLink, sessionLink } from '../pivots.js';
import { link, location, navigate, withParams } from '../route.js';
import { showTime } from '../time.js';

interface Counts { rows: number; high: number; medium: number; low: number; occurrences: number; distinct_values: number; first_seen: string; last_seen: string }
interface DetectorGroup extends Counts { detector: string; category: string; hosts: number; sessions: number }
interface HostDetector extends Counts { detector: string; category: string }
interface HostGroup { host: string | null; rows: number; first_seen: string; last_seen: string; detectors: HostDetector[] }
interface Report { by: FindingHostField; detectors: DetectorGroup[]; detectors_cut: boolean; hosts: HostGroup[]; hosts_total: number }
type Row = Record<string, unknown>;
interface Page { rows: Row[]; next: string | null }

/** Hosts listed (the most findings first). */
const HOSTS = 100;
/** Rows of the chosen group per page. */
const PAGE = 100;
/** In the URL, the host of findings without an address. */
const NO_HOST = '-';
const SIDE: Record<FindingHostField, string> = { src_ip: 'source', dst_ip: 'destination' };

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const num = (n: number): string => n.toLocaleString('en');
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** A Message-ID as the mail view and the pivot take it: in angle brackets. */
const bracketed = (id: string): string => `<${id.trim().replace(/^<(.*)>$/, '$1')}>`;

/** The confidence counts as three small badges (zeros left out). */
function Confidences({ c }: { c: Pick<Counts, 'high' | 'medium' | 'low'> }): JSX.Element {
  return (
    <span class="confs">
      {CONFIDENCES.filter((k) => c[k] > 0).map((k) => <span key={k} class={`conf ${k}`} title={`${c[k]} of ${k} confidence`} data-conf={k}>{num(c[k])} {k}</span>)}
    </span>
  );
}

export function Findings(): JSX.Element {
  const p = location.value.params;
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const category = p.get('category') ?? '';
  const detector = p.get('detector') ?? '';
  const conf = p.get('confidence');
  const minConfidence: Confidence = conf === 'high' || conf === 'medium' ? conf : 'low';
  const tests = p.get('tests') === '1';
  const by: FindingHostField = p.get('by') === 'dst_ip' ? 'dst_ip' : 'src_ip';
  const selDetector = p.get('sel_detector');
  const selHostParam = p.get('sel_host');
  const selHost = selHostParam === null ? undefined : selHostParam === NO_HOST ? null : selHostParam;

  const key = JSON.stringify([q, from, to, category, detector, minConfidence, tests, by]);
  const [report, setReport] = useState<{ key: string; r: Report } | null>(null);
  const r = report?.key === key ? report.r : null;
  const [options, setOptions] = useState<{ categories: string[]; detectors: string[] }>({ categories: [], detectors: [] });
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState(q);

  useEffect(() => {
    setDraft(q);
    setError(null);
    let live = true;
    get<Report>('/api/reports/findings', { q, from, to, category, detector, confidence: minConfidence === 'low' ? null : minConfidence, tests: tests ? '1' : null, by, hosts: HOSTS })
      .then((x) => live && setReport({ key, r: x }), (e: unknown) => live && setError(message(e)));
    return () => {
      live = false;
    };
  }, [key]);

  // the choices of the selects: every category and detector of the range (not only those of the filter)
  useEffect(() => {
    let live = true;
    const values = (field: string): Promise<string[]> => get<{ values: { value: unknown }[] }>(`/api/values/findings/${field}`, { from, to, limit: 1000 }).then((v) => v.values.map((x) => str(x.value)).filter((x) => x !== ''));
    Promise.all([values('category'), values('detector')]).then(([categories, detectors]) => live && setOptions({ categories, detectors }), () => undefined);
    return () => {
      live = false;
    };
  }, [from, to]);

  // a filter changed: the group chosen stays, unless it was a host of the other side
  const go = (change: Record<string, string | null>): void => navigate('/findings', withParams(change));
  const selection = findingsFilterText({ detector: detector || null, category: category || null, minConfidence, tests });
  const base = andFilters(selection, q);
  const group = andFilters(base, findingsFilterText({
    detector: selDetector, tests: true, ...(selHost !== undefined ? { host: { field: by, value: selHost } } : {}),
  }));
  const total = r === null ? null : r.detectors.reduce((n, d) => n + d.rows, 0);
  const groupCount = r === null ? null
    : selDetector !== null && selHost !== undefined ? r.hosts.find((h) => h.host === selHost)?.detectors.find((d) => d.detector === selDetector)?.rows ?? 0
    : selDetector !== null ? r.detectors.find((d) => d.detector === selDetector)?.rows ?? 0
    : selHost !== undefined ? r.hosts.find((h) => h.host === selHost)?.rows ?? null
    : total;
  const hostText = (h: string | null): string => h ?? '(no address)';
  const title = selDetector !== null && selHost !== undefined ? `${selDetector} on ${hostText(selHost)}`
    : selDetector !== null ? selDetector : selHost !== undefined ? `${SIDE[by]} ${hostText(selHost)}` : 'All findings';
  const pickHost = (h: string | null): string => link('/findings', withParams({ sel_host: h ?? NO_HOST, sel_detector: null }));

  return (
    <section class="findings">
      <div class="findings-bar">
        <form class="querybar" onSubmit={(e) => { e.preventDefault(); go({ q: draft }); }}>
          <input name="q" data-testid="query" placeholder='filter findings, e.g. app_proto = "smtp" or dst_port = 443' value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
          <button type="submit">Filter</button>
        </form>
        <TimePicker from={from} to={to} onRange={(f, t) => go({ from: f, to: t })} />
      </div>
      <div class="querybar controls findings-controls">
        <label>category <select data-testid="category" value={category} onChange={(e) => go({ category: (e.target as HTMLSelectElement).value })}>
          <option value="">all</option>
          {[...new Set([...options.categories, ...(category !== '' ? [category] : [])])].map((c) => <option key={c} value={c}>{c}</option>)}
        </select></label>
        <label>confidence at least <select data-testid="confidence" value={minConfidence} onChange={(e) => { const v = (e.target as HTMLSelectElement).value; go({ confidence: v === 'low' ? null : v }); }}>
          {CONFIDENCES.map((c) => <option key={c} value={c}>{c}</option>)}
        </select></label>
        <label>detector <select data-testid="detector" value={detector} onChange={(e) => go({ detector: (e.target as HTMLSelectElement).value })}>
          <option value="">all</option>
          {[...new Set([...options.detectors, ...(detector !== '' ? [detector] : [])])].map((d) => <option key={d} value={d}>{d}</option>)}
        </select></label>
        <label title="published test values (4111 1111 1111 1111, AWS's EXAMPLE keys) are hidden unless shown">
          <input type="checkbox" data-testid="tests" checked={tests} onChange={(e) => go({ tests: (e.target as HTMLInputElement).checked ? '1' : null })} /> test values
        </label>
        <span class="seg" role="group" aria-label="hosts by">
          {(['src_ip', 'dst_ip'] as const).map((f) => (
            <a key={f} class={`button${by === f ? '' : ' ghost'}`} data-testid={`by-${f}`} href={link('/findings', withParams({ by: f === 'src_ip' ? null : f, sel_host: null }))}>hosts by {SIDE[f]}</a>
          ))}
        </span>
      </div>
      {error !== null && <p class="error" role="alert" data-testid="error">{error}</p>}
      {r !== null && (
        <p class="count" data-testid="count" data-search={location.value.params.toString()}>
          {num(total!)} finding{total === 1 ? '' : 's'} · {r.detectors.length}{r.detectors_cut ? '+' : ''} detector{r.detectors.length === 1 ? '' : 's'} · {num(r.hosts_total)} {SIDE[by]} host{r.hosts_total === 1 ? '' : 's'}
          {!tests && <span class="muted"> · test values hidden</span>}
        </p>
      )}
      {r === null && error === null && <p class="muted">…</p>}
      {r !== null && r.detectors.length === 0 && <p class="muted" data-testid="none">No findings under these choices.</p>}
      {r !== null && r.detectors.length > 0 && (
        <>
          <h3 class="findings-h">By detector</h3>
          <div class="scroll-x">
            <table class="results findings-detectors" data-testid="detectors" data-nav>
              <thead>
                <tr>
                  <th>detector</th><th>category</th><th>confidence</th><th class="n">findings</th><th class="n">occurrences</th><th class="n" title="distinct values (by their keyed hash)">values</th>
                  <th class="n" title={`distinct ${SIDE[by]} addresses`}>hosts</th><th class="n">sessions</th><th>first seen</th><th>last seen</th>
                </tr>
              </thead>
              <tbody>
                {r.detectors.map((d) => (
                  <tr key={`${d.detector}\n${d.category}`} class={selDetector === d.detector && selHost === undefined ? 'open' : ''} data-detector={d.detector}>
                    <td><a data-primary data-testid="pick-detector" href={link('/findings', withParams({ sel_detector: d.detector, sel_host: null }))}>{d.detector}</a></td>
                    <td><span class="badge cat">{d.category}</span></td>
                    <td><Confidences c={d} /></td>
                    <td class="n" data-testid="rows">{num(d.rows)}</td>
                    <td class="n">{num(d.occurrences)}</td>
                    <td class="n" data-testid="values">{num(d.distinct_values)}</td>
                    <td class="n" data-testid="hosts">{num(d.hosts)}</td>
                    <td class="n">{num(d.sessions)}</td>
                    <td>{showTime(d.first_seen)}</td>
                    <td>{showTime(d.last_seen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="findings-split">
            <aside>
              <h3 class="findings-h">By {SIDE[by]} host <small>{r.hosts.length < r.hosts_total ? `the ${r.hosts.length} with most findings of ${num(r.hosts_total)}` : num(r.hosts_total)}</small></h3>
              <table class="results findings-hosts" data-testid="host-groups" data-nav>
                <thead><tr><th>host</th><th class="n">findings</th><th>detectors</th></tr></thead>
                <tbody>
                  {r.hosts.map((h) => (
                    <tr key={h.host ?? NO_HOST} class={selHost === h.host && selDetector === null ? 'open' : ''} data-host={h.host ?? NO_HOST}>
                      <td class="mono"><a data-primary data-testid="pick-host" href={pickHost(h.host)}>{hostText(h.host)}</a></td>
                      <td class="n" data-testid="rows">{num(h.rows)}</td>
                      <td class="chips">
                        {h.detectors.map((d) => (
                          <a key={d.detector} class={`chip${selHost === h.host && selDetector === d.detector ? ' on' : ''}`} data-testid="host-detector" data-detector={d.detector} data-rows={d.rows}
                            title={`${d.category}: ${d.rows} findings, ${d.distinct_values} values, ${showTime(d.first_seen)} – ${showTime(d.last_seen)}`}
                            href={link('/findings', withParams({ sel_host: h.host ?? NO_HOST, sel_detector: d.detector }))}>{d.detector} <b>{num(d.rows)}</b></a>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </aside>
            <Group key={`${group}\n${from}\n${to}`} title={title} filter={group} from={from} to={to} count={groupCount}
              all={selDetector === null && selHost === undefined ? null : link('/findings', withParams({ sel_detector: null, sel_host: null }))} />
          </div>
        </>
      )}
    </section>
  );
}

/** The rows of one group, a page at a time, each with its pivots. */
function Group({ title, filter, from, to, count, all }: { title: string; filter: string; from: string; to: string; count: number | null; all: string | null }): JSX.Element {
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const role = me.value?.role ?? 'viewer';
  // the mail view reads the whole store: not for an account with a row restriction (the server refuses it)
  const mail = me.value?.restrict === null;
  const load = (after: string | null, before: Row[]): void => {
    get<Page>('/api/records/findings', { q: filter, from, to, limit: PAGE, after }).then((x) => setPage({ rows: [...before, ...x.rows], next: x.next }), (e: unknown) => setError(message(e)));
  };
  useEffect(() => load(null, []), []);
  return (
    <div class="findings-group" data-testid="group">
      <h3 class="findings-h">
        <span data-testid="group-title">{title}</span> <small data-testid="group-count">{count === null ? '' : `${num(count)} finding${count === 1 ? '' : 's'}`}</small>
        {all !== null && <> · <a href={all} class="small" data-testid="all-findings">all findings</a></>}
        {' '}· <a class="small" href={link('/search/findings', { q: filter, from, to })} data-testid="search-these">search these</a>
      </h3>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {page === null && error === null && <p class="muted">…</p>}
      {page !== null && (
        <div class="scroll-x">
          <table class="results finding-rows" data-testid="finding-rows" data-nav>
            <thead>
              <tr><th>time</th><th>finding</th><th>where</th><th>{role !== 'viewer' ? 'note · excerpt (redacted)' : 'note'}</th><th>pivots</th></tr>
            </thead>
            <tbody>
              {page.rows.map((f, i) => {
                const uid = typeof f.uid === 'string' ? f.uid : null;
                const mid = typeof f.message_id === 'string' && f.message_id.trim() !== '' ? bracketed(f.message_id) : null;
                const fuid = typeof f.fuid === 'string' ? f.fuid : null;
                const hmac = typeof f.value_hmac === 'string' ? f.value_hmac : null;
                const found = f.decode_path ?? (f.part_path != null ? `part ${str(f.part_path)}` : null);
                return (
                  <tr key={i} data-uid={uid ?? ''} data-hmac={hmac ?? ''}>
                    <td class="when">{typeof f.ts === 'string' ? showTime(f.ts) : ''}</td>
                    <td class="finding">
                      <div>{str(f.detector)} <span class={`conf ${str(f.confidence)}`}>{str(f.confidence)}</span>{f.test_value === true && <span class="badge" title="a published test value">test</span>}</div>
                      <div><span class="mono value" data-testid="masked">{str(f.masked)}</span>{typeof f.count === 'number' && f.count > 1 && <span class="muted" title="occurrences"> ×{f.count}</span>}</div>
                    </td>
                    <td class="where">
                      <div class="mono">{str(f.app_proto)} {str(f.src_ip)}{f.src_port != null ? `:${str(f.src_port)}` : ''} → {str(f.dst_ip)}{f.dst_port != null ? `:${str(f.dst_port)}` : ''}</div>
                      {(f.side != null || found != null) && <div class="muted small">{f.side != null ? `${str(f.side)} side` : ''}{f.side != null && found != null ? ' · ' : ''}{found != null ? `in ${str(found)}` : ''}</div>}
                    </td>
                    <td class="note">
                      {f.note != null && <div class="small">{str(f.note)}</div>}
                      {role !== 'viewer' && f.excerpt_redacted != null && <div class="mono small excerpt" data-testid="excerpt">{str(f.excerpt_redacted)}</div>}
                    </td>
                    <td class="drill">
                      <div class="pivot-links">
                        {uid !== null && <a href={sessionLink(uid, f.ts)} data-testid="to-session">session</a>}
                        {mid !== null && mail && <a href={mailLink(mid)} data-testid="to-message">message</a>}
                        {fuid !== null && <a href={searchLink('files', 'fuid', fuid)} data-testid="to-file">file</a>}
                        {hmac !== null && <a href={link('/findings', { q: `value_hmac = ${quote(hmac)}`, tests: '1' })} data-testid="same-value" title="findings of this value anywhere, any time">same value</a>}
                        {mid !== null && <a href={pivotLink('message_id', mid)} data-testid="to-logs" title="the message's log lines and records">log lines</a>}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {page?.next != null && <button type="button" class="more" data-testid="more" onClick={() => load(page.next, page.rows)}>More</button>}
    </div>
  );
}

// J5 Alerts: signatures grouped with counts, a sparkline of each one's alerts per day (all from one split counts
// request) and spike badges (trends), the selected one's alerts per day drawn (`haystack counts alerts --by
// day`), and its alerts with their triage state, ack / escalate / note for analysts one at a time or on a
// selection, and the way to the session, its transcript and pcap. The filter, range and signature live in the URL.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, href, me } from '../api.js';
import { DayChart, type Bucket } from '../parts/day-chart.js';
import { pooled } from '../parts/pool.js';
import { RangeSelect } from '../parts/range-select.js';
import { Sparkline, SPARK_SCALE } from '../parts/sparkline.js';
import { BulkTriage, TriageButtons, TriageState, type TriageRow } from '../parts/triage.js';
import { sessionLink } from '../pivots.js';
import { link, location, navigate, withParams } from '../route.js';
import { showTime } from '../time.js';

interface Group {
  sid: number;
  count: number;
  msg: string | null;
}
interface Trend {
  sid: number;
  latest_day: string;
  latest_count: number;
  baseline_per_day: number;
  ratio: string;
}
type Row = Record<string, unknown>;

const FIELDS = 'ts,src_ip,src_port,dst_ip,dst_port,proto,app_proto,priority,classtype,msg,uid,capture_id';

function and(a: string, b: string): string {
  return b.trim() === '' ? a : `${a} and (${b})`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function Alerts(): JSX.Element {
  const p = location.value.params;
  const q = p.get('q') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [trends, setTrends] = useState<Map<number, Trend>>(new Map());
  // each signature's counts per day over one span (null: not loaded; a string: why there are none)
  const [sparks, setSparks] = useState<Map<number, Bucket[]> | string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState(q);
  const sidParam = p.get('sid');
  const selected = sidParam !== null && /^\d+$/.test(sidParam) ? Number(sidParam) : groups?.[0]?.sid ?? null;

  useEffect(() => {
    setDraft(q);
    setGroups(null);
    setError(null);
    let live = true;
    (async () => {
      const v = await get<{ values: { value: number; count: number }[] }>('/api/values/alerts/sid', { q, from, to, limit: 100 });
      const base = v.values.filter((x) => x.value !== null).map((x) => ({ sid: Number(x.value), count: x.count, msg: null as string | null }));
      if (live) setGroups(base);
      // each signature's message (a sid has one message; a rule's revision may change it: the most common)
      const msgs = await pooled(base, 3, (g) => get<{ values: { value: string }[] }>('/api/values/alerts/msg', { q: and(`sid = ${g.sid}`, q), from, to, limit: 1 }).then((m) => m.values[0]?.value ?? null, () => null));
      if (live) setGroups(base.map((g, i) => ({ ...g, msg: msgs[i] ?? null })));
    })().catch((e: unknown) => live && setError(message(e)));
    // trends read the whole store: not for an account with a row restriction (the server refuses it)
    if (me.value?.restrict === null) get<{ rows: Trend[] }>('/api/reports/trends', { by: 'sid' }).then((t) => live && setTrends(new Map(t.rows.map((r) => [r.sid, r]))), () => undefined);
    // every signature's days in one request (the same top 100 sids as the list, the same buckets for all)
    setSparks(null);
    get<{ rows: { bucket: string; sid: number; count: number }[] }>('/api/reports/counts/alerts', { by: 'day', split: 'sid', limit: 100, q, from, to }).then((c) => {
      const m = new Map<number, Bucket[]>();
      for (const r of c.rows) m.set(r.sid, [...(m.get(r.sid) ?? []), { bucket: r.bucket, count: r.count }]);
      if (live) setSparks(m);
    }, (e: unknown) => live && setSparks(message(e)));
    return () => {
      live = false;
    };
  }, [q, from, to]);

  const go = (change: Record<string, string | null>): void => navigate('/alerts', withParams(change));
  return (
    <section class="alerts">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); go({ q: draft }); }}>
        <input name="q" data-testid="query" placeholder="filter alerts, e.g. priority = 1 and dst_port = 80" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <RangeSelect from={from} to={to} onPick={(f) => go({ from: f, to: null })} />
        <button type="submit">Filter</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      <div class="split">
        <aside class="groups" data-testid="signatures">
          <h3 title={SPARK_SCALE}>Signatures {groups !== null && <small>{groups.length}</small>}</h3>
          {typeof sparks === 'string' && <p class="muted" data-testid="spark-error">no sparklines: {sparks}</p>}
          {groups === null && error === null && <p class="muted">…</p>}
          {groups?.length === 0 && <p class="muted">No alerts in this range.</p>}
          <ul data-nav data-testid="signature-list">
            {groups?.map((g) => {
              const t = trends.get(g.sid);
              return (
                <li key={g.sid} class={g.sid === selected ? 'active' : ''}>
                  <a href={link('/alerts', withParams({ sid: String(g.sid) }))} data-sid={g.sid}>
                    <span class="count">{g.count.toLocaleString('en')}</span>
                    <span class="msg">{g.msg ?? '…'}</span>
                    <span class="sid">sid {g.sid}
                      {sparks instanceof Map && sparks.has(g.sid) && <Sparkline days={sparks.get(g.sid)!} label={`sid ${g.sid}`} />}
                    </span>
                    {t !== undefined && <span class="badge spike" data-testid="spike" title={`${t.latest_count} on ${t.latest_day.slice(0, 10)}, ${t.baseline_per_day.toFixed(1)} a day before`}>{t.ratio === 'new' ? 'new' : `×${t.ratio}`}</span>}
                  </a>
                </li>
              );
            })}
          </ul>
        </aside>
        {selected !== null && <Signature sid={selected} msg={groups?.find((g) => g.sid === selected)?.msg ?? null} q={q} from={from} to={to} />}
      </div>
    </section>
  );
}

/** Alert keys whose triage is read in one request (a query parameter holds 16 KiB: 400 keys of 33 characters). */
const TRIAGE_READ = 400;

/** One signature: its alerts per day, and its alerts with their triage. */
function Signature({ sid, msg, q, from, to }: { sid: number; msg: string | null; q: string; from: string; to: string }): JSX.Element {
  const filter = and(`sid = ${sid}`, q);
  const key = `${filter}\n${from}\n${to}`;
  // the counts of the signature and range they were asked for (none shown while another's load)
  const [counted, setCounted] = useState<{ key: string; days: Bucket[] } | null>(null);
  const days = counted?.key === key ? counted.days : null;
  const [listed, setListed] = useState<{ key: string; rows: Row[]; next: string | null } | null>(null);
  const rows = listed?.key === key ? listed.rows : null;
  const next = listed?.key === key ? listed.next : null;
  const [triage, setTriage] = useState<Map<string, TriageRow[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  // the chosen alerts (keys), kept with the query they were chosen under; the row a shift-click extends from
  const [chosen, setChosen] = useState<{ key: string; keys: Set<string> }>({ key, keys: new Set() });
  const selection = chosen.key === key ? chosen.keys : new Set<string>();
  const anchor = useRef<number | null>(null);
  const all = useRef<HTMLInputElement>(null);
  const role = me.value?.role ?? 'viewer';
  const canTriage = role !== 'viewer' && me.value?.restrict === null;

  const loadTriage = async (list: Row[]): Promise<void> => {
    const keys = list.map((r) => r.alert_key).filter((k): k is string => typeof k === 'string');
    if (keys.length === 0 || me.value?.restrict !== null) return;
    const m = new Map<string, TriageRow[]>();
    for (let i = 0; i < keys.length; i += TRIAGE_READ) {
      const t = await get<{ triage: TriageRow[] }>('/api/triage', { alerts: keys.slice(i, i + TRIAGE_READ).join(',') });
      for (const x of t.triage) m.set(x.alert_key, [...(m.get(x.alert_key) ?? []), x]);
    }
    setTriage(m);
  };

  useEffect(() => {
    setError(null);
    anchor.current = null;
    let live = true;
    get<{ rows: Bucket[] }>('/api/reports/counts/alerts', { by: 'day', q: filter, from, to }).then((c) => live && setCounted({ key, days: c.rows }), (e: unknown) => live && setError(message(e)));
    get<{ rows: Row[]; next: string | null }>('/api/records/alerts', { q: filter, from, to, fields: FIELDS, limit: 100 }).then(async (r) => {
      if (!live) return;
      setListed({ key, rows: r.rows, next: r.next });
      await loadTriage(r.rows);
    }).catch((e: unknown) => live && setError(message(e)));
    return () => {
      live = false;
    };
  }, [key]);

  const keysOf = (list: Row[]): string[] => list.map((r) => r.alert_key).filter((k): k is string => typeof k === 'string');
  const visible = rows === null ? [] : keysOf(rows);
  const allVisible = visible.length > 0 && visible.every((k) => selection.has(k));
  const someVisible = visible.some((k) => selection.has(k));
  useEffect(() => {
    if (all.current !== null) all.current.indeterminate = someVisible && !allVisible;
  });

  const choose = (keys: Set<string>): void => setChosen({ key, keys });
  /** A row's box: a click toggles it; a shift-click sets every row from the last clicked one to this one alike. */
  const toggle = (i: number, on: boolean, shift: boolean): void => {
    const keys = new Set(selection);
    const [lo, hi] = shift && anchor.current !== null ? [Math.min(anchor.current, i), Math.max(anchor.current, i)] : [i, i];
    for (let j = lo; j <= hi; j++) {
      const k = visible[j];
      if (k === undefined) continue;
      if (on) keys.add(k);
      else keys.delete(k);
    }
    anchor.current = i;
    choose(keys);
  };

  const more = async (): Promise<void> => {
    if (next === null || rows === null) return;
    const r = await get<{ rows: Row[]; next: string | null }>('/api/records/alerts', { q: filter, from, to, fields: FIELDS, limit: 100, after: next });
    const list = [...rows, ...r.rows];
    setListed({ key, rows: list, next: r.next });
    await loadTriage(list);
  };
  const refresh = (): void => void (rows !== null && loadTriage(rows).catch((e: unknown) => setError(message(e))));
  /** Every alert under the signature, filter and range (at most a bulk request's worth): their keys. */
  const matching = async (limit: number): Promise<string[]> => keysOf((await get<{ rows: Row[] }>('/api/records/alerts', { q: filter, from, to, fields: 'sid', limit })).rows);

  return (
    <div class="signature" data-testid="signature" data-sid={sid}>
      <h2>{msg ?? '…'} <small>sid {sid}</small></h2>
      <p class="muted">
        {rows?.[0] !== undefined && <>priority {String(rows[0].priority ?? '–')} · {String(rows[0].classtype ?? 'no classtype')} · </>}
        <a href={link('/search/alerts', { q: filter, from, to })}>search these alerts</a>
      </p>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {days !== null && <DayChart buckets={days} label={`sid ${sid}`} />}
      {rows !== null && canTriage && (
        <BulkTriage selected={[...selection]} visible={visible.length} filter={filter} from={from} to={to}
          matching={matching} choose={(keys) => choose(new Set(keys))} done={refresh} />
      )}
      {rows !== null && (
        <table class="results alert-rows" data-testid="alert-rows" data-nav>
          <thead>
            <tr>
              {canTriage && (
                <th class="pick">
                  <input ref={all} type="checkbox" data-testid="select-all" aria-label="select every alert shown" title="select every alert shown"
                    checked={allVisible} onChange={(e) => {
                      const keys = new Set(selection);
                      for (const k of visible) if ((e.target as HTMLInputElement).checked) keys.add(k); else keys.delete(k);
                      anchor.current = null;
                      choose(keys);
                    }} />
                </th>
              )}
              <th>time</th><th>source</th><th>destination</th><th>proto</th><th>state</th>{canTriage && <th>triage</th>}<th>session</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const key = typeof r.alert_key === 'string' ? r.alert_key : '';
              const uid = typeof r.uid === 'string' ? r.uid : null;
              // the alert's own capture: its session's uid may be in another capture too (the same packets twice)
              const capture = typeof r.capture_id === 'string' ? r.capture_id : null;
              const on = selection.has(key);
              return (
                <tr key={key} data-key={key} class={on ? 'picked' : ''}>
                  {canTriage && (
                    <td class="pick">
                      <input type="checkbox" data-testid="select-row" aria-label="select this alert" checked={on}
                        onClick={(e) => toggle(i, (e.target as HTMLInputElement).checked, e.shiftKey)} />
                    </td>
                  )}
                  <td>{typeof r.ts === 'string' ? showTime(r.ts) : ''}</td>
                  <td>{String(r.src_ip ?? '')}{r.src_port != null ? `:${String(r.src_port)}` : ''}</td>
                  <td>{String(r.dst_ip ?? '')}{r.dst_port != null ? `:${String(r.dst_port)}` : ''}</td>
                  <td>{String(r.proto ?? '')}{r.app_proto != null ? `/${String(r.app_proto)}` : ''}</td>
                  <td class="state"><TriageState history={triage.get(key) ?? []} /></td>
                  {canTriage && <td><TriageButtons alertKey={key} done={refresh} /></td>}
                  <td class="drill">
                    {uid !== null && <a href={sessionLink(uid, r.ts)} data-testid="alert-session">session</a>}
                    {uid !== null && role !== 'viewer' && <> <a href={href(`/api/sessions/${encodeURIComponent(uid)}/transcript`, { capture: capture })} data-testid="alert-transcript" download>transcript</a> <a href={href(`/api/sessions/${encodeURIComponent(uid)}/pcap`, { capture: capture })} data-testid="alert-pcap" download>pcap</a></>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next !== null && <button type="button" class="more" onClick={() => void more()}>More</button>}
    </div>
  );
}

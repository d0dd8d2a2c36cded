// Session detail: the session's counters and direction, then every record sharing its uid (TLS, HTTP, SMTP with
// its MIME tree, files, alerts, anomalies, joined log lines), the transcript and the pcap for analysts, and
// pivots by Community ID, SNI, JA4, sha256 and Message-ID.
import type { JSX } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { get, href, me } from '../api.js';
import { FileList } from '../parts/file-list.js';
import { MimeTree } from '../parts/mime-tree.js';
import { RecordFields, RecordTable } from '../parts/record-table.js';
import { Transcript } from '../parts/transcript.js';
import { Value } from '../parts/value.js';
import { mailLink, pivotLink, searchLink } from '../pivots.js';
import { showTime } from '../time.js';

type Row = Record<string, unknown>;

interface UidAnswer {
  uid: string;
  community_ids: string[];
  tables: Record<string, Row[]>;
  truncated: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en') : '–');

function Counters({ s }: { s: Row }): JSX.Element {
  const dir = str(s.direction);
  return (
    <div class="block summary" data-testid="counters">
      <p class="flow">
        <strong>{String(s.proto)}</strong> {String(s.src_ip)}{s.src_port !== null ? `:${String(s.src_port)}` : ''} → {String(s.dst_ip)}{s.dst_port !== null ? `:${String(s.dst_port)}` : ''}
        {str(s.app_proto) !== null && <span class="badge">{str(s.app_proto)}</span>}
        <span class="badge" title="against the home network given at ingest">{dir ?? 'direction unknown (no home net at ingest)'}</span>
        {str(s.state) !== null && <span class="badge" title="connection state">{str(s.state)}</span>}
      </p>
      <p class="muted">
        {typeof s.start_time === 'string' ? showTime(s.start_time) : ''} · {typeof s.duration === 'number' ? `${s.duration.toFixed(3)} s` : ''}
        {typeof s.vlan === 'number' ? ` · VLAN ${s.vlan}` : ''}{str(s.sensor) !== null ? ` · sensor ${str(s.sensor)}` : ''}
        {typeof s.missed_bytes === 'number' && s.missed_bytes > 0 ? ` · ${s.missed_bytes} bytes missed` : ''}
      </p>
      <table class="counters">
        <thead><tr><th /><th>packets</th><th>payload bytes</th><th>IP bytes</th><th>frame bytes</th></tr></thead>
        <tbody>
          <tr><th>client → server</th><td>{num(s.src_pkts)}</td><td>{num(s.src_bytes)}</td><td>{num(s.src_ip_bytes)}</td><td>{num(s.src_frame_bytes)}</td></tr>
          <tr><th>server → client</th><td>{num(s.dst_pkts)}</td><td>{num(s.dst_bytes)}</td><td>{num(s.dst_ip_bytes)}</td><td>{num(s.dst_frame_bytes)}</td></tr>
        </tbody>
      </table>
      {str(s.community_id) !== null && (
        <p>Community ID <a href={searchLink('sessions', 'community_id', str(s.community_id))} data-testid="pivot-community">{str(s.community_id)}</a></p>
      )}
    </div>
  );
}

function Tls({ t }: { t: Row }): JSX.Element {
  const sni = str(t.sni);
  const ja4 = str(t.ja4);
  return (
    <div class="record-card">
      <p>
        SNI {sni !== null ? <a href={pivotLink('sni', sni)} data-testid="pivot-sni">{sni}</a> : <span class="null">none</span>}
        {' · '}{str(t.version) ?? str(t.client_version) ?? ''}
        {ja4 !== null && <> · JA4 <a href={pivotLink('ja4', ja4)} data-testid="pivot-ja4">{ja4}</a></>}
      </p>
      <RecordFields row={t} skip={['uid', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'cipher_suites', 'extensions', 'signature_algorithms', 'supported_groups', 'ec_point_formats', 'capture_id']} />
    </div>
  );
}

function Smtp({ m, files }: { m: Row; files: Row[] }): JSX.Element {
  const mid = str(m.message_id);
  const fuids = Array.isArray(m.fuids) ? m.fuids : [];
  const mine = files.filter((f) => fuids.includes(f.fuid) || (mid !== null && f.message_id === mid));
  return (
    <div class="record-card" data-testid="smtp-message">
      <h4>{str(m.subject) ?? '(no subject)'}</h4>
      <dl class="record">
        <dt>from</dt><dd>{str(m.from) ?? ''} <span class="muted">envelope {str(m.mail_from) ?? ''}</span></dd>
        <dt>to</dt><dd><Value type="string" v={m.rcpt_to} /></dd>
        <dt>date</dt><dd>{str(m.date) ?? ''}</dd>
        <dt>message-id</dt>
        <dd>{mid !== null ? <><a href={pivotLink('message_id', mid)} data-testid="pivot-message-id">{mid}</a> · <a href={mailLink(mid)} data-testid="to-mail">mail view</a></> : <span class="null">–</span>}</dd>
        <dt>reply</dt><dd>{str(m.last_reply) ?? ''}</dd>
        <dt>size</dt><dd>{num(m.data_bytes)} bytes{m.starttls === true ? ' · STARTTLS (message encrypted)' : ''}</dd>
      </dl>
      <h5>MIME structure</h5>
      <MimeTree skeleton={str(m.skeleton)} />
      <h5>Attachments and parts</h5>
      <FileList files={mine} />
    </div>
  );
}

const KNOWN = new Set(['sessions', 'tls', 'http', 'smtp', 'files', 'alerts', 'anomalies', 'logs']);

/** `at`: the time of the record the view was opened from (the `t` of its URL), a hint for the server's lookup. */
export function Session({ uid, at = null }: { uid: string; at?: string | null }): JSX.Element {
  const [u, setU] = useState<UidAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  // the request as soon as the view opens (a layout effect), not after the next frame is painted
  useLayoutEffect(() => {
    setU(null);
    setError(null);
    get<UidAnswer>(`/api/uid/${encodeURIComponent(uid)}${at !== null && at !== '' ? `?t=${encodeURIComponent(at)}` : ''}`).then(setU, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [uid, at]);
  const analyst = me.value?.role !== 'viewer';
  const t = u?.tables ?? {};
  const session = t.sessions?.find((s) => s.uid === uid) ?? t.sessions?.[0];
  const files = t.files ?? [];
  const smtpFuids = new Set((t.smtp ?? []).flatMap((m) => (Array.isArray(m.fuids) ? m.fuids : [])));
  const otherFiles = files.filter((f) => !smtpFuids.has(f.fuid));
  const tcp = session === undefined || session.proto === 'tcp';
  // the session's own capture for its downloads (a uid two captures hold is refused without one)
  const own = typeof session?.capture_id === 'string' ? session.capture_id : null;
  return (
    <section class="session">
      <h2>Session <span class="mono">{uid}</span></h2>
      {analyst && (
        <p class="actions">
          <a class="button" data-testid="pcap" href={href(`/api/sessions/${encodeURIComponent(uid)}/pcap`, { capture: own })} download>pcap</a>
        </p>
      )}
      {error !== null && <p class="error" role="alert">{error}</p>}
      {u !== null && u.truncated.length > 0 && <p class="muted">Cut short: {u.truncated.join(', ')} (more records than shown).</p>}
      {session !== undefined && <Counters s={session} />}
      {(t.sessions?.length ?? 0) > 1 && (
        <div class="block"><h3>Sessions with the same Community ID <small>{t.sessions!.length}</small></h3><RecordTable rows={t.sessions!} columns={['start_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'sensor', 'vlan', 'uid']} /></div>
      )}
      {(t.tls?.length ?? 0) > 0 && <div class="block" data-testid="tls"><h3>TLS <small>{t.tls!.length}</small></h3>{t.tls!.map((r, i) => <Tls key={i} t={r} />)}</div>}
      {(t.http?.length ?? 0) > 0 && (
        <div class="block" data-testid="http"><h3>HTTP <small>{t.http!.length}</small></h3>
          <RecordTable rows={t.http!} columns={['ts', 'method', 'host', 'uri', 'status_code', 'user_agent', 'request_body_len', 'response_body_len']} />
        </div>
      )}
      {(t.smtp?.length ?? 0) > 0 && <div class="block"><h3>SMTP <small>{t.smtp!.length}</small></h3>{t.smtp!.map((m, i) => <Smtp key={i} m={m} files={files} />)}</div>}
      {otherFiles.length > 0 && <div class="block"><h3>Files <small>{otherFiles.length}</small></h3><FileList files={otherFiles} /></div>}
      {(t.alerts?.length ?? 0) > 0 && <div class="block" data-testid="alerts"><h3>Alerts <small>{t.alerts!.length}</small></h3><RecordTable rows={t.alerts!} columns={['ts', 'sid', 'msg', 'priority', 'src_ip', 'src_port', 'dst_ip', 'dst_port']} /></div>}
      {(t.anomalies?.length ?? 0) > 0 && <div class="block" data-testid="anomalies"><h3>Anomalies <small>{t.anomalies!.length}</small></h3><RecordTable rows={t.anomalies!} columns={['ts', 'name', 'detail']} /></div>}
      {(t.logs?.length ?? 0) > 0 && <div class="block"><h3>Log lines <small>{t.logs!.length}</small></h3><RecordTable rows={t.logs!} columns={['ts', 'host', 'program', 'pid', 'type', 'message']} /></div>}
      {Object.entries(t).filter(([k, rows]) => !KNOWN.has(k) && rows.length > 0).map(([k, rows]) => (
        <div key={k} class="block"><h3>{k} <small>{rows.length}</small></h3><RecordTable rows={rows} /></div>
      ))}
      {u !== null && tcp && (
        <div class="block"><h3>Transcript</h3>{analyst ? <Transcript uid={uid} capture={own} /> : <p class="muted">Transcripts are for analysts.</p>}</div>
      )}
    </section>
  );
}

// J3 Mail: the `mail` join as a page (GET /api/reports/mail?key=): per message its log lines in time order
// across programs, the SMTP transaction(s) on the wire and how each was joined, the MIME tree, and the
// attachments with hashes, real type, a mismatch badge and (analysts) the download. /mail?imap=<user>: the
// user's IMAP logins (dovecot's lines) joined to their IMAP sessions (GET /api/reports/mail?imap=).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { FileList } from '../parts/file-list.js';
import { MimeTree } from '../parts/mime-tree.js';
import { isoOfMicros, pivotLink, sessionLink } from '../pivots.js';
import { location, navigate } from '../route.js';
import { showTime } from '../time.js';

type Row = Record<string, unknown>;

interface LogLine {
  ts: number | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  type: string | null;
  message: string;
  source: string;
  line_no: number;
  fields: Record<string, unknown>;
}
interface Wire { join: string; smtp: Row | null; session: Row | null; files: Row[] }
interface Fetch {
  via: string; user: string | null; command: string | null; ts: number; uid: string; src_ip: string; src_port: number; dst_ip: string; dst_port: number;
  data_bytes: number; partial: boolean;
}
interface Message { queue_ids: string[]; message_ids: string[]; from: string | null; to: string[]; lines: LogLine[]; wire: Wire[]; fetches?: Fetch[] }
interface MailAnswer { key: string; kind: string; messages: Message[] }
interface ImapLogin {
  session_id: string | null; user: string | null; rip: string | null; lip: string | null; login: boolean; reason: string | null;
  lines: LogLine[]; join: string | null; session: Row | null; imap: Row[];
}
interface ImapAnswer { key: string; kind: string; logins: ImapLogin[] }

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const when = (v: unknown): string => (typeof v === 'number' ? showTime(isoOfMicros(v)) : typeof v === 'string' ? showTime(v) : '');

function Transaction({ w }: { w: Wire }): JSX.Element {
  const m = w.smtp;
  const s = w.session ?? m;
  const uid = str(s?.uid);
  return (
    <div class="record-card" data-testid="transaction">
      <p>
        {when(m?.ts ?? s?.start_time)} · {str(s?.src_ip)}:{str(s?.src_port)} → {str(s?.dst_ip)}:{str(s?.dst_port)}
        {' '}<span class="badge" title="how the capture was joined to the log lines">joined by {w.join}</span>
        {uid !== '' && <> · <a href={sessionLink(uid, s?.start_time ?? m?.ts)} data-testid="to-session">session {uid}</a></>}
      </p>
      {m === null ? <p class="muted">No message was transferred in this session.</p> : (
        <>
          <dl class="record">
            <dt>helo</dt><dd>{str(m.helo)}</dd>
            <dt>envelope</dt><dd>{str(m.mail_from)} → {Array.isArray(m.rcpt_to) ? m.rcpt_to.join(', ') : ''}</dd>
            <dt>from</dt><dd>{str(m.from)}</dd>
            <dt>subject</dt><dd>{str(m.subject)}</dd>
            <dt>message-id</dt><dd>{str(m.message_id)}</dd>
            <dt>reply</dt><dd>{str(m.last_reply)}</dd>
            {m.starttls === true && <><dt>TLS</dt><dd>STARTTLS: the message itself was encrypted</dd></>}
          </dl>
          <h5>MIME structure</h5>
          <MimeTree skeleton={typeof m.skeleton === 'string' ? m.skeleton : null} />
        </>
      )}
      <h5>Attachments and parts</h5>
      <FileList files={w.files} />
    </div>
  );
}

function MessageView({ m }: { m: Message }): JSX.Element {
  return (
    <article class="block mail-message" data-testid="mail-message">
      <h3>
        {m.queue_ids.length > 0 ? `queue ${m.queue_ids.join(' → ')}` : 'no queue id'}
        {m.message_ids.map((id) => <small key={id}> · <a href={pivotLink('message_id', `<${id.replace(/^<|>$/g, '')}>`)}>{id}</a></small>)}
      </h3>
      <p class="muted">from {m.from ?? '–'} to {m.to.join(', ') || '–'}</p>
      <h4>Log lines <small>{m.lines.length}</small></h4>
      <table class="results compact" data-testid="mail-lines" data-nav>
        <thead><tr><th>time</th><th>host</th><th>program</th><th>type</th><th>line</th></tr></thead>
        <tbody>
          {m.lines.map((l, i) => (
            <tr key={i} title={`${l.source}:${l.line_no}`} data-line={l.line_no}>
              <td>{when(l.ts)}</td><td>{str(l.host)}</td><td>{str(l.program)}{l.pid !== null ? `[${l.pid}]` : ''}</td><td>{str(l.type)}</td>
              <td class="wrap">{l.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>On the wire <small>{m.wire.length}</small></h4>
      {m.wire.length === 0 && <p class="muted">No captured transaction joins these lines.</p>}
      {m.wire.map((w, i) => <Transaction key={i} w={w} />)}
      {(m.fetches ?? []).length > 0 && <>
        <h4>Fetched from a mailbox <small>{m.fetches!.length}</small></h4>
        <ul data-testid="mail-fetches">
          {m.fetches!.map((f, i) => (
            <li key={i}>
              {when(f.ts)} · fetched by {f.user ?? '?'} via {f.via}{f.command !== null ? ` (${f.command})` : ''} · {f.src_ip}:{f.src_port} → {f.dst_ip}:{f.dst_port}
              {' '}· <a href={sessionLink(f.uid, f.ts)}>session {f.uid}</a> · {f.data_bytes} bytes{f.partial ? ' (partial)' : ''}
            </li>
          ))}
        </ul>
      </>}
    </article>
  );
}

function LogTable({ lines, testid }: { lines: LogLine[]; testid: string }): JSX.Element {
  return (
    <table class="results compact" data-testid={testid} data-nav>
      <thead><tr><th>time</th><th>host</th><th>program</th><th>type</th><th>line</th></tr></thead>
      <tbody>
        {lines.map((l, i) => (
          <tr key={i} title={`${l.source}:${l.line_no}`} data-line={l.line_no}>
            <td>{when(l.ts)}</td><td>{str(l.host)}</td><td>{str(l.program)}{l.pid !== null ? `[${l.pid}]` : ''}</td><td>{str(l.type)}</td>
            <td class="wrap">{l.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One dovecot login (or failed/aborted one) with its session's lines and the IMAP TCP session it was joined to. */
function ImapLoginView({ x }: { x: ImapLogin }): JSX.Element {
  const s = x.session;
  const uid = str(s?.uid);
  return (
    <article class="block mail-message" data-testid="imap-login">
      <h3>{x.login ? 'logged in' : x.reason ?? 'no login'} <small>· user {x.user ?? '–'} · {x.rip ?? '–'} → {x.lip ?? '–'}{x.session_id !== null ? ` · session ${x.session_id}` : ''}</small></h3>
      <h4>Log lines <small>{x.lines.length}</small></h4>
      <LogTable lines={x.lines} testid="imap-lines" />
      <h4>On the wire</h4>
      {s === null ? <p class="muted">No captured IMAP session joins these lines.</p> : (
        <div class="record-card" data-testid="imap-session">
          <p>
            {when(s.start_time)} · {str(s.src_ip)}:{str(s.src_port)} → {str(s.dst_ip)}:{str(s.dst_port)}
            {' '}<span class="badge" title="how the capture was joined to the log lines">joined by {x.join}</span>
            {uid !== '' && <> · <a href={sessionLink(uid, s.start_time)} data-testid="to-session">session {uid}</a></>}
          </p>
          <dl class="record">
            {x.imap.flatMap((c, i) => [<dt key={`t${i}`}>{str(c.command)}</dt>, <dd key={`d${i}`}>{str(c.user ?? c.arg)} → {str(c.status)} {str(c.reply_msg)}</dd>])}
          </dl>
        </div>
      )}
    </article>
  );
}

/** GET /api/reports/mail by one parameter (`key` for messages, `imap` for logins): the typed draft, the answer, the error. */
function useMailReport<T>(param: 'key' | 'imap', key: string): { draft: string; setDraft: (v: string) => void; a: T | null; error: string | null } {
  const [draft, setDraft] = useState(key);
  const [a, setA] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(key);
    setA(null);
    setError(null);
    if (key === '') return;
    get<T>('/api/reports/mail', { [param]: key }).then(setA, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [param, key]);
  return { draft, setDraft, a, error };
}

export function Mail(): JSX.Element {
  if (location.value.params.has('imap')) return <ImapLogins />;
  return <MailMessages />;
}

/** ?imap=<user | client address | dovecot session id>: the IMAP logins of the logs joined to their sessions. */
function ImapLogins(): JSX.Element {
  const key = location.value.params.get('imap') ?? '';
  const { draft, setDraft, a, error } = useMailReport<ImapAnswer>('imap', key);
  return (
    <section class="session mail">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); navigate('/mail', { imap: draft.trim() }); }}>
        <input name="imap" data-testid="imap-key" data-query placeholder="IMAP user, client address or dovecot session id" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <button type="submit">Find</button>
        <a href="/mail" class="muted">messages</a>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {a !== null && <p class="count">{a.logins.length} IMAP login{a.logins.length === 1 ? '' : 's'} for {a.kind} {a.key}</p>}
      {a?.logins.map((x, i) => <ImapLoginView key={i} x={x} />)}
    </section>
  );
}

function MailMessages(): JSX.Element {
  const key = location.value.params.get('key') ?? '';
  const { draft, setDraft, a, error } = useMailReport<MailAnswer>('key', key);
  return (
    <section class="session mail">
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); navigate('/mail', { key: draft.trim() }); }}>
        <input name="key" data-testid="mail-key" data-query placeholder="queue id, Message-ID or address" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <button type="submit">Find</button>
        <a href={`/mail?imap=${encodeURIComponent(draft.trim())}`} class="muted" data-testid="to-imap">IMAP logins</a>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {a !== null && <p class="count">{a.messages.length} message{a.messages.length === 1 ? '' : 's'} for {a.kind} {a.key}</p>}
      {a?.messages.map((m, i) => <MessageView key={i} m={m} />)}
    </section>
  );
}

// HTTP records (http and files rows) against what Zeek (http.log, file-analysis printouts), Suricata (EVE http
// and fileinfo events, filestore) and FoxIO's ja4.py (JA4H, from tshark's dissection of the request) assert for
// the same captures in the shared corpus. Every field of an expectation is either compared with its Haystack
// counterpart or listed in PEER_INTERNAL with the reason it has none; an unknown field fails the test. Where we
// deliberately differ, the (file, kind, field) is in test/known-differences.json; an entry's optional `check`
// names what is still verified about the difference (see Relaxed).
import { describe, expect, it } from 'vitest';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import { HttpQueue, type HttpRecords } from '../src/pipeline/http.js';
import type { FileRecord } from '../src/schema/files.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { corpusDir, readJson, knownDifferences, type KnownDifference as KnownDiff } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string;
  kind: string;
  format?: string;
  expect: Record<string, unknown>;
  source: string;
  test?: string;
  args?: string[];
}

/** What is still checked when a known difference applies (the peer's value derived from ours by its rule). */
type Relaxed =
  /** Zeek's version column is the reply's: theirs = the version of our record's response status line */
  | 'reply-version'
  /** ja4.py keeps the tuple of the stream's first HTTP packet, a response here: theirs = our tuple reversed */
  | 'reversed'
  /** both name a type of the same top-level media type (text/...) */
  | 'same-top-type'
  /** no http record, the connection is there, and the server refused the request line (400) */
  | 'rejected'
  /** no http record, and the client sent no byte in the connection (the capture starts after the request) */
  | 'no-request'
  /** theirs is the resource our 206 parts make up, placed by their Content-Range */
  | 'range-parts';


type KnownDifference = KnownDiff<Relaxed>;
const known = knownDifferences<Relaxed>();

/**
 * Expectation fields with no Haystack counterpart (peer bookkeeping, peer configuration, or something Haystack
 * does not produce). Keys are field names without an [i] index.
 */
const PEER_INTERNAL: Readonly<Record<string, string>> = {
  uid: 'Zeek: connection id from its random seed (rows are matched by endpoints and trans_depth instead)',
  tags: 'Zeek: its HTTP::Tags set of attack indicators (an empty placeholder enum in the base scripts); Haystack tags nothing',
  file: 'Zeek printout: "file #N", the file\'s number in the run (used here only to order the files)',
  stream: 'ja4.py: tshark\'s TCP stream index (used here only to group the requests of one connection)',
  stored: 'Suricata: whether its filestore (a per-test setting) wrote the file',
  flow_id: 'Suricata: its flow-table hash',
};

/** `file` expectations of captures whose files come from HTTP (the other `file` entries are SMTP's). */
const HTTP_FILE_CAPTURES = new Set([
  'pcap/zeek/http/post.pcap',
  'pcap/suricata-verify/http-range-file/input.pcap',
  'pcap/suricata-verify/filestore-v2.1-forced/suricata-update-pdf.pcap',
]);

/** HTTP/2 and HTTP/3 requests inside TLS/QUIC (tshark decrypted them with the keys the capture carries). */
const ENCRYPTED = (e: Entry): boolean => /^..(20|30)/.test(String(e.expect.JA4H ?? ''));

// ------------------------------------------------------------------------------------------------ our records

interface Web extends HttpRecords {
  /** the final response's status line (null: no response) */
  reply: string | null;
  /** the final response's headers */
  replyHeaders: [string, string][];
}

interface Observed {
  web: Web[];
  sessions: SessionRecord[];
}

async function run(path: string): Promise<Observed> {
  const web: Web[] = [];
  const sessions: SessionRecord[] = [];
  const replies: { reply: string | null; replyHeaders: [string, string][] }[] = [];
  const q = new HttpQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null }, (r) => {
    // the queue hands transactions over in the order they were pushed
    web.push({ ...r, ...replies[web.length]! });
  });
  const an = analysis({
    http: (t) => {
      replies.push({ reply: t.response?.line ?? null, replyHeaders: t.response?.headers ?? [] });
      q.push(t);
    },
  }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, session: (r) => void sessions.push(r), afterChunk: () => q.drain() }, an.options);
  await engine.run([path]);
  await q.drain();
  web.sort((a, b) => a.http.ts - b.http.ts || a.http.trans_depth - b.http.trans_depth);
  return { web, sessions };
}

const cache = new Map<string, Promise<Observed>>();

function observe(path: string): Promise<Observed> {
  let p = cache.get(path);
  if (p === undefined) cache.set(path, (p = run(path)));
  return p;
}

const normIp = (s: string): string => (s.includes(':') ? formatIpv6(parseIpv6(s)!) : s);
const port = (v: unknown): string => String(v).replace(/\/tcp$/, '');
/** The request's [name, value] pairs (the record keeps them as JSON text). */
const headersOf = (w: Web): [string, string][] => {
  const h = w.http.request_headers;
  return (typeof h === 'string' ? JSON.parse(h) : h ?? []) as [string, string][];
};
const requestHeader = (w: Web, name: string): string | null =>
  headersOf(w).filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).pop() ?? null;
const replyHeader = (w: Web, name: string): string | null =>
  w.replyHeaders.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).pop() ?? null;
/** "HTTP/1.1" -> "1.1" (Zeek's spelling). */
const bareVersion = (v: string | null | undefined): string | null => (v == null ? null : v.replace(/^HTTP\//, ''));
const filesOf = (w: Web, part: 'request' | 'response'): FileRecord[] => w.files.filter((f) => f.part_path === part);
const sessionOf = (o: Observed, a: [string, string], b: [string, string]): SessionRecord | undefined =>
  o.sessions.find((s) => s.proto === 'tcp' && ((s.src_ip === a[0] && String(s.src_port) === a[1] && s.dst_ip === b[0] && String(s.dst_port) === b[1]) ||
    (s.src_ip === b[0] && String(s.src_port) === b[1] && s.dst_ip === a[0] && String(s.dst_port) === a[1])));

/**
 * Bodies of 206 responses to the same request target of a connection, placed by their Content-Range
 * (`bytes first-last/complete`): the complete length when they cover it without a hole, else null.
 */
function assembled(parts: { w: Web; f: FileRecord }[]): number | null {
  let complete: number | null = null;
  const ranges: [number, number][] = [];
  for (const { w, f } of parts) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(replyHeader(w, 'content-range') ?? '');
    if (m === null || Number(m[2]) - Number(m[1]) + 1 !== f.size) return null;
    if (complete !== null && complete !== Number(m[3])) return null;
    complete = Number(m[3]);
    ranges.push([Number(m[1]), Number(m[2])]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [first, last] of ranges) {
    if (first > next) return null;
    next = Math.max(next, last + 1);
  }
  return next === complete ? complete : null;
}

// ------------------------------------------------------------------------------------------------ comparing

interface Cmp {
  field: string;
  ours: unknown;
  theirs: unknown;
  /** results of the relaxed checks this comparison supports */
  relaxed?: Partial<Record<Relaxed, boolean>>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const sameTopType = (ours: unknown, theirs: unknown): boolean =>
  typeof ours === 'string' && typeof theirs === 'string' && ours.split('/')[0] === theirs.split('/')[0];

/** Suricata's expectations are under `match`; the others are the row itself. */
const isSuricata = (e: Entry): boolean => e.format?.startsWith('suricata-eve') === true;
const isZeek = (e: Entry): boolean => e.format?.startsWith('zeek') === true;
const isJa4 = (e: Entry): boolean => e.format?.startsWith('ja4.py') === true;
const isFilestore = (e: Entry): boolean => e.format?.startsWith('suricata filestore') === true;

function flatExpect(e: Entry): Record<string, unknown> {
  return (isSuricata(e) ? e.expect.match : e.expect) as Record<string, unknown>;
}

function knownFor(e: Entry, field: string): KnownDifference | undefined {
  return known.find((k) => k.kind === e.kind && (k.file === e.file || k.file === '*') && (k.field === field || k.field === '*') &&
    (k.match === undefined || Object.entries(k.match).every(([f, v]) => same(flatExpect(e)[f], v))));
}

/** The failure of one comparison (null: it passes, or it is a known difference whose check holds). */
function verdict(e: Entry, c: Cmp): string | null {
  if (same(c.ours, c.theirs)) return null;
  const k = knownFor(e, c.field);
  const diff = `${c.field}: ours ${JSON.stringify(c.ours)}, theirs ${JSON.stringify(c.theirs)}`;
  if (k === undefined) return diff;
  if (k.check === undefined || c.relaxed?.[k.check] === true) return null;
  return `${diff} (a known difference, but its "${k.check}" check fails)`;
}

const failures = (e: Entry, cmps: Cmp[]): string[] => cmps.map((c) => verdict(e, c)).filter((f) => f !== null);

// ------------------------------------------------------------------------------------------------ Zeek

/** Zeek leaves `-` fields out of the expectation; sets and vectors are comma-separated, `(empty)` when empty. */
const zeekList = (v: string): string[] => (v === '(empty)' ? [] : v.split(','));

const ENDPOINT_KEYS = new Set(['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'orig_h', 'orig_p', 'resp_h', 'resp_p']);

/** Zeek's 4-tuple of a row. */
function zeekTuple(x: Record<string, unknown>): [[string, string], [string, string]] {
  const h = (a: string, b: string): string => normIp(String(x[a] ?? x[b]));
  return [[h('id.orig_h', 'orig_h'), port(x['id.orig_p'] ?? x.orig_p)], [h('id.resp_h', 'resp_h'), port(x['id.resp_p'] ?? x.resp_p)]];
}

function endpointCmps(x: Record<string, unknown>, w: Web): Cmp[] {
  const out: Cmp[] = [];
  const pairs: [string, string | number][] = [
    ['id.orig_h', w.http.src_ip], ['orig_h', w.http.src_ip], ['id.orig_p', w.http.src_port], ['orig_p', w.http.src_port],
    ['id.resp_h', w.http.dst_ip], ['resp_h', w.http.dst_ip], ['id.resp_p', w.http.dst_port], ['resp_p', w.http.dst_port],
  ];
  for (const [n, ours] of pairs) {
    if (x[n] === undefined) continue;
    out.push(n.endsWith('_h') ? { field: n, ours, theirs: normIp(String(x[n])) } : { field: n, ours: String(ours), theirs: port(x[n]) });
  }
  return out;
}

/** http.log columns we compare (value in Zeek's spelling from our record). */
const ZEEK_HTTP: Readonly<Record<string, (w: Web, v: string) => Omit<Cmp, 'field'>>> = {
  trans_depth: (w, v) => ({ ours: String(w.http.trans_depth), theirs: v }),
  method: (w, v) => ({ ours: w.http.method, theirs: v }),
  // Zeek records the Host header as sent, port included
  host: (w, v) => ({ ours: w.http.host, theirs: v }),
  uri: (w, v) => ({ ours: w.http.uri, theirs: v }),
  referrer: (w, v) => ({ ours: w.http.referer, theirs: v }),
  user_agent: (w, v) => ({ ours: w.http.user_agent, theirs: v }),
  origin: (w, v) => ({ ours: requestHeader(w, 'origin'), theirs: v }),
  version: (w, v) => ({ ours: bareVersion(w.http.version), theirs: v, relaxed: { 'reply-version': bareVersion(w.reply?.split(' ')[0] ?? w.http.version) === v } }),
  request_body_len: (w, v) => ({ ours: String(w.http.request_body_len), theirs: v }),
  response_body_len: (w, v) => ({ ours: String(w.http.response_body_len), theirs: v }),
  // no status line (an HTTP/0.9 response): Zeek writes 0 and an empty message, Haystack null
  status_code: (w, v) => ({ ours: String(w.http.status_code ?? 0), theirs: v }),
  status_msg: (w, v) => ({ ours: w.http.status_msg ?? (w.http.status_code === null ? '<empty>' : null), theirs: v }),
  // the last 1xx interim reply (100 Continue, 103 Early Hints) before the final one
  info_code: (w, v) => ({ ours: w.http.info_code === null ? null : String(w.http.info_code), theirs: v }),
  info_msg: (w, v) => ({ ours: w.http.info_msg, theirs: v }),
  // the strings are Zeek's random ids: the number of bodies with a files record is compared
  orig_fuids: (w, v) => ({ ours: w.http.request_fuids.length, theirs: zeekList(v).length }),
  resp_fuids: (w, v) => ({ ours: w.http.response_fuids.length, theirs: zeekList(v).length }),
  orig_mime_types: (w, v) => mimeTypes(filesOf(w, 'request'), v),
  resp_mime_types: (w, v) => mimeTypes(filesOf(w, 'response'), v),
  orig_filenames: (w, v) => ({ ours: filesOf(w, 'request').map((f) => f.filename).filter((n) => n !== null), theirs: zeekList(v) }),
  resp_filenames: (w, v) => ({ ours: filesOf(w, 'response').map((f) => f.filename).filter((n) => n !== null), theirs: zeekList(v) }),
};

function mimeTypes(files: FileRecord[], v: string): Omit<Cmp, 'field'> {
  const ours = files.map((f) => f.mime_type).filter((t) => t !== null);
  const theirs = zeekList(v);
  return { ours, theirs, relaxed: { 'same-top-type': ours.length === theirs.length && ours.every((t, i) => sameTopType(t, theirs[i])) } };
}

/** Fields Zeek would have logged when present (request headers, an interim reply): a row without them says there was none. */
const ZEEK_ABSENT: Readonly<Record<string, (w: Web) => string | null>> = {
  host: (w) => w.http.host,
  referrer: (w) => w.http.referer,
  user_agent: (w) => w.http.user_agent,
  origin: (w) => requestHeader(w, 'origin'),
  // every http.log row of the corpus has `-` here: no 1xx interim reply before a final one (tshark finds no 1xx
  // response in those captures either), so ours must be null; 100 and 103 themselves: test/gen-mail-http.test.ts
  info_code: (w) => (w.http.info_code === null ? null : String(w.http.info_code)),
  info_msg: (w) => w.http.info_msg,
};

/** files.log columns and printout fields of a body. */
function zeekFileCmps(x: Record<string, unknown>, w: Web, f: FileRecord): Cmp[] {
  const out: Cmp[] = [];
  for (const [k, v] of Object.entries(x)) {
    const t = String(v);
    switch (k) {
      case 'source': out.push({ field: k, ours: f.source.toUpperCase(), theirs: t }); break;
      case 'mime_type': out.push({ field: k, ours: f.mime_type, theirs: t, relaxed: { 'same-top-type': sameTopType(f.mime_type, t) } }); break;
      case 'filename': out.push({ field: k, ours: f.filename, theirs: t }); break;
      case 'seen_bytes': case 'total_bytes': out.push({ field: k, ours: String(f.size), theirs: t }); break;
      case 'missing_bytes': out.push({ field: k, ours: String(f.missing_bytes), theirs: t }); break;
      case 'md5': case 'sha1': case 'sha256': out.push({ field: k, ours: f[k], theirs: t }); break;
      default:
        if (!ENDPOINT_KEYS.has(k) && !(k in PEER_INTERNAL)) out.push({ field: k, ours: '(no counterpart)', theirs: t });
    }
  }
  return [...out, ...endpointCmps(x, w)];
}

const ZEEK_FILE_FIELDS = new Set(['source', 'mime_type', 'filename', 'seen_bytes', 'total_bytes', 'missing_bytes', 'md5', 'sha1', 'sha256']);

// ------------------------------------------------------------------------------------------------ ja4.py (JA4H)

/**
 * JA4H and JA4H_ro of our request. JA4H is the record's own `ja4h` (src/analyzers/http/ja4h.ts, computed before the
 * cookie values are redacted). JA4H_ro is rebuilt here from the record as FoxIO's ja4h.py builds it from tshark's
 * fields (method, version, cookie and referer flags, count of the other headers, first Accept-Language tag; the
 * header names in order; the cookie names; the cookie name=value pairs): the record keeps each cookie's value only
 * as its length, so the pairs part is compared with FoxIO's values replaced by their lengths; JA4H's hash of the sorted pairs
 * is what shows the values were read right.
 */
function ja4h(w: Web): { JA4H: string; JA4H_ro: string } {
  const headers = headersOf(w);
  const names = headers.map(([n]) => n);
  const cookieValues = headers.filter(([n]) => n.toLowerCase() === 'cookie').map(([, v]) => v);
  const kept = names.filter((n) => n !== '' && !n.startsWith(':') && !n.toLowerCase().startsWith('cookie') && n.toLowerCase() !== 'referer');
  const method = (w.http.method ?? '').toLowerCase().slice(0, 2);
  const version = (w.http.version ?? 'HTTP/1.1').split('/').pop()!.replace('.', '');
  const langValue = requestHeader(w, 'accept-language');
  const lang = langValue === null ? '0000'
    : langValue.replace(/-/g, '').replace(/;/g, ',').toLowerCase().split(',')[0]!.slice(0, 4).padEnd(4, '0');
  const a = `${method}${version}${cookieValues.length > 0 ? 'c' : 'n'}${names.some((n) => n.toLowerCase() === 'referer') ? 'r' : 'n'}` +
    `${String(Math.min(kept.length, 99)).padStart(2, '0')}${lang}`;
  // tshark gives one Cookie field as a string (split at ';'), several as a list (each kept whole)
  const items = cookieValues.length === 1 ? cookieValues[0]!.split(';') : cookieValues;
  const pairs = items.map((y) => [y.split('=')[0]!.trim(), y.trim()] as const);
  const has = cookieValues.length > 0;
  const JA4H_ro = `${a}_${kept.join(',')}_${has ? `${pairs.map((p) => p[0]).join(',')}_${pairs.map((p) => p[1]).join(',')}` : ''}`;
  return { JA4H: w.http.ja4h ?? '(none)', JA4H_ro };
}

/** FoxIO's JA4H_ro with each cookie value replaced by its length, as the record keeps it. */
function withheldCookieValues(ro: string): string {
  const parts = ro.split('_');
  if (parts.length < 4) return ro;
  const pairs = parts.slice(3).join('_').split(',').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? p : `${p.slice(0, eq)}=[redacted ${p.length - eq - 1} chars]`;
  });
  return [...parts.slice(0, 3), pairs.join(',')].join('_');
}

function ja4Cmps(x: Record<string, unknown>, w: Web): Cmp[] {
  const h = ja4h(w);
  const ours: Record<string, string> = {
    src: w.http.src_ip, srcport: String(w.http.src_port), dst: w.http.dst_ip, dstport: String(w.http.dst_port),
  };
  const swapped: Record<string, string> = { src: ours.dst!, srcport: ours.dstport!, dst: ours.src!, dstport: ours.srcport! };
  const out: Cmp[] = [];
  for (const [k, v] of Object.entries(x)) {
    if (k in ours) {
      const theirs = k === 'src' || k === 'dst' ? normIp(String(v)) : String(v);
      out.push({ field: k, ours: ours[k], theirs, relaxed: { reversed: swapped[k] === theirs } });
    } else if (k === 'JA4H') out.push({ field: k, ours: h[k], theirs: v });
    else if (k === 'JA4H_ro') out.push({ field: k, ours: h[k], theirs: withheldCookieValues(String(v)) });
    else if (!(k in PEER_INTERNAL)) out.push({ field: k, ours: '(no counterpart)', theirs: v });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ Suricata EVE

interface EveContext {
  w: Web;
  /** set for a fileinfo candidate: a body, or the 206 parts of one resource */
  files?: FileRecord[];
  /** the complete length of the resource the parts make up (null: they do not) */
  assembled?: number | null;
}

/** Suricata's hostname: the Host header's host, without the port, lower case (IPv6 literals keep brackets). */
function hostname(h: string | null): string | undefined {
  if (h === null) return undefined;
  const m = /^(\[[^\]]*\]|[^:]*)/.exec(h.trim())!;
  return m[1]!.toLowerCase();
}

/** Our value of a Suricata key (undefined when this record has none). */
const EVE: Readonly<Record<string, (c: EveContext) => unknown>> = {
  event_type: (c) => (c.files === undefined ? 'http' : 'fileinfo'),
  src_ip: (c) => c.w.http.src_ip,
  src_port: (c) => c.w.http.src_port,
  dest_ip: (c) => c.w.http.dst_ip,
  dest_port: (c) => c.w.http.dst_port,
  proto: () => 'TCP',
  app_proto: () => 'http',
  'http.hostname': (c) => hostname(c.w.http.host),
  'http.url': (c) => c.w.http.uri ?? undefined,
  'http.http_user_agent': (c) => c.w.http.user_agent ?? undefined,
  'http.http_method': (c) => c.w.http.method ?? undefined,
  'http.protocol': (c) => c.w.http.version ?? undefined,
  'http.http_refer': (c) => c.w.http.referer ?? undefined,
  'http.status': (c) => c.w.http.status_code ?? undefined,
  'http.length': (c) => c.w.http.response_body_len,
  'fileinfo.filename': (c) => c.files?.[0]?.filename ?? undefined,
  'fileinfo.size': (c) => (c.files === undefined ? undefined : c.files.length === 1 ? c.files[0]!.size : c.files.map((f) => f.size)),
  'fileinfo.md5': (c) => (c.files?.length === 1 ? c.files[0]!.md5 : undefined),
  'fileinfo.sha1': (c) => (c.files?.length === 1 ? c.files[0]!.sha1 : undefined),
  'fileinfo.sha256': (c) => (c.files?.length === 1 ? c.files[0]!.sha256 : undefined),
  'fileinfo.gaps': (c) => (c.files === undefined ? undefined : c.files.some((f) => f.missing_bytes > 0)),
};

function eveTheirs(k: string, v: unknown): unknown {
  return typeof v === 'string' && (k === 'src_ip' || k === 'dest_ip') ? normIp(v) : v;
}

/** Keys of a Suricata match that have no counterpart and are not listed. */
function eveUnmapped(match: Record<string, unknown>): string[] {
  const keys = Object.entries(match).flatMap(([k, v]) => (k === 'has-key' || k === 'not-has-key' ? [v].flat().map(String) : [k]));
  return keys.filter((k) => !(k in EVE) && !(k in PEER_INTERNAL));
}

/** The failures of one candidate against a Suricata match. */
function eveFailures(e: Entry, match: Record<string, unknown>, c: EveContext): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(match)) {
    if (k === 'has-key' || k === 'not-has-key') {
      for (const inner of [v].flat().map(String)) {
        if (inner in PEER_INTERNAL) continue;
        const present = EVE[inner]?.(c) !== undefined;
        if (present !== (k === 'has-key')) out.push(`${k} ${inner}: ours ${present ? 'present' : 'absent'}`);
      }
      continue;
    }
    if (k in PEER_INTERNAL) continue;
    const ours = EVE[k]?.(c);
    const theirs = eveTheirs(k, v);
    const fail = verdict(e, { field: k, ours, theirs, relaxed: { 'range-parts': c.assembled === theirs } });
    if (fail !== null) out.push(fail);
  }
  return out;
}

/** fileinfo candidates: each body, except that the 206 parts of one resource of a connection are one. */
function fileCandidates(o: Observed): EveContext[] {
  const out: EveContext[] = [];
  const parts = new Map<string, { w: Web; f: FileRecord }[]>();
  for (const w of o.web) {
    for (const f of w.files) {
      if (w.http.status_code === 206 && f.part_path === 'response') {
        const key = `${w.http.uid} ${w.http.host ?? ''} ${w.http.uri ?? ''}`;
        parts.set(key, [...(parts.get(key) ?? []), { w, f }]);
      } else out.push({ w, files: [f] });
    }
  }
  for (const l of parts.values()) out.push({ w: l[0]!.w, files: l.map((p) => p.f), assembled: assembled(l) });
  return out;
}

// ------------------------------------------------------------------------------------------------ tests

/** Fields of a Zeek or ja4.py expectation that have neither a comparison nor a PEER_INTERNAL reason. */
function unmapped(e: Entry): string[] {
  const handled = (k: string): boolean => {
    if (k in PEER_INTERNAL || ENDPOINT_KEYS.has(k)) return true;
    if (isJa4(e)) return ['src', 'dst', 'srcport', 'dstport', 'JA4H', 'JA4H_ro'].includes(k);
    if (isFilestore(e)) return k === 'sha256';
    if (e.kind === 'file') return ZEEK_FILE_FIELDS.has(k);
    return k in ZEEK_HTTP;
  };
  return Object.keys(e.expect).filter((k) => !handled(k));
}

describe.skipIf(corpus === null)('HTTP vs Zeek, Suricata EVE and ja4.py', () => {
  const dir = corpus!;
  const all = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries;
  const httpFiles = all.filter((e) => e.kind === 'file' && HTTP_FILE_CAPTURES.has(e.file));
  const entries = [...all.filter((e) => e.kind === 'http_request'), ...httpFiles];

  it('has the expectations', () => {
    expect(entries.filter((e) => e.kind === 'http_request').length).toBe(145);
    expect(httpFiles.map((e) => e.file).sort()).toEqual([
      'pcap/suricata-verify/filestore-v2.1-forced/suricata-update-pdf.pcap',
      'pcap/suricata-verify/filestore-v2.1-forced/suricata-update-pdf.pcap',
      'pcap/suricata-verify/http-range-file/input.pcap',
      'pcap/zeek/http/post.pcap',
      'pcap/zeek/http/post.pcap',
    ]);
    expect(entries.filter(isZeek).length).toBe(56);
    expect(entries.filter(isJa4).length).toBe(89);
    expect(entries.filter(isSuricata).length).toBe(4);
    expect(entries.filter(isFilestore).length).toBe(1);
    // every format is one this test reads
    expect(entries.every((e) => isZeek(e) || isJa4(e) || isSuricata(e) || isFilestore(e))).toBe(true);
  });

  it('lists only known differences of expectations that exist', () => {
    const mine = known.filter((k) => k.kind === 'http_request' || (k.kind === 'file' && httpFiles.some((e) => e.file === k.file)));
    expect(mine.length).toBeGreaterThan(0);
    for (const k of mine) {
      const hit = entries.some((e) => (k.file === '*' || e.file === k.file) && e.kind === k.kind &&
        (Object.keys(flatExpect(e)).includes(k.field) || k.field === 'record' || k.field === 'count' || (isZeek(e) && k.field in ZEEK_ABSENT)) &&
        (k.match === undefined || Object.entries(k.match).every(([f, v]) => same(flatExpect(e)[f], v))));
      expect(hit, `${k.file} ${k.kind} ${k.field}`).toBe(true);
    }
  });

  // ---------------------------------------------------------------------------------------- Zeek http.log
  entries.filter((e) => isZeek(e) && e.kind === 'http_request').forEach((e) => {
    const x = e.expect as Record<string, string>;
    it(`zeek http.log ${e.file} ${x['id.orig_h']}:${x['id.orig_p']} #${x.trans_depth} ${x.method ?? '-'} ${x.uri ?? '-'}`, async () => {
      expect(unmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const [a, b] = zeekTuple(x);
      const rows = o.web.filter((w) => w.http.src_ip === a[0] && String(w.http.src_port) === a[1] && w.http.dst_ip === b[0] &&
        String(w.http.dst_port) === b[1] && String(w.http.trans_depth) === x.trans_depth);
      if (rows.length === 0) {
        // no record of that transaction: the pseudo-field "record"
        const rejected = sessionOf(o, a, b) !== undefined && x.status_code === '400';
        const theirs = `a transaction (status ${x.status_code ?? '-'}, ${x.response_body_len ?? '-'} response bytes)`;
        expect(failures(e, [{ field: 'record', ours: 'none', theirs, relaxed: { rejected } }])).toEqual([]);
        return;
      }
      expect(rows.length, 'our http records of that transaction').toBe(1);
      const w = rows[0]!;
      const cmps: Cmp[] = [...endpointCmps(x, w)];
      for (const [k, v] of Object.entries(x)) {
        const f = ZEEK_HTTP[k];
        if (f !== undefined) cmps.push({ field: k, ...f(w, v) });
      }
      for (const [k, f] of Object.entries(ZEEK_ABSENT)) if (x[k] === undefined) cmps.push({ field: k, ours: f(w), theirs: null });
      expect(failures(e, cmps)).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------- Zeek file printouts
  // "file #N": the N-th body of the capture (request before response, transactions in order)
  entries.filter((e) => isZeek(e) && e.kind === 'file').forEach((e) => {
    const x = e.expect;
    const n = Number(/#(\d+)/.exec(String(x.file))?.[1] ?? NaN);
    it(`zeek file printout ${e.file} ${String(x.file)}`, async () => {
      expect(unmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const bodies = o.web.flatMap((w) => [...filesOf(w, 'request'), ...filesOf(w, 'response')].map((f) => ({ w, f })));
      const b = bodies[n];
      expect(b, `body ${n + 1} of the capture`).toBeDefined();
      expect(failures(e, zeekFileCmps(x, b!.w, b!.f))).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------- ja4.py JA4H
  // the k-th entry of a tshark stream is the k-th request of that connection
  const ja4 = entries.filter(isJa4);
  ja4.forEach((e) => {
    const x = e.expect;
    const k = ja4.filter((r) => r.file === e.file && r.expect.stream === x.stream).indexOf(e);
    const name = `ja4.py ${e.file} stream ${String(x.stream)} request ${k + 1}: ${String(x.JA4H)}`;
    if (ENCRYPTED(e)) {
      // HTTP/2 or HTTP/3 inside TLS/QUIC, which tshark decrypted with the keys the capture carries: Haystack
      // does not decrypt (not a goal), so what it must show is the encrypted session, and no HTTP/1 record
      it(`${name}: encrypted (tshark decrypted it with keys from the capture; Haystack does not)`, async () => {
        const o = await observe(`${dir}/${e.file}`);
        expect(o.web.filter((w) => w.http.dst_port === Number(x.dstport) || w.http.src_port === Number(x.srcport))).toEqual([]);
      });
      return;
    }
    it(name, async () => {
      expect(unmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const a: [string, string] = [normIp(String(x.src)), String(x.srcport)];
      const b: [string, string] = [normIp(String(x.dst)), String(x.dstport)];
      const conn = o.web.filter((w) => {
        const c: [string, string] = [w.http.src_ip, String(w.http.src_port)];
        const s: [string, string] = [w.http.dst_ip, String(w.http.dst_port)];
        return (same(c, a) && same(s, b)) || (same(c, b) && same(s, a));
      }).sort((p, q) => p.http.trans_depth - q.http.trans_depth);
      expect(conn[k], `request ${k + 1} of the connection`).toBeDefined();
      expect(failures(e, ja4Cmps(x, conn[k]!))).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------- Suricata
  entries.filter(isSuricata).forEach((e) => {
    const match = e.expect.match as Record<string, unknown>;
    const count = e.expect.count as number;
    it(`suricata ${e.kind} ${e.test ?? e.file}: ${Object.keys(match).join(', ')} x${count}`, async () => {
      expect(eveUnmapped(match), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const cands: EveContext[] = match.event_type === 'fileinfo' ? fileCandidates(o) : o.web.map((w) => ({ w }));
      const results = cands.map((c) => eveFailures(e, match, c));
      const hits = results.filter((r) => r.length === 0).length;
      if (hits === count) return;
      // no record at all where they have one: the pseudo-field "count"
      const port80 = (s: SessionRecord): boolean => s.proto === 'tcp' && (s.src_port === match.dest_port || s.dst_port === match.dest_port);
      const serverOnly = o.sessions.filter(port80).some((s) => (s.src_port === match.dest_port ? s.dst_bytes : s.src_bytes) === 0);
      const closest = [...results].sort((p, q) => p.length - q.length)[0] ?? ['(no records)'];
      expect(failures(e, [{ field: 'count', ours: hits, theirs: count, relaxed: { 'no-request': hits === 0 && o.web.length === 0 && serverOnly } }]),
        `records matching (closest other: ${closest.join('; ')})`).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------- Suricata filestore
  entries.filter(isFilestore).forEach((e) => {
    it(`suricata filestore ${e.test ?? e.file}: sha256 ${String(e.expect.sha256)}`, async () => {
      expect(unmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const ours = o.web.flatMap((w) => w.files.map((f) => f.sha256));
      // the file is stored under its sha256: one of our bodies has it
      const theirs = String(e.expect.sha256);
      expect(failures(e, [{ field: 'sha256', ours: ours.includes(theirs) ? theirs : ours, theirs }])).toEqual([]);
    });
  });
});

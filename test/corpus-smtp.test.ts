// SMTP records (envelope, headers, MIME parts) against what Suricata (EVE smtp and fileinfo events) and Zeek
// (smtp.log, files.log, file-analysis printouts, mime_content_hash events) assert for the same captures in the
// shared corpus. Every field of an expectation is either compared with its Haystack counterpart or listed in
// PEER_INTERNAL with the reason it has none; an unknown field fails the test. Where we deliberately differ, the
// (file, kind, field) is in test/known-differences.json; an entry's optional `check` names what is still
// verified about the difference (see Relaxed).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import { MailQueue, type MailRecords } from '../src/pipeline/mail.js';
import type { FileRecord } from '../src/schema/files.js';
import type { SmtpRecord } from '../src/schema/smtp.js';
import { corpusDir, readJson, knownDifferences, type KnownDifference as KnownDiff } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string;
  kind: string;
  format?: string;
  expect: Record<string, unknown>;
  source: string;
  test?: string;
  requires?: Record<string, string>;
}

/** What is still checked when a known difference applies (the peer's value derived from ours by the rule). */
type Relaxed =
  /** Zeek keeps the CRLF before a MIME boundary in the part: theirs = ours with that CRLF put back */
  | 'crlf'
  /** Suricata cuts file names at 255 bytes (RS_MIME_MAX_TOKEN_LEN): theirs = the first 255 bytes of ours */
  | 'prefix255'
  /** the same text apart from the whitespace left at header folds */
  | 'whitespace'
  /** theirs is the last line of our multi-line reply */
  | 'last-line'
  /** both name a type of the same top-level media type (text/...) */
  | 'same-top-type';


type KnownDifference = KnownDiff<Relaxed>;
const known = knownDifferences<Relaxed>();

/**
 * Expectation fields with no Haystack counterpart (peer bookkeeping, peer configuration, or something Haystack
 * does not produce). Keys are field names without an [i] index.
 */
const PEER_INTERNAL: Readonly<Record<string, string>> = {
  pcap_cnt: 'Suricata: number of the packet at which the record was written (moved in 8.0.7)',
  pkt_src: 'Suricata: what made it write the record (a wire packet or the flow timeout)',
  flow_id: 'Suricata: its flow-table hash',
  'fileinfo.stored': 'Suricata: whether its filestore (a per-test setting) wrote the file',
  'email.body_md5': 'Suricata: MD5 over its own line feed of the body (no contiguous range of the message bytes has it); Haystack keeps no body digest',
  'email.url': 'Suricata: URLs found in text bodies; Haystack does not extract URLs',
  uid: 'Zeek: connection id from its random seed (used here only to group the rows of one connection)',
  fuid: 'Zeek: file id from its random seed (used here only to link a file to its parent)',
  parent_fuid: 'Zeek: id of the containing file (used here only to find the whole-message file)',
  file: 'Zeek printout: "file #N", the file\'s number in the run (used here only to order the files)',
  path: 'Zeek: relay addresses it takes from the Received headers; Haystack keeps the Received headers themselves',
  depth: 'Zeek: its MIME entity counter',
  analyzers: 'Zeek: file analyzers it attached',
  duration: 'Zeek: time between a file\'s first and last chunk',
  local_orig: 'Zeek: Site::local_nets setting of the test',
  is_orig: 'Zeek: direction of the file data (the client, for every SMTP file)',
  overflow_bytes: 'Zeek: its reassembly buffer overflow',
  timedout: 'Zeek: its file-analysis inactivity timeout',
};

/** `file` expectations of captures whose files come from HTTP (checked in corpus-http.test.ts). */
const HTTP_FILE_CAPTURES = new Set([
  'pcap/zeek/http/post.pcap',
  'pcap/suricata-verify/http-range-file/input.pcap',
  'pcap/suricata-verify/filestore-v2.1-forced/suricata-update-pdf.pcap',
]);

/** Suricata 8.0.7 moved transaction completion to the server's reply; older-version twins are not checked. */
const SURICATA_BEFORE_807 = (e: Entry): boolean => e.requires?.['lt-version'] === '8.0.7';

// ------------------------------------------------------------------------------------------------ our records

interface Mail extends MailRecords {
  /** the message as sent (dot-stuffing undone); null for a session that switched to TLS */
  message: Uint8Array | null;
}

interface Observed {
  /** every leaf MIME part a files record (what Zeek's files.log counts) */
  all: Mail[];
  /** attachments, named and non-text parts only (closer to Suricata's fileinfo) */
  named: Mail[];
  anomalies: AnomalyEvent[];
}

async function run(path: string, allParts: boolean): Promise<{ mails: Mail[]; anomalies: AnomalyEvent[] }> {
  const mails: Mail[] = [];
  const anomalies: AnomalyEvent[] = [];
  const q = new MailQueue(
    { anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null, allParts },
    (r, m) => void mails.push({ ...r, message: m.data }),
  );
  const an = analysis({ smtp: q.push }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, anomaly: (a) => anomalies.push(a), afterChunk: () => q.drain() }, an.options);
  await engine.run([path]);
  await q.drain();
  mails.sort((a, b) => a.smtp.ts - b.smtp.ts || a.smtp.trans_depth - b.smtp.trans_depth);
  return { mails, anomalies };
}

const cache = new Map<string, Promise<Observed>>();

function observe(path: string): Promise<Observed> {
  let p = cache.get(path);
  if (p === undefined) {
    p = (async () => {
      const all = await run(path, true);
      const named = await run(path, false);
      return { all: all.mails, named: named.mails, anomalies: all.anomalies };
    })();
    cache.set(path, p);
  }
  return p;
}

/** The messages of each SMTP session, sessions in the order of their first message. */
function sessions(mails: Mail[]): Mail[][] {
  const by = new Map<string, Mail[]>();
  for (const m of mails) {
    let l = by.get(m.smtp.uid);
    if (l === undefined) by.set(m.smtp.uid, (l = []));
    l.push(m);
  }
  return [...by.values()].map((l) => l.sort((a, b) => a.smtp.trans_depth - b.smtp.trans_depth));
}

interface Leaf {
  mail: Mail;
  file: FileRecord;
  data: Uint8Array;
  /** the part is followed by a MIME boundary (the message is a multipart) */
  beforeBoundary: boolean;
}

/**
 * The leaf entities of a message, in document order, as Zeek's file analysis sees them: a message/rfc822 part
 * that was opened is not itself a leaf (its parts are), and uudecoded extras are not MIME entities.
 */
function leaves(m: Mail): Leaf[] {
  const paths = m.files.map((f) => f.part_path ?? '');
  const multipart = m.smtp.skeleton?.startsWith('Content-type: multipart/') === true;
  const out: Leaf[] = [];
  m.files.forEach((file, i) => {
    const p = paths[i]!;
    if (p.endsWith('.uu')) return;
    if (paths.some((o) => !o.endsWith('.uu') && o.startsWith(`${p}.`))) return;
    out.push({ mail: m, file, data: m.contents[i]!, beforeBoundary: multipart });
  });
  return out.sort((a, b) => comparePaths(a.file.part_path ?? '', b.file.part_path ?? ''));
}

function comparePaths(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const CRLF = Uint8Array.of(0x0d, 0x0a);
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const digest = (alg: string, b: Uint8Array | string): string => createHash(alg).update(b).digest('hex');
const normIp = (s: string): string => (s.includes(':') ? formatIpv6(parseIpv6(s)!) : s);
/** `<a@b>` -> `a@b` (Suricata prints the envelope as sent). */
const bare = (s: string): string => s.trim().replace(/^<(.*)>$/, '$1');
/** The address of one address-list item (`Name <a@b>`, `<a@b>`, `a@b`). */
const addressOf = (s: string): string => (/<([^>]*)>/.exec(s)?.[1] ?? s).trim();

// ------------------------------------------------------------------------------------------------ comparing

interface Cmp {
  field: string;
  ours: unknown;
  theirs: unknown;
  /** results of the relaxed checks this comparison supports */
  relaxed?: Partial<Record<Relaxed, boolean>>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The string-valued relaxed checks. */
function relaxText(ours: unknown, theirs: unknown): Partial<Record<Relaxed, boolean>> {
  if (typeof ours !== 'string' || typeof theirs !== 'string') return {};
  const lines = ours.split('\n');
  return {
    prefix255: theirs.length === 255 && ours.length > 255 && ours.startsWith(theirs),
    whitespace: ours.replace(/\s+/g, '') === theirs.replace(/\s+/g, ''),
    'last-line': lines[lines.length - 1] === theirs,
    'same-top-type': ours.split('/')[0] === theirs.split('/')[0],
  };
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

/** Suricata's expectations are under `match`; Zeek's are the row itself. */
function flatExpect(e: Entry): Record<string, unknown> {
  return (isSuricata(e) ? e.expect.match : e.expect) as Record<string, unknown>;
}

const isSuricata = (e: Entry): boolean => e.format?.startsWith('suricata-eve') === true;

// ------------------------------------------------------------------------------------------------ Suricata EVE

interface EveContext {
  mail: Mail;
  /** set for a fileinfo candidate */
  file?: FileRecord;
  anomalies: AnomalyEvent[];
}

/** Our value of a Suricata key, by key without its [i] (undefined when this record has none). */
const EVE: Readonly<Record<string, (c: EveContext, i: number) => unknown>> = {
  event_type: (c) => (c.file === undefined ? 'smtp' : 'fileinfo'),
  src_ip: (c) => c.mail.smtp.src_ip,
  src_port: (c) => c.mail.smtp.src_port,
  dest_ip: (c) => c.mail.smtp.dst_ip,
  dest_port: (c) => c.mail.smtp.dst_port,
  proto: () => 'TCP',
  app_proto: (c) => c.file?.source ?? 'smtp',
  // Suricata's SMTP transaction is one mail transaction, numbered from 0
  tx_id: (c) => c.mail.smtp.trans_depth - 1,
  'fileinfo.tx_id': (c) => (c.file === undefined ? undefined : c.mail.smtp.trans_depth - 1),
  'smtp.helo': (c) => c.mail.smtp.helo ?? undefined,
  'smtp.mail_from': (c) => c.mail.smtp.mail_from ?? undefined,
  'smtp.rcpt_to': (c, i) => c.mail.smtp.rcpt_to[i],
  'email.from': (c) => c.mail.smtp.from ?? undefined,
  'email.to': (c, i) => c.mail.smtp.to[i],
  'email.cc': (c, i) => c.mail.smtp.cc[i],
  'email.attachment': (c, i) => c.mail.files.filter((x) => x.filename !== null).map((x) => x.filename)[i],
  'email.received': (c, i) => c.mail.smtp.received[i],
  // Suricata hashes the Subject as sent; ours is RFC 2047 decoded (the same for plain ASCII)
  'email.subject_md5': (c) => (c.mail.smtp.subject === null ? undefined : digest('md5', c.mail.smtp.subject)),
  // the message was there and its MIME structure parsed without a problem
  'email.status': (c) => {
    const s = c.mail.smtp;
    if (c.mail.message === null || s.skeleton === null) return undefined;
    return c.anomalies.some((a) => a.uid === s.uid && a.name.startsWith('mime_')) ? 'PARSE_ERROR' : 'PARSE_DONE';
  },
  'fileinfo.filename': (c) => c.file?.filename ?? undefined,
  'fileinfo.size': (c) => c.file?.size,
  'fileinfo.md5': (c) => c.file?.md5,
  'fileinfo.sha1': (c) => c.file?.sha1,
  'fileinfo.sha256': (c) => c.file?.sha256,
  'fileinfo.gaps': (c) => (c.file === undefined ? undefined : c.file.missing_bytes > 0),
  'fileinfo.state': (c) => (c.file === undefined ? undefined
    : c.file.missing_bytes === 0 && c.mail.smtp.missing_bytes === 0 ? 'CLOSED' : 'TRUNCATED'),
};

/** Their value in our form. */
function eveTheirs(base: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (base === 'src_ip' || base === 'dest_ip') return normIp(v);
  if (base === 'smtp.mail_from' || base === 'smtp.rcpt_to') return bare(v);
  if (base === 'email.to' || base === 'email.cc') return addressOf(v);
  return v;
}

const splitKey = (k: string): [string, number] => {
  const m = /^(.*)\[(\d+)\]$/.exec(k);
  return m === null ? [k, 0] : [m[1]!, Number(m[2])];
};

/** Keys of a Suricata match that have no counterpart and are not listed. */
function eveUnmapped(match: Record<string, unknown>): string[] {
  const keys = Object.entries(match).flatMap(([k, v]) => (k === 'has-key' || k === 'not-has-key' ? [v].flat().map(String) : [k]));
  return keys.filter((k) => !(splitKey(k)[0] in EVE) && !(splitKey(k)[0] in PEER_INTERNAL));
}

/** The failures of one candidate record against a Suricata match. */
function eveFailures(e: Entry, match: Record<string, unknown>, c: EveContext): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(match)) {
    if (k === 'has-key' || k === 'not-has-key') {
      for (const inner of [v].flat().map(String)) {
        const [base, i] = splitKey(inner);
        if (base in PEER_INTERNAL) continue;
        const present = EVE[base]?.(c, i) !== undefined;
        if (present !== (k === 'has-key')) out.push(`${k} ${inner}: ours ${present ? 'present' : 'absent'}`);
      }
      continue;
    }
    const [base, i] = splitKey(k);
    if (base in PEER_INTERNAL) continue;
    const ours = EVE[base]?.(c, i);
    const theirs = eveTheirs(base, v);
    const fail = verdict(e, { field: k, ours, theirs, relaxed: relaxText(ours, theirs) });
    if (fail !== null) out.push(fail);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ Zeek

/** Zeek leaves `-` fields out of the expectation; sets are comma-separated, `(empty)` when empty. */
const zeekSet = (v: string): string[] => (v === '(empty)' ? [] : v.split(','));
const sorted = (l: string[]): string[] => [...l].sort();

function endpointCmps(x: Record<string, unknown>, s: SmtpRecord): Cmp[] {
  const port = (v: unknown): string => String(v).replace(/\/tcp$/, '');
  const out: Cmp[] = [];
  const pairs: [string[], string, number | string][] = [
    [['id.orig_h', 'orig_h'], 'ip', s.src_ip], [['id.orig_p', 'orig_p'], 'port', s.src_port],
    [['id.resp_h', 'resp_h'], 'ip', s.dst_ip], [['id.resp_p', 'resp_p'], 'port', s.dst_port],
  ];
  for (const [names, t, ours] of pairs) {
    for (const n of names) {
      if (x[n] === undefined) continue;
      out.push(t === 'ip' ? { field: n, ours, theirs: normIp(String(x[n])) } : { field: n, ours: String(ours), theirs: port(x[n]) });
    }
  }
  return out;
}

const ENDPOINT_KEYS = new Set(['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'orig_h', 'orig_p', 'resp_h', 'resp_p']);

/** smtp.log columns we compare (value in Zeek's spelling from our record). */
const ZEEK_SMTP: Readonly<Record<string, (m: Mail, v: string) => Omit<Cmp, 'field'>>> = {
  trans_depth: (m, v) => ({ ours: String(m.smtp.trans_depth), theirs: v }),
  helo: (m, v) => ({ ours: m.smtp.helo, theirs: v }),
  mailfrom: (m, v) => ({ ours: m.smtp.mail_from, theirs: v }),
  // set[string]: unordered
  rcptto: (m, v) => ({ ours: sorted(m.smtp.rcpt_to), theirs: sorted(zeekSet(v)) }),
  date: (m, v) => ({ ours: m.smtp.date, theirs: v }),
  from: (m, v) => ({ ours: m.smtp.from, theirs: v }),
  // set[string] of the header's items ("Name <a@b>"): compared as sets of addresses
  to: (m, v) => ({ ours: sorted(m.smtp.to), theirs: sorted(zeekSet(v).map(addressOf)) }),
  cc: (m, v) => ({ ours: sorted(m.smtp.cc), theirs: sorted(zeekSet(v).map(addressOf)) }),
  msg_id: (m, v) => ({ ours: m.smtp.message_id, theirs: v }),
  in_reply_to: (m, v) => ({ ours: m.smtp.in_reply_to, theirs: v }),
  subject: (m, v) => ({ ours: m.smtp.subject, theirs: v }),
  x_originating_ip: (m, v) => ({ ours: m.smtp.x_originating_ip, theirs: v }),
  // Zeek's first_received is the last Received header (the first hop), second_received the one above it
  first_received: (m, v) => ({ ours: m.smtp.received[m.smtp.received.length - 1], theirs: v }),
  second_received: (m, v) => ({ ours: m.smtp.received[m.smtp.received.length - 2], theirs: v }),
  last_reply: (m, v) => ({ ours: m.smtp.last_reply, theirs: v }),
  user_agent: (m, v) => ({ ours: m.smtp.user_agent, theirs: v }),
  tls: (m, v) => ({ ours: m.smtp.starttls ? 'T' : 'F', theirs: v }),
  // the strings are Zeek's; the count is the number of leaf entities that carried data (Zeek makes no file
  // of an empty body)
  fuids: (m, v) => {
    const l = leaves(m);
    const withData = l.filter((x) => x.data.length > 0).length;
    const theirs = zeekSet(v).length;
    // with the CRLF before each boundary counted, an empty part before a boundary has data too
    const crlf = withData + l.filter((x) => x.data.length === 0 && x.beforeBoundary).length;
    return { ours: withData, theirs, relaxed: { crlf: theirs === withData || theirs === crlf } };
  },
};

/** A file's hashes and size with the CRLF before its boundary put back (Zeek's count). */
function withCrlf(l: Leaf): { size: number; md5: string; sha1: string; sha256: string } | null {
  if (!l.beforeBoundary) return null;
  const b = concat([l.data, CRLF]);
  return { size: b.length, md5: digest('md5', b), sha1: digest('sha1', b), sha256: digest('sha256', b) };
}

/** files.log columns and printout fields of a leaf. */
function zeekFileCmps(x: Record<string, unknown>, l: Leaf): Cmp[] {
  const f = l.file;
  const alt = withCrlf(l);
  const out: Cmp[] = [];
  for (const [k, v] of Object.entries(x)) {
    const t = String(v);
    switch (k) {
      case 'source': out.push({ field: k, ours: f.source.toUpperCase(), theirs: t }); break;
      case 'mime_type': out.push({ field: k, ours: f.mime_type, theirs: t, relaxed: relaxText(f.mime_type, t) }); break;
      case 'filename': out.push({ field: k, ours: f.filename, theirs: t }); break;
      case 'seen_bytes': out.push({ field: k, ours: String(f.size), theirs: t, relaxed: { crlf: String(alt?.size) === t } }); break;
      case 'missing_bytes': out.push({ field: k, ours: String(f.missing_bytes), theirs: t }); break;
      case 'md5': case 'sha1': case 'sha256':
        out.push({ field: k, ours: f[k], theirs: t, relaxed: { crlf: alt?.[k] === t } });
        break;
      default:
        if (!ENDPOINT_KEYS.has(k) && !(k in PEER_INTERNAL)) out.push({ field: k, ours: '(no counterpart)', theirs: t });
    }
  }
  return [...out, ...endpointCmps(x, l.mail.smtp)];
}

/** A files.log row for the whole message (Zeek's rfc822 file analysis): our message content. */
function zeekMessageCmps(x: Record<string, unknown>, m: Mail): Cmp[] {
  const b = m.message ?? new Uint8Array(0);
  const out: Cmp[] = [];
  for (const [k, v] of Object.entries(x)) {
    const t = String(v);
    switch (k) {
      case 'source': out.push({ field: k, ours: 'SMTP', theirs: t }); break;
      // the DATA/BDAT content of an SMTP transaction is an RFC 5322 message
      case 'mime_type': out.push({ field: k, ours: m.message === null ? null : 'message/rfc822', theirs: t }); break;
      case 'seen_bytes': out.push({ field: k, ours: String(m.smtp.data_bytes), theirs: t }); break;
      case 'missing_bytes': out.push({ field: k, ours: String(m.smtp.missing_bytes), theirs: t }); break;
      case 'md5': case 'sha1': case 'sha256': out.push({ field: k, ours: digest(k, b), theirs: t }); break;
      default:
        if (!ENDPOINT_KEYS.has(k) && !(k in PEER_INTERNAL)) out.push({ field: k, ours: '(no counterpart)', theirs: t });
    }
  }
  return [...out, ...endpointCmps(x, m.smtp)];
}

/** Zeek's mime_content_hash: length and digest of all the message's entity data, in order. */
function contentHashCmps(x: Record<string, unknown>, m: Mail): Cmp[] {
  const l = leaves(m);
  const alg = x.event === 'mime_content_hash_sha256' ? 'sha256' : x.event === 'mime_content_hash' ? 'md5' : null;
  const len = l.reduce((n, p) => n + p.data.length, 0);
  const candidates = l.filter((p) => p.beforeBoundary).length;
  const theirLen = Number(x.content_len);
  const out: Cmp[] = [
    { field: 'event', ours: alg === null ? null : x.event, theirs: x.event },
    {
      field: 'content_len', ours: len, theirs: theirLen,
      relaxed: { crlf: (theirLen - len) % 2 === 0 && theirLen >= len && (theirLen - len) / 2 <= candidates },
    },
  ];
  if (alg !== null) {
    const ours = digest(alg, concat(l.map((p) => p.data)));
    // some set of the parts before a boundary carries its CRLF in Zeek's count (which ones depends on the
    // part's transfer encoding): try them all
    let crlf = false;
    if (l.length <= 12) {
      for (let mask = 0; mask < 1 << l.length && !crlf; mask++) {
        if (l.some((p, i) => (mask & (1 << i)) !== 0 && !p.beforeBoundary)) continue;
        crlf = digest(alg, concat(l.flatMap((p, i) => ((mask & (1 << i)) !== 0 ? [p.data, CRLF] : [p.data])))) === x.hash;
      }
    }
    out.push({ field: 'hash', ours, theirs: x.hash, relaxed: { crlf } });
  }
  return out;
}

/** Fields of a Zeek expectation that have neither a comparison nor a PEER_INTERNAL reason. */
function zeekUnmapped(e: Entry): string[] {
  const x = e.expect;
  const handled = (k: string): boolean => {
    if (k in PEER_INTERNAL || ENDPOINT_KEYS.has(k)) return true;
    if (e.kind === 'smtp_message') return k in ZEEK_SMTP;
    if (e.kind === 'smtp_message_body_hash') return ['event', 'content_len', 'hash'].includes(k);
    return ['source', 'mime_type', 'filename', 'seen_bytes', 'missing_bytes', 'md5', 'sha1', 'sha256'].includes(k);
  };
  return Object.keys(x).filter((k) => !handled(k));
}

// ------------------------------------------------------------------------------------------------ tests

describe.skipIf(corpus === null)('SMTP vs Suricata EVE and Zeek', () => {
  const dir = corpus!;
  const all = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries;
  const inScope = all.filter((e) => ['smtp_message', 'smtp_attachment', 'smtp_message_body_hash', 'file'].includes(e.kind));
  const http = inScope.filter((e) => e.kind === 'file' && HTTP_FILE_CAPTURES.has(e.file));
  const entries = inScope.filter((e) => !http.includes(e));
  const zeek = entries.filter((e) => !isSuricata(e));

  it('has the expectations', () => {
    expect(inScope.length).toBe(74);
    expect(http.length).toBe(5);
    expect(entries.filter(isSuricata).length).toBe(36);
    expect(zeek.length).toBe(33);
    // every Zeek format is one this test reads
    expect(new Set(zeek.map((e) => e.format?.split(';')[0]))).toEqual(new Set([
      'zeek log (TSV)', 'zeek file-analysis-test.zeek printout',
      'zeek mime_content_hash event: hash of the whole MIME entity content of the message',
    ]));
  });

  it('lists only known differences of expectations that exist', () => {
    const mine = known.filter((k) => ['smtp_message', 'smtp_attachment', 'smtp_message_body_hash', 'file'].includes(k.kind) &&
      !HTTP_FILE_CAPTURES.has(k.file));
    for (const k of mine) {
      const hit = entries.some((e) => (k.file === '*' || e.file === k.file) && e.kind === k.kind &&
        Object.keys(flatExpect(e)).includes(k.field));
      expect(hit, `${k.file} ${k.kind} ${k.field}`).toBe(true);
    }
  });

  // ---------------------------------------------------------------------------------------- Suricata
  entries.filter(isSuricata).forEach((e) => {
    const match = e.expect.match as Record<string, unknown>;
    const count = e.expect.count as number;
    const name = `suricata ${e.kind} ${e.test ?? e.file} [${all.indexOf(e)}]: ${Object.keys(match).filter((k) => !(splitKey(k)[0] in PEER_INTERNAL)).join(', ')} x${count}`;
    // expectations of Suricata before 8.0.7 describe that version's behaviour; each has a >= 8.0.7 twin,
    // which is the one checked here
    if (SURICATA_BEFORE_807(e)) return;
    it(name, async () => {
      expect(eveUnmapped(match), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      if (e.kind === 'file') expect(o.all.length, 'an SMTP capture').toBeGreaterThan(0);
      const cands: EveContext[] = match.event_type === 'fileinfo'
        ? o.named.flatMap((mail) => mail.files.map((file) => ({ mail, file, anomalies: o.anomalies })))
        : o.named.map((mail) => ({ mail, anomalies: o.anomalies }));
      const results = cands.map((c) => eveFailures(e, match, c));
      const hits = results.filter((r) => r.length === 0).length;
      const closest = [...results].sort((a, b) => a.length - b.length)[0] ?? ['(no records)'];
      expect(hits, `records matching (closest other: ${closest.join('; ')})`).toBe(count);
    });
  });

  // ---------------------------------------------------------------------------------------- Zeek smtp.log
  zeek.filter((e) => e.kind === 'smtp_message').forEach((e) => {
    const x = e.expect as Record<string, string>;
    it(`zeek smtp.log ${e.file} ${baselineOf(e)} ${x['id.orig_h']}:${x['id.orig_p']} #${x.trans_depth}`, async () => {
      expect(zeekUnmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
      const o = await observe(`${dir}/${e.file}`);
      const rows = o.all.filter((m) => m.smtp.src_ip === normIp(x['id.orig_h']!) && String(m.smtp.src_port) === x['id.orig_p'] &&
        m.smtp.dst_ip === normIp(x['id.resp_h']!) && String(m.smtp.dst_port) === x['id.resp_p'] && String(m.smtp.trans_depth) === x.trans_depth);
      expect(rows.length, 'our smtp records of that transaction').toBe(1);
      const m = rows[0]!;
      const cmps: Cmp[] = [...endpointCmps(x, m.smtp)];
      for (const [k, v] of Object.entries(x)) {
        const f = ZEEK_SMTP[k];
        if (f === undefined) continue;
        const c = f(m, v);
        cmps.push({ field: k, ...c, relaxed: { ...relaxText(c.ours, c.theirs), ...c.relaxed } });
      }
      expect(cmps.map((c) => verdict(e, c)).filter((f) => f !== null)).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------- Zeek files
  // Rows of one peer output (source) are the files in the order Zeek logged them; rows of one connection (uid)
  // are its leaf entities in document order; a row that is another row's parent is the whole message.
  const fileRows = zeek.filter((e) => e.kind === 'smtp_attachment' || e.kind === 'file');
  const bySource = new Map<string, Entry[]>();
  for (const e of fileRows) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  for (const group of bySource.values()) {
    const printout = group[0]!.format!.includes('printout');
    const ordered = printout ? [...group].sort((a, b) => fileNumber(a) - fileNumber(b)) : group;
    const parents = new Set(group.map((e) => e.expect.parent_fuid).filter((p) => p !== undefined));
    const uids = [...new Set(group.map((e) => String(e.expect.uid)))];
    ordered.forEach((e, n) => {
      const x = e.expect;
      const isMessage = x.fuid !== undefined && parents.has(x.fuid);
      const label = printout ? String(x.file) : `${n + 1}${isMessage ? ' (the message)' : ''}`;
      it(`zeek ${printout ? 'file printout' : 'files.log'} ${e.file} ${baselineOf(e)} row ${label}`, async () => {
        expect(zeekUnmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
        const o = await observe(`${dir}/${e.file}`);
        const sess = sessions(o.all);
        let cmps: Cmp[];
        if (printout) {
          // "file #N" over the whole run: the N-th leaf of the capture's SMTP sessions
          const l = sess.flatMap((s) => s.flatMap(leaves))[n];
          expect(l, `leaf ${n + 1} of the capture`).toBeDefined();
          cmps = zeekFileCmps(x, l!);
        } else {
          const s = x['id.orig_h'] !== undefined
            ? sess.find((ms) => ms[0]!.smtp.src_ip === normIp(String(x['id.orig_h'])) && String(ms[0]!.smtp.src_port) === String(x['id.orig_p']))
            : sess[uids.indexOf(String(x.uid))];
          expect(s, `our session for ${String(x.uid)}`).toBeDefined();
          if (isMessage) {
            expect(s!.length, 'one message in the session').toBe(1);
            cmps = zeekMessageCmps(x, s![0]!);
          } else {
            const k = ordered.filter((r) => r.expect.uid === x.uid && !(r.expect.fuid !== undefined && parents.has(r.expect.fuid))).indexOf(e);
            const l = s!.flatMap(leaves)[k];
            expect(l, `leaf ${k + 1} of the session`).toBeDefined();
            cmps = zeekFileCmps(x, l!);
          }
        }
        expect(cmps.map((c) => verdict(e, c)).filter((f) => f !== null)).toEqual([]);
      });
    });
  }

  // ---------------------------------------------------------------------------------------- Zeek content hash
  const hashRows = zeek.filter((e) => e.kind === 'smtp_message_body_hash');
  const hashSources = new Map<string, Entry[]>();
  for (const e of hashRows) hashSources.set(e.source, [...(hashSources.get(e.source) ?? []), e]);
  for (const group of hashSources.values()) {
    const uids = [...new Set(group.map((e) => String(e.expect.uid)))];
    group.forEach((e) => {
      const x = e.expect;
      // the k-th event of a kind on a connection is its k-th message
      const k = group.filter((r) => r.expect.uid === x.uid && r.expect.event === x.event).indexOf(e);
      it(`zeek ${String(x.event)} ${e.file} ${baselineOf(e)} connection ${uids.indexOf(String(x.uid)) + 1} message ${k + 1}`, async () => {
        expect(zeekUnmapped(e), 'fields with no counterpart and no PEER_INTERNAL reason').toEqual([]);
        const o = await observe(`${dir}/${e.file}`);
        const s = sessions(o.all)[uids.indexOf(String(x.uid))];
        expect(s?.[k], 'our message').toBeDefined();
        expect(contentHashCmps(x, s![k]!).map((c) => verdict(e, c)).filter((f) => f !== null)).toEqual([]);
      });
    });
  }
});

/** The peer test an expectation comes from (its baseline directory). */
function baselineOf(e: Entry): string {
  return e.source.split('/').slice(-2, -1)[0] ?? e.source;
}

function fileNumber(e: Entry): number {
  return Number(/#(\d+)/.exec(String(e.expect.file))?.[1] ?? NaN);
}

// Suricata EVE events back into our records: the pure half of `haystack import eve` (the importer reads the
// lines, assigns sensors and stores; this maps one parsed event).
//
// API:
//   eveToRecords(event: unknown): EveRow[]
//     event  one parsed EVE line (JSON.parse of the line)
//     return the rows it makes: [] for an event type with no table of ours (stats, netflow, quic, ...), else one
//            { table, record, extra }:
//              table   'sessions' (flow), 'alerts' (alert), 'tls' (tls, quic), 'http', 'smtp', 'files' (fileinfo), 'dns', 'anomalies'
//              record  a full row of that table's schema: every field present, in schema order, absent = null
//                      (also for scalar fields the schema calls non-nullable: EVE does not carry, e.g., payload
//                      bytes; the importer decides what to fill), absent lists that are never null = [] (an empty
//                      list is written as no key); timestamps as µs numbers, IPv6 in RFC 5952 text
//              extra   the event's keys that no field of ours holds (pcap_cnt, flow.reason, tcp.state,
//                      email.attachment, ...), nested as in the event; null when there are none
//     throws HaystackError HAYSTACK_LOG_FORMAT when the event is not an object with a string event_type and a
//            timestamp Suricata could have written (the importer keeps such a line as an anomaly)
//   uid: every event of one flow gets the same uid, made from its flow_id (`S` + 17 base62 digits: our uid's
//   length, a different first letter); null without a flow_id. A files row's fuid is made from the event.
//   DNS: Suricata writes a request and a response event per transaction (v2 and v3 both read); each is a row
//   (outcome `unanswered` for the request, `answered` for the response): merging them is the importer's choice.
import { setOwn } from '../../core/own.js';
import { HaystackError } from '../../core/errors.js';
import { opcodeName, rcodeName, typeName } from '../../analyzers/dns/dns-names.js';
import { Classifications } from '../../detect/classification.js';
import { keptRequestHeader } from '../../inspect/credentials.js';
import { ALERTS } from '../../schema/alerts.js';
import { ANOMALIES } from '../../schema/anomalies.js';
import { DNS } from '../../schema/dns.js';
import { FILES } from '../../schema/files.js';
import { HTTP } from '../../schema/http.js';
import type { RecordSchema } from '../../schema/schema.js';
import { SESSIONS } from '../../schema/sessions.js';
import { SMTP } from '../../schema/smtp.js';
import { TLS } from '../../schema/tls.js';
import { ourIp, ourProto, ourSerial, ourTlsVersion, parseEveCertTime, parseEveTime } from './eve-values.js';

/** One row an EVE event makes. */
export interface EveRow {
  readonly table: string;
  readonly record: Record<string, unknown>;
  /** event keys with no field of ours, nested as in the event; null when none are left */
  readonly extra: Record<string, unknown> | null;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads an event's values and remembers which it took; what is left is the row's extra. */
class Taken {
  private readonly used = new Set<string>();
  constructor(readonly ev: Obj) {}

  /** The value at a dotted path (a leaf: objects are taken whole), marked as taken when `mark`. */
  get(path: string, mark = true): unknown {
    let v: unknown = this.ev;
    for (const k of pathKeys(path)) {
      if (!isObj(v)) return undefined;
      v = v[k];
    }
    if (v !== undefined && mark) this.used.add(path);
    return v;
  }

  str(path: string): string | null {
    const v = this.get(path, false);
    if (typeof v !== 'string') return null;
    this.used.add(path);
    return v;
  }

  int(path: string): number | null {
    const v = this.get(path, false);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return null;
    this.used.add(path);
    return v;
  }

  bool(path: string): boolean | null {
    const v = this.get(path, false);
    if (typeof v !== 'boolean') return null;
    this.used.add(path);
    return v;
  }

  strs(path: string): string[] | null {
    const v = this.get(path, false);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return null;
    this.used.add(path);
    return v as string[];
  }

  ints(path: string): number[] | null {
    const v = this.get(path, false);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x))) return null;
    this.used.add(path);
    return v as number[];
  }

  /** Puts a taken path back (its value goes to extra). */
  untake(path: string): void {
    this.used.delete(path);
  }

  mark(path: string): void {
    if (this.get(path, false) !== undefined) this.used.add(path);
  }

  /** The values not taken, nested as in the event (null when none). */
  rest(): Obj | null {
    return this.walk(this.ev, '');
  }

  private walk(o: Obj, prefix: string): Obj | null {
    let out: Obj | null = null;
    for (const k of Object.keys(o)) {
      const v = o[k];
      const p = prefix === '' ? k : `${prefix}.${k}`;
      if (this.used.has(p)) continue;
      const r = isObj(v) ? this.walk(v, p) : v;
      if (r === null || r === undefined) continue;
      setOwn((out ??= {}), k, r);
    }
    return out;
  }
}

/** The keys of the dotted paths read (a few dozen literals of this file), split once. */
const PATH_KEYS = new Map<string, readonly string[]>();
function pathKeys(path: string): readonly string[] {
  let k = PATH_KEYS.get(path);
  if (k === undefined) PATH_KEYS.set(path, (k = path.split('.')));
  return k;
}

/**
 * A row of a schema with every field absent: null, and [] for a list that is never null (our records' empty list).
 * One object literal per schema, generated (new Function, names through JSON.stringify): a row is one allocation
 * with its final hidden class, where assigning the keys one by one cost 2 µs a line in `import eve`'s profile.
 */
function emptyRow(schema: RecordSchema): Obj {
  let make = EMPTY_ROWS.get(schema);
  if (make === undefined) {
    const props = schema.fields.map((f) => `${JSON.stringify(f.name)}: ${!f.nullable && (f.type === 'string[]' || f.type === 'int[]') ? '[]' : 'null'}`);
    make = new Function(`return () => ({${props.join(', ')}});`)() as () => Obj;
    EMPTY_ROWS.set(schema, make);
  }
  return make();
}

/** emptyRow's makers by schema (a handful of record schemas) */
const EMPTY_ROWS = new Map<RecordSchema, () => Obj>();

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Digits of an imported uid after its letter (ours: "C" + 17). */
const UID_DIGITS = 17;

/**
 * `S` + the flow_id in 17 base62 digits: the same for every event of the flow, never one of our `C` uids. A decimal
 * string is taken whole (Suricata's ids reach 2^63; JSON.parse rounds those above 2^53: an importer that keeps the
 * digits as text keeps them apart).
 */
export function uidOfFlowId(flowId: number | string): string {
  let n = typeof flowId === 'string' ? BigInt(flowId) : BigInt(Math.abs(Math.trunc(flowId)));
  if (n < 0n) n = -n;
  let s = '';
  for (let i = 0; i < UID_DIGITS; i++) {
    s = B62[Number(n % 62n)]! + s;
    n /= 62n;
  }
  return `S${s}`;
}

/** A files row's fuid: `F` + 17 base62 digits of a hash of the event's text (stable for the same line). */
function fuidOf(ev: Obj): string {
  const text = JSON.stringify(ev);
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let c = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const x = text.charCodeAt(i);
    a = Math.imul(a ^ x, 0x01000193) >>> 0;
    b = Math.imul(b ^ x, 0x5bd1e995) >>> 0;
    c = Math.imul(c + x, 0xc2b2ae35) >>> 0;
  }
  let s = '';
  for (const w of [a, b, c]) {
    let n = w;
    for (let i = 0; i < 6; i++) {
      s += B62[n % 62]!;
      n = Math.floor(n / 62);
    }
  }
  return `F${s.slice(0, UID_DIGITS)}`;
}

function bad(msg: string): never {
  throw new HaystackError('HAYSTACK_LOG_FORMAT', `EVE event: ${msg}`);
}

/** The keys every event may have that map to our endpoint fields. */
function endpoints(t: Taken, r: Obj): void {
  const sip = t.str('src_ip');
  const dip = t.str('dest_ip');
  r.src_ip = sip === null ? null : ourIp(sip);
  r.dst_ip = dip === null ? null : ourIp(dip);
  r.src_port = t.int('src_port');
  r.dst_port = t.int('dest_port');
}

function uidOf(t: Taken): string | null {
  const v = t.get('flow_id', false);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    t.mark('flow_id');
    return uidOfFlowId(v);
  }
  const id = t.int('flow_id');
  return id === null ? null : uidOfFlowId(id);
}

const unbracket = (s: string): string => s.replace(/^<(.*)>$/, '$1');

function flowRow(t: Taken, ts: number): Obj {
  const r = emptyRow(SESSIONS);
  r.uid = uidOf(t);
  endpoints(t, r);
  const proto = t.str('proto');
  r.proto = proto === null ? null : ourProto(proto);
  r.community_id = t.str('community_id');
  const start = parseEveTime(t.get('flow.start', false));
  const end = parseEveTime(t.get('flow.end', false));
  if (start !== null) t.mark('flow.start');
  if (end !== null) t.mark('flow.end');
  r.start_time = start ?? ts;
  r.end_time = end ?? ts;
  // an end before the start (an edited or broken line): the flow is kept as an instant, its end in extra
  if ((r.end_time as number) < (r.start_time as number)) {
    r.end_time = r.start_time;
    if (end !== null) t.untake('flow.end');
  }
  r.duration = ((r.end_time as number) - (r.start_time as number)) / 1e6;
  r.src_pkts = t.int('flow.pkts_toserver');
  r.dst_pkts = t.int('flow.pkts_toclient');
  r.src_frame_bytes = t.int('flow.bytes_toserver');
  r.dst_frame_bytes = t.int('flow.bytes_toclient');
  const app = t.get('app_proto', false);
  // "failed": Suricata tried and found no protocol; kept in extra
  if (typeof app === 'string' && app !== 'failed') r.app_proto = t.str('app_proto');
  const vlan = t.ints('vlan');
  if (vlan !== null && vlan.length > 0) r.vlan = vlan[0];
  // a VLAN stack keeps its inner ids in extra
  if (vlan !== null && vlan.length > 1) t.untake('vlan');
  const flags = (p: string): number | null => {
    const v = t.get(p, false);
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,2}$/.test(v)) return null;
    t.mark(p);
    return Number.parseInt(v, 16);
  };
  r.tcp_flags_src = flags('tcp.tcp_flags_ts');
  r.tcp_flags_dst = flags('tcp.tcp_flags_tc');
  if (r.tcp_flags_src !== null && r.tcp_flags_dst !== null) {
    // the OR of both and its named bits say nothing more
    for (const k of ['tcp_flags', 'syn', 'fin', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr']) t.mark(`tcp.${k}`);
  }
  return r;
}

const CLASSES = new Classifications();

function alertRow(t: Taken, ts: number): Obj {
  const r = emptyRow(ALERTS);
  r.ts = ts;
  r.uid = uidOf(t);
  r.community_id = t.str('community_id');
  endpoints(t, r);
  const proto = t.str('proto');
  r.proto = proto === null ? null : ourProto(proto);
  r.app_proto = t.str('app_proto');
  r.gid = t.int('alert.gid');
  r.sid = t.int('alert.signature_id');
  r.rev = t.int('alert.rev');
  r.msg = t.str('alert.signature');
  const cat = t.get('alert.category', false);
  if (cat === '') {
    t.mark('alert.category');
  } else if (typeof cat === 'string') {
    const name = CLASSES.nameOf(cat);
    if (name !== undefined) {
      r.classtype = name;
      t.mark('alert.category');
    }
  }
  r.priority = t.int('alert.severity');
  const action = t.get('alert.action', false);
  if (action === 'allowed' || action === 'blocked') {
    r.action = action === 'blocked' ? 'drop' : 'alert';
    t.mark('alert.action');
  }
  r.payload_excerpt = t.str('payload_printable');
  return r;
}

function tlsRow(t: Taken, ts: number): Obj {
  const r = emptyRow(TLS);
  r.ts = ts;
  r.uid = uidOf(t);
  endpoints(t, r);
  const proto = t.get('proto', false);
  const app = t.get('app_proto', false);
  r.transport = app === 'quic' ? 'quic' : typeof proto === 'string' && proto.toUpperCase() === 'UDP' ? 'udp' : 'tcp';
  t.mark('proto');
  if (app === 'tls' || app === 'quic') t.mark('app_proto');
  r.sni = t.str('tls.sni');
  const ver = (p: string): string | null => {
    const v = t.str(p);
    return v === null ? null : ourTlsVersion(v);
  };
  if (t.get('tls.client_handshake', false) !== undefined) {
    // our writer's shape (and Suricata 8's with client handshake logging): both sides named
    r.client_version = ver('tls.client_handshake.version');
    r.version = ver('tls.server_handshake.version');
    const v = t.get('tls.version', false);
    if (typeof v === 'string' && ourTlsVersion(v) === (r.version ?? r.client_version)) t.mark('tls.version');
  } else {
    // Suricata's default: the version the session ended up with
    r.version = ver('tls.version');
  }
  r.cipher_suites = t.ints('tls.client_handshake.ciphers') ?? r.cipher_suites;
  r.extensions = t.ints('tls.client_handshake.exts') ?? r.extensions;
  r.signature_algorithms = t.ints('tls.client_handshake.sig_algs') ?? r.signature_algorithms;
  r.cipher = t.int('tls.server_handshake.cipher');
  r.alpn = t.strs('tls.client_alpns') ?? r.alpn;
  const salpn = t.strs('tls.server_alpns');
  if (salpn !== null && salpn.length === 1) r.server_alpn = salpn[0];
  else if (salpn !== null) t.untake('tls.server_alpns');
  r.ja3 = t.str('tls.ja3.hash');
  r.ja3_string = t.str('tls.ja3.string');
  r.ja3s = t.str('tls.ja3s.hash');
  r.ja4 = t.str('tls.ja4');
  r.subject = t.str('tls.subject');
  r.issuer = t.str('tls.issuerdn');
  r.san = t.strs('tls.subjectaltname');
  const nb = parseEveCertTime(t.get('tls.notbefore', false));
  const na = parseEveCertTime(t.get('tls.notafter', false));
  if (nb !== null) t.mark('tls.notbefore');
  if (na !== null) t.mark('tls.notafter');
  r.not_before = nb;
  r.not_after = na;
  const fp = t.get('tls.fingerprint', false);
  if (typeof fp === 'string' && /^([0-9a-fA-F]{2}:){19}[0-9a-fA-F]{2}$/.test(fp)) {
    r.cert_sha1 = fp.replace(/:/g, '').toLowerCase();
    t.mark('tls.fingerprint');
  }
  const serial = t.str('tls.serial');
  r.cert_serial = serial === null ? null : ourSerial(serial);
  return r;
}

/** A `quic` event: the handshake's SNI and fingerprints (a tls row with transport quic). */
function quicRow(t: Taken, ts: number): Obj {
  const r = emptyRow(TLS);
  r.ts = ts;
  r.uid = uidOf(t);
  endpoints(t, r);
  r.transport = 'quic';
  t.mark('proto');
  if (t.get('app_proto', false) === 'quic') t.mark('app_proto');
  r.sni = t.str('quic.sni');
  r.ja3 = t.str('quic.ja3.hash');
  r.ja3_string = t.str('quic.ja3.string');
  r.ja3s = t.str('quic.ja3s.hash');
  r.ja4 = t.str('quic.ja4');
  return r;
}


function httpRow(t: Taken, ts: number): Obj {
  const r = emptyRow(HTTP);
  r.ts = ts;
  r.uid = uidOf(t);
  endpoints(t, r);
  t.mark('proto');
  if (t.get('app_proto', false) === 'http') t.mark('app_proto');
  const tx = t.int('tx_id');
  r.trans_depth = tx === null ? null : tx + 1;
  const host = t.str('http.hostname');
  const port = t.int('http.http_port');
  r.host = host === null ? null : port === null ? host : `${host}:${port}`;
  r.uri = t.str('http.url');
  r.method = t.str('http.http_method');
  r.version = t.str('http.protocol');
  r.user_agent = t.str('http.http_user_agent');
  r.referer = t.str('http.http_refer');
  r.status_code = t.int('http.status');
  r.response_body_len = t.int('http.length');
  const hs = t.get('http.request_headers', false);
  if (Array.isArray(hs) && hs.every((h) => isObj(h) && typeof h.name === 'string' && typeof h.value === 'string' && Object.keys(h).length === 2)) {
    // credentials and cookies kept as ingest keeps them (a value our own export wrote is that already)
    r.request_headers = JSON.stringify((hs as { name: string; value: string }[]).map((h) => [h.name, keptRequestHeader(h.name, h.value)]));
    t.mark('http.request_headers');
  }
  return r;
}

function smtpRow(t: Taken, ts: number): Obj {
  const r = emptyRow(SMTP);
  r.ts = ts;
  r.uid = uidOf(t);
  endpoints(t, r);
  t.mark('proto');
  if (t.get('app_proto', false) === 'smtp') t.mark('app_proto');
  const tx = t.int('tx_id');
  r.trans_depth = tx === null ? null : tx + 1;
  r.helo = t.str('smtp.helo');
  const from = t.str('smtp.mail_from');
  r.mail_from = from === null ? null : unbracket(from);
  r.rcpt_to = t.strs('smtp.rcpt_to')?.map(unbracket) ?? r.rcpt_to;
  r.from = t.str('email.from');
  r.to = t.strs('email.to')?.map(unbracket) ?? r.to;
  r.cc = t.strs('email.cc')?.map(unbracket) ?? r.cc;
  r.subject = t.str('email.subject');
  // the digest of the subject says nothing the subject does not
  if (r.subject !== null) t.mark('email.subject_md5');
  r.date = t.str('email.date');
  r.message_id = t.str('email.message_id');
  r.received = t.strs('email.received') ?? r.received;
  r.user_agent = t.str('email.x_mailer');
  return r;
}

function fileRow(t: Taken, ts: number): Obj {
  const r = emptyRow(FILES);
  r.fuid = fuidOf(t.ev);
  r.ts = ts;
  r.uid = uidOf(t);
  r.source = t.str('app_proto');
  r.filename = t.str('fileinfo.filename');
  r.size = t.int('fileinfo.size');
  const gaps = t.bool('fileinfo.gaps');
  // how much is missing is not in the event: 0 without gaps, unknown with
  r.missing_bytes = gaps === false ? 0 : null;
  r.md5 = t.str('fileinfo.md5');
  r.sha1 = t.str('fileinfo.sha1');
  r.sha256 = t.str('fileinfo.sha256');
  return r;
}

const OPCODE_MASK = 0xf;

/** Name -> number of DNS types and rcodes (their numbers' names: dns-names.ts; `TYPE65534` and `rcode-23` too). */
let typeNumbers: Map<string, number> | null = null;
let rcodeNumbers: Map<string, number> | null = null;
/** Types and rcodes named in dns-names.ts lie below this; higher ones are read from their generic names. */
const MAX_NAMED_CODE = 65536;
const MAX_RCODE = 4096;

function typeNumber(name: string): number | null {
  if (typeNumbers === null) {
    typeNumbers = new Map();
    for (let i = 0; i < MAX_NAMED_CODE; i++) typeNumbers.set(typeName(i), i);
  }
  return typeNumbers.get(name) ?? null;
}

function rcodeNumber(name: string): number | null {
  if (rcodeNumbers === null) {
    rcodeNumbers = new Map();
    for (let i = 0; i < MAX_RCODE; i++) rcodeNumbers.set(rcodeName(i), i);
  }
  return rcodeNumbers.get(name) ?? null;
}

function dnsRow(t: Taken, ts: number): Obj {
  const r = emptyRow(DNS);
  r.ts = ts;
  r.uid = uidOf(t);
  endpoints(t, r);
  const proto = t.str('proto');
  r.transport = proto === null ? null : ourProto(proto);
  if (t.get('app_proto', false) === 'dns') t.mark('app_proto');
  const type = t.get('dns.type', false);
  const response = type === 'response' || type === 'answer';
  if (type === 'request' || type === 'query' || response) t.mark('dns.type');
  t.mark('dns.version');
  r.outcome = response ? 'answered' : 'unanswered';
  r.trans_id = t.int('dns.id');
  const q = t.get('dns.queries', false) ?? t.get('dns.query', false);
  const qpath = t.get('dns.queries', false) !== undefined ? 'dns.queries' : 'dns.query';
  if (Array.isArray(q) && q.length === 1 && isObj(q[0]) && Object.keys(q[0]).every((k) => k === 'rrname' || k === 'rrtype')) {
    r.query = typeof q[0].rrname === 'string' ? q[0].rrname : null;
    r.qtype_name = typeof q[0].rrtype === 'string' ? q[0].rrtype : null;
    t.mark(qpath);
  } else {
    // version 2: the question at the top of the dns object
    r.query = t.str('dns.rrname');
    r.qtype_name = t.str('dns.rrtype');
  }
  r.qtype = r.qtype_name === null ? null : typeNumber(r.qtype_name as string);
  if (r.query !== null) {
    // EVE names no class: Suricata logs IN questions
    r.qclass = 1;
    r.qclass_name = 'IN';
  }
  const flags = t.get('dns.flags', false);
  if (typeof flags === 'string' && /^[0-9a-fA-F]{1,4}$/.test(flags)) {
    const f = Number.parseInt(flags, 16);
    t.mark('dns.flags');
    r.opcode = (f >> 11) & OPCODE_MASK;
    r.rd = (f & 0x100) !== 0;
    r.z = ((f & 0x40) !== 0 ? 4 : 0) | ((f & 0x20) !== 0 ? 2 : 0) | ((f & 0x10) !== 0 ? 1 : 0);
    r.ad = (f & 0x20) !== 0;
    r.cd = (f & 0x10) !== 0;
    if (response) {
      r.aa = (f & 0x400) !== 0;
      r.tc = (f & 0x200) !== 0;
      r.ra = (f & 0x80) !== 0;
    }
    // the flags word says what the booleans say
    for (const k of ['qr', 'aa', 'tc', 'rd', 'ra', 'z', 'opcode']) t.mark(`dns.${k}`);
  } else {
    r.opcode = t.int('dns.opcode');
    // absent (a version 2 query event carries no flags): left for the response it is paired with, else filled
    r.rd = t.bool('dns.rd');
    if (response) {
      r.aa = t.bool('dns.aa') ?? false;
      r.tc = t.bool('dns.tc') ?? false;
      r.ra = t.bool('dns.ra') ?? false;
    }
    t.mark('dns.qr');
  }
  // the opcode's name as ingest gives it (EVE writes the number only)
  if (typeof r.opcode === 'number') r.opcode_name = opcodeName(r.opcode);
  const rcode = t.str('dns.rcode');
  r.rcode_name = rcode;
  r.rcode = rcode === null ? null : rcodeNumber(rcode);
  const answers = t.get('dns.answers', false);
  if (Array.isArray(answers) && answers.every((a) => isObj(a) && typeof a.rdata === 'string' && Object.keys(a).every((k) => ['rrname', 'rrtype', 'ttl', 'rdata'].includes(k)))) {
    r.answers = (answers as Obj[]).map((a) => a.rdata);
    r.ttls = (answers as Obj[]).map((a) => (typeof a.ttl === 'number' ? a.ttl : 0));
    t.mark('dns.answers');
    // grouped repeats the answers by type
    t.mark('dns.grouped');
  }
  return r;
}

function anomalyRow(t: Taken, ts: number): Obj {
  const r = emptyRow(ANOMALIES);
  r.ts = ts;
  r.uid = uidOf(t);
  const ev = t.str('anomaly.event');
  r.name = ev === null ? null : ev.toLowerCase();
  return r;
}

const ROWS: Readonly<Record<string, { table: string; row: (t: Taken, ts: number) => Obj }>> = {
  flow: { table: 'sessions', row: flowRow },
  alert: { table: 'alerts', row: alertRow },
  tls: { table: 'tls', row: tlsRow },
  quic: { table: 'tls', row: quicRow },
  http: { table: 'http', row: httpRow },
  smtp: { table: 'smtp', row: smtpRow },
  fileinfo: { table: 'files', row: fileRow },
  dns: { table: 'dns', row: dnsRow },
  anomaly: { table: 'anomalies', row: anomalyRow },
};

/** The rows one EVE event makes (see the file header). */
export function eveToRecords(event: unknown): EveRow[] {
  if (!isObj(event)) bad('not a JSON object');
  const type = event.event_type;
  if (typeof type !== 'string') bad('no event_type');
  const ts = parseEveTime(event.timestamp);
  if (ts === null) bad(`event_type ${type}: no timestamp in Suricata's form`);
  // an own key only: an event_type of "constructor" or "__proto__" is not a table's
  const m = Object.hasOwn(ROWS, type) ? ROWS[type] : undefined;
  if (m === undefined) return [];
  const t = new Taken(event);
  t.mark('timestamp');
  t.mark('event_type');
  const record = m.row(t, ts);
  return [{ table: m.table, record, extra: t.rest() }];
}

// One rule's text to a Rule: the header, then the options in order, each keyword by its own small parser.
// A keyword we do not implement makes the rule "not loaded" with that keyword as the reason (never silently
// ignored); malformed text is a RuleSyntaxError with the column.
import { parseAddr, parsePorts, RuleSyntaxError } from './addresses.js';
import { TRANSFORMS } from './transforms.js';
import type { Classifications } from './classification.js';
import type {
  Action, BufferName, ContentMatch, Flowbit, FlowSpec, HeaderChecks, Match, Rule, RuleProto, Threshold,
} from './rule.js';

export interface ParseContext {
  vars: Readonly<Record<string, string>>;
  classifications: Classifications;
  file: string;
  line: number;
}

export type ParseResult =
  | { ok: true; rule: Rule }
  | { ok: false; sid: number | null; msg: string | null; keyword: string; reason: string };

const ACTIONS = new Set<Action>(['alert', 'log', 'pass', 'drop', 'reject', 'sdrop']);
const PROTOS = new Set<RuleProto>(['tcp', 'udp', 'icmp', 'ip', 'http', 'tls', 'quic', 'smtp', 'dns']);

/** `requires: feature X`: what Haystack has (a rule needing anything else is not loaded, as Suricata skips it) */
const FEATURES = new Set(['ja3', 'ja4', 'tls', 'http', 'smtp', 'quic', 'output::file-store']);

/** Snort http_* content modifiers -> buffers. */
const HTTP_MODIFIERS: Readonly<Record<string, BufferName>> = {
  http_method: 'http.method', http_uri: 'http.uri', http_raw_uri: 'http.uri.raw', http_header: 'http.header',
  http_raw_header: 'http.header.raw', http_cookie: 'http.cookie', http_raw_cookie: 'http.cookie', http_client_body: 'http.request_body',
  http_stat_code: 'http.stat_code', http_stat_msg: 'http.stat_msg', http_user_agent: 'http.user_agent',
  http_host: 'http.host', http_raw_host: 'http.host.raw', http_server_body: 'file.data',
};

/** Suricata sticky buffers (and Snort's file_data / pkt_data) -> buffers. */
const STICKY: Readonly<Record<string, BufferName>> = {
  'http.method': 'http.method', 'http.uri': 'http.uri', 'http.uri.raw': 'http.uri.raw',
  'http.header': 'http.header', 'http.header.raw': 'http.header.raw', 'http.cookie': 'http.cookie',
  'http.request_body': 'http.request_body', 'http.client_body': 'http.request_body',
  // Snort's file_data and Suricata's file.data are the HTTP response body there: one buffer, scanned once
  'http.response_body': 'file.data', 'http.stat_code': 'http.stat_code', 'http.stat_msg': 'http.stat_msg',
  'http.user_agent': 'http.user_agent', 'http.host': 'http.host', 'http.referer': 'http.referer',
  'http.content_type': 'http.content_type', 'tls.sni': 'tls.sni', tls_sni: 'tls.sni', 'ja3.hash': 'ja3.hash', ja3_hash: 'ja3.hash',
  'ja3s.hash': 'ja3s.hash', 'file.data': 'file.data', file_data: 'file.data', pkt_data: 'pkt',
  'ja3.string': 'ja3.string', ja3_string: 'ja3.string', 'ja4.hash': 'ja4.hash',
  'tls.cert_serial': 'tls.cert_serial', tls_cert_serial: 'tls.cert_serial', 'tls.cert_subject': 'tls.cert_subject',
  tls_cert_subject: 'tls.cert_subject', 'tls.cert_issuer': 'tls.cert_issuer', tls_cert_issuer: 'tls.cert_issuer',
  'tls.cert_fingerprint': 'tls.cert_fingerprint', tls_cert_fingerprint: 'tls.cert_fingerprint', 'tls.certs': 'tls.certs',
  'email.subject': 'email.subject', 'email.from': 'email.from', 'email.to': 'email.to', 'email.cc': 'email.cc',
  'email.date': 'email.date', 'email.message_id': 'email.message_id', 'email.x_mailer': 'email.x_mailer',
  'http.header_names': 'http.header_names', 'http.protocol': 'http.protocol', 'http.request_line': 'http.request_line',
  http_request_line: 'http.request_line', 'http.response_line': 'http.response_line', http_response_line: 'http.response_line',
  'http.accept': 'http.accept', http_accept: 'http.accept', 'http.accept_enc': 'http.accept_enc', http_accept_enc: 'http.accept_enc',
  'http.accept_lang': 'http.accept_lang', http_accept_lang: 'http.accept_lang', 'http.connection': 'http.connection',
  http_connection: 'http.connection', 'http.content_len': 'http.content_len', http_content_len: 'http.content_len',
  'http.host.raw': 'http.host.raw', 'http.server': 'http.server', http_server: 'http.server',
  'http.location': 'http.location', http_location: 'http.location', http_header_names: 'http.header_names',
  // Suricata's legacy sticky spellings (http_host, http_raw_host and http_user_agent are content modifiers)
  http_referer: 'http.referer', http_content_type: 'http.content_type',
  http_protocol: 'http.protocol', 'dns.query': 'dns.query', dns_query: 'dns.query',
};

/**
 * Bytes a content may have. The longest in the Snort community and ET Open files is ~150; a longer one is
 * refused (not loaded, keyword content) rather than carried: each occurrence tried costs its length.
 */
export const MAX_CONTENT_BYTES = 4096;

/**
 * Characters a pcre pattern may have (the longest in those files is ~640). V8 refuses to compile a pattern past
 * ~32,000 atoms ("too large") on its first use; a longer pattern is not loaded, and one over
 * EAGER_PCRE_CHARS is compiled at load so that V8's refusal is a reason there, never an error mid-capture.
 */
export const MAX_PCRE_CHARS = 8192;
const EAGER_PCRE_CHARS = 1024;

/** Keywords that only describe the rule (kept or ignored by design: they do not change what matches). */
const DESCRIPTIVE = new Set(['target', 'tag']);

interface State {
  rule: Rule;
  buffer: BufferName;
  last: ContentMatch | null;
  lastMatch: Match | null;
}

class Unsupported extends Error {
  constructor(readonly keyword: string, readonly reason: string) {
    super(reason);
  }
}

const unsupported = (keyword: string, why = 'not supported'): never => {
  throw new Unsupported(keyword, `${keyword}: ${why}`);
};

/** Splits the header at blanks, keeping bracketed lists (which may contain blanks) whole. */
function headerTokens(h: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of h) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (/\s/.test(c) && depth === 0) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += c.trim() === '' ? '' : c;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** The options text split into [keyword, value | null, column] (quotes and backslash escapes respected). */
function optionList(text: string, base: number): [string, string | null, number][] {
  const out: [string, string | null, number][] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let quoted = false;
    let cur = '';
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < text.length) {
        cur += c + text[i + 1]!;
        i++;
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (c === ';' && !quoted) break;
      cur += c;
    }
    if (quoted) throw new RuleSyntaxError('unterminated quoted string', base + start + 1);
    if (i >= text.length && cur.trim() !== '') throw new RuleSyntaxError(`option "${cur.trim().slice(0, 40)}" not ended by ";"`, base + start + 1);
    i++; // the ';'
    const colon = cur.indexOf(':');
    const key = (colon < 0 ? cur : cur.slice(0, colon)).trim();
    const value = colon < 0 ? null : cur.slice(colon + 1).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new RuleSyntaxError(`not an option keyword: "${key.slice(0, 40)}"`, base + start + 1);
    out.push([key, value, base + start + 1]);
  }
  return out;
}

/** A quoted option value without its quotes, escapes undone. */
function unquote(v: string, keyword: string): string {
  const t = v.trim();
  if (!t.startsWith('"') || !t.endsWith('"') || t.length < 2) throw new RuleSyntaxError(`${keyword} needs a quoted value`);
  return t.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** content text -> bytes: |41 42| hex runs, backslash escapes; characters above 0xff as UTF-8. */
export function contentBytes(s: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  const enc = new TextEncoder();
  while (i < s.length) {
    const c = s[i]!;
    if (c === '|') {
      const end = s.indexOf('|', i + 1);
      if (end < 0) throw new RuleSyntaxError('unterminated |hex| in content');
      const hex = s.slice(i + 1, end).replace(/\s+/g, '');
      if (!/^([0-9A-Fa-f]{2})*$/.test(hex)) throw new RuleSyntaxError(`bad hex in content: |${s.slice(i + 1, end)}|`);
      for (let k = 0; k < hex.length; k += 2) out.push(parseInt(hex.slice(k, k + 2), 16));
      i = end + 1;
      continue;
    }
    if (c === '\\' && i + 1 < s.length) {
      out.push(s.charCodeAt(i + 1) & 0xff);
      i += 2;
      continue;
    }
    const code = s.charCodeAt(i);
    if (code <= 0xff) out.push(code);
    else out.push(...enc.encode(c));
    i++;
  }
  return Uint8Array.from(out);
}

/** Keywords whose value may name a byte_extract variable in Snort (the rest take numbers only). */
const VARIABLE_VALUES = new Set(['offset', 'depth', 'distance', 'within', 'byte_test value', 'byte_test offset', 'byte_jump offset', 'isdataat']);

function int(v: string | null, keyword: string, min = -Infinity, max = Infinity): number {
  const t = (v ?? '').trim();
  if (!/^-?\d{1,10}$/.test(t)) {
    if (VARIABLE_VALUES.has(keyword) && /^[A-Za-z_]\w*$/.test(t)) return unsupported(keyword, `a byte_extract variable ("${t}") as its value is not supported`);
    throw new RuleSyntaxError(`${keyword} needs an integer, got "${t.slice(0, 40)}"`);
  }
  const n = Number(t);
  if (n < min || n > max) throw new RuleSyntaxError(`${keyword} ${n} out of range (${min} to ${max})`);
  return n;
}

function parseFlow(v: string): FlowSpec {
  const f: FlowSpec = { toServer: false, toClient: false, established: false, notEstablished: false, stateless: false, onlyStream: false, noStream: false };
  for (const raw of v.split(',')) {
    const w = raw.trim().toLowerCase();
    switch (w) {
      case 'to_server': case 'from_client': f.toServer = true; break;
      case 'to_client': case 'from_server': f.toClient = true; break;
      case 'established': f.established = true; break;
      case 'not_established': f.notEstablished = true; break;
      case 'stateless': f.stateless = true; break;
      case 'only_stream': f.onlyStream = true; break;
      case 'no_stream': f.noStream = true; break;
      case 'no_frag': case 'only_frag': return unsupported('flow', `flow:${w} is not supported`);
      default: throw new RuleSyntaxError(`unknown flow option "${w}"`);
    }
  }
  if (f.toServer && f.toClient) throw new RuleSyntaxError('flow cannot be both to_server and to_client');
  return f;
}

function parseThreshold(v: string, keyword: 'threshold' | 'detection_filter'): Threshold {
  const t: Partial<Threshold> = keyword === 'detection_filter' ? { type: 'detection_filter' } : {};
  for (const part of v.split(',')) {
    const [k, val] = part.trim().split(/\s+/);
    if (k === 'type' && (val === 'limit' || val === 'threshold' || val === 'both')) t.type = val;
    else if (k === 'track' && (val === 'by_src' || val === 'by_dst' || val === 'by_rule' || val === 'by_both')) t.track = val;
    else if (k === 'count') t.count = int(val ?? '', `${keyword} count`, 1);
    else if (k === 'seconds') t.seconds = int(val ?? '', `${keyword} seconds`, 1);
    else throw new RuleSyntaxError(`${keyword}: unknown "${part.trim()}"`);
  }
  if (t.type === undefined || t.track === undefined || t.count === undefined || t.seconds === undefined) {
    throw new RuleSyntaxError(`${keyword} needs ${keyword === 'threshold' ? 'type, ' : ''}track, count and seconds`);
  }
  return t as Threshold;
}

/** [<>]n, n<>m, n (dsize, urilen, bsize, itype, icode). */
function range(v: string, keyword: string): { op: '=' | '<' | '>' | '<>' | '<=' | '>='; lo: number; hi: number } {
  const t = v.split(',')[0]!.trim();
  let m = /^(\d+)\s*<>\s*(\d+)$/.exec(t);
  if (m !== null) return { op: '<>', lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(<=|>=|<|>|=)?\s*(\d+)$/.exec(t);
  if (m === null) throw new RuleSyntaxError(`${keyword}: not a size or range "${t}"`);
  const op = (m[1] ?? '=') as '=' | '<' | '>' | '<=' | '>=';
  return { op, lo: Number(m[2]), hi: Number(m[2]) };
}

/** PCRE's x flag: blanks and # comments outside character classes are not part of the pattern. */
function extended(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      out += c + p[++i]!;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') inClass = true;
    if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
      continue;
    }
    if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** PCRE constructs JavaScript would misread; the rule is not loaded rather than matched wrongly. */
const PCRE_UNSUPPORTED: [RegExp, string][] = [
  [/\\[AZzGKRhHvVQE]/, 'an escape JavaScript lacks (\\A \\Z \\z \\G \\K \\R \\h \\v \\Q)'],
  [/\(\?[imsxU-]+\)/, 'inline option flags'],
  [/\(\?>/, 'atomic groups'],
  [/[*+?}]\+/, 'possessive quantifiers'],
  [/\(\?P?</, 'named groups'],
  [/\(\?[#|]/, 'comments or branch reset groups'],
  [/\(\?\(/, 'conditional groups'],
  [/\[\[:/, 'POSIX classes'],
];

const PCRE_BUFFER_FLAGS: Readonly<Record<string, BufferName>> = {
  U: 'http.uri', I: 'http.uri.raw', P: 'http.request_body', H: 'http.header', D: 'http.header.raw', M: 'http.method',
  // K: the raw cookie; ours is the Cookie header's value as sent (no normalization to undo), so C and K agree
  C: 'http.cookie', K: 'http.cookie', S: 'http.stat_code', Y: 'http.stat_msg', B: 'raw',
};

function parsePcre(v: string, st: State): void {
  // backslashes stay: they are the regular expression's own escapes (\; and \" mean ; and " to PCRE too)
  let q = v.trim();
  let negated = false;
  if (q.startsWith('!')) {
    negated = true; // Snort writes the negation before the quotes
    q = q.slice(1).trim();
  }
  // Suricata's capture into variables: "/re/flags, flow:name"
  if (/^"!?\/[\s\S]*\/[A-Za-z]*\s*,\s*(flow|pkt|alert):\w+/.test(q)) unsupported('pcre', 'capturing into variables (", flow:name") is not supported');
  if (!q.startsWith('"') || !q.endsWith('"') || q.length < 2) throw new RuleSyntaxError('pcre needs a quoted value');
  let t = q.slice(1, -1);
  if (t.startsWith('!')) {
    negated = true;
    t = t.slice(1);
  }
  const m = /^\/(.*)\/([A-Za-z]*)$/s.exec(t);
  if (m === null) throw new RuleSyntaxError('pcre must be "/pattern/flags"');
  let pattern = m[1]!;
  let jsFlags = '';
  let relative = false;
  let buffer = st.buffer;
  for (const f of m[2]!) {
    if (f === 'i' || f === 's' || f === 'm') jsFlags += f;
    else if (f === 'x') pattern = extended(pattern);
    else if (f === 'R') relative = true;
    else if (f === 'O') continue; // override the pcre match limit: there is none here
    else if (f === 'E') pattern = pattern.replace(/\$$/, '(?![\\s\\S])');
    else if (f === 'A') pattern = `^(?:${pattern})`;
    else if (PCRE_BUFFER_FLAGS[f] !== undefined) buffer = PCRE_BUFFER_FLAGS[f]!;
    else unsupported('pcre', `flag "${f}" is not supported`);
  }
  if (pattern.length > MAX_PCRE_CHARS) unsupported('pcre', `a pattern of ${pattern.length} characters is over the ${MAX_PCRE_CHARS}-character limit`);
  for (const [re, what] of PCRE_UNSUPPORTED) if (re.test(pattern)) unsupported('pcre', `${what} in /${pattern.slice(0, 60)}/`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, `${jsFlags}g`.replace(/(.)(?=.*\1)/g, ''));
    // compiled now (V8 compiles on first use, where a refusal would be a crash)
    if (pattern.length > EAGER_PCRE_CHARS) re.exec('');
  } catch (e) {
    const why = (e as Error).message;
    return unsupported('pcre', `not a JavaScript regular expression (${why.length > 240 ? `${why.slice(0, 120)}...${why.slice(-80)}` : why})`);
  }
  const match: Match = { kind: 'pcre', buffer, re, negated, relative, source: t };
  st.rule.matches.push(match);
  st.lastMatch = match;
}

function bytesOpts(parts: string[], keyword: string): { relative: boolean; bigEndian: boolean; base: 8 | 10 | 16 | null; bitmask: number | null; rest: string[] } {
  let relative = false;
  let bigEndian = true;
  let string = false;
  let base: 8 | 10 | 16 = 10;
  let bitmask: number | null = null;
  const rest: string[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p === 'relative') relative = true;
    else if (p === 'big') bigEndian = true;
    else if (p === 'little') bigEndian = false;
    else if (p === 'string') string = true;
    else if (p === 'hex') base = 16;
    else if (p === 'dec') base = 10;
    else if (p === 'oct') base = 8;
    else if (p === 'dce') unsupported(keyword, 'dce is not supported');
    else if (p.startsWith('bitmask')) bitmask = Number(p.split(/\s+/)[1]);
    else rest.push(p);
  }
  if (bitmask !== null && !Number.isFinite(bitmask)) throw new RuleSyntaxError(`${keyword}: bad bitmask`);
  return { relative, bigEndian, base: string ? base : null, bitmask, rest };
}

/** The keyword parsers. */
const KEYWORDS: Readonly<Record<string, (st: State, v: string | null, kw: string) => void>> = {
  msg: (st, v) => void (st.rule.msg = unquote(v ?? '', 'msg')),
  sid: (st, v) => void (st.rule.sid = int(v, 'sid', 1)),
  gid: (st, v) => void (st.rule.gid = int(v, 'gid', 1)),
  rev: (st, v) => void (st.rule.rev = int(v, 'rev', 0)),
  priority: (st, v) => void (st.rule.priority = int(v, 'priority', 1)),
  classtype: (st, v) => void (st.rule.classtype = (v ?? '').trim()),
  reference: (st, v) => void st.rule.references.push((v ?? '').trim()),
  metadata: (st, v) => void st.rule.metadata.push((v ?? '').trim()),
  flow: (st, v) => void (st.rule.flow = parseFlow(v ?? '')),
  content: (st, v) => {
    let t = (v ?? '').trim();
    let negated = false;
    if (t.startsWith('!')) {
      negated = true;
      t = t.slice(1).trim();
    }
    if (!t.startsWith('"') || !t.endsWith('"') || t.length < 2) throw new RuleSyntaxError('content needs a quoted value');
    const bytes = contentBytes(t.slice(1, -1));
    if (bytes.length === 0) throw new RuleSyntaxError('empty content');
    if (bytes.length > MAX_CONTENT_BYTES) unsupported('content', `a content of ${bytes.length} bytes is over the ${MAX_CONTENT_BYTES}-byte limit`);
    const c: ContentMatch = {
      kind: 'content', buffer: st.buffer, bytes, negated, nocase: false, offset: null, depth: null, distance: null, within: null,
      startsWith: false, endsWith: false, fastPattern: false, border: NO_BORDER,
    };
    st.rule.matches.push(c);
    st.last = c;
    st.lastMatch = c;
  },
  uricontent: (st, v, kw) => {
    KEYWORDS.content!(st, v, kw);
    st.last!.buffer = 'http.uri';
  },
  nocase: (st) => void (need(st, 'nocase').nocase = true),
  rawbytes: (st) => void (need(st, 'rawbytes').buffer = 'raw'),
  offset: (st, v) => void (need(st, 'offset').offset = int(v, 'offset', -65535, 65535)),
  depth: (st, v) => void (need(st, 'depth').depth = int(v, 'depth', 1, 65535)),
  distance: (st, v) => void (need(st, 'distance').distance = int(v, 'distance', -65535, 65535)),
  within: (st, v) => void (need(st, 'within').within = int(v, 'within', 1, 65535)),
  startswith: (st) => void (need(st, 'startswith').startsWith = true),
  endswith: (st) => void (need(st, 'endswith').endsWith = true),
  fast_pattern: (st, v) => {
    const c = need(st, 'fast_pattern');
    if (v !== null && v.trim() !== 'only' && !/^\d+\s*,\s*\d+$/.test(v.trim())) throw new RuleSyntaxError(`fast_pattern: "${v}"`);
    c.fastPattern = true;
  },
  pcre: (st, v) => parsePcre(v ?? '', st),
  byte_test: (st, v) => {
    const parts = (v ?? '').split(',');
    if (parts.length < 4) throw new RuleSyntaxError('byte_test needs bytes, operator, value, offset');
    const o = bytesOpts(parts.slice(4), 'byte_test');
    let op = parts[1]!.trim();
    const negated = op.startsWith('!') && op.length > 1;
    if (negated) op = op.slice(1);
    if (!['<', '>', '=', '!', '&', '^', '<=', '>='].includes(op)) throw new RuleSyntaxError(`byte_test: operator "${parts[1]}"`);
    const value = parts[2]!.trim();
    const m: Match = {
      kind: 'byte_test', buffer: st.buffer, bytes: int(parts[0]!, 'byte_test bytes', 1, 10), op: op as '<', negated,
      value: /^0x/i.test(value) ? hex32(value) : int(value, 'byte_test value', 0, 2 ** 32 - 1),
      offset: int(parts[3]!, 'byte_test offset', -65535, 65535), relative: o.relative, bigEndian: o.bigEndian, base: o.base, bitmask: o.bitmask,
    };
    if (o.rest.length > 0) throw new RuleSyntaxError(`byte_test: unknown "${o.rest[0]}"`);
    st.rule.matches.push(m);
    st.lastMatch = m;
  },
  byte_jump: (st, v) => {
    const parts = (v ?? '').split(',');
    if (parts.length < 2) throw new RuleSyntaxError('byte_jump needs bytes and offset');
    const o = bytesOpts(parts.slice(2), 'byte_jump');
    let multiplier = 1;
    let align = false;
    let fromBeginning = false;
    let postOffset = 0;
    for (const p of o.rest) {
      if (p === 'align') align = true;
      else if (p === 'from_beginning') fromBeginning = true;
      else if (p.startsWith('multiplier')) multiplier = int(p.split(/\s+/)[1] ?? '', 'byte_jump multiplier', 1);
      else if (p.startsWith('post_offset')) postOffset = int(p.split(/\s+/)[1] ?? '', 'byte_jump post_offset', -65535, 65535);
      else if (p === 'from_end') unsupported('byte_jump', 'from_end is not supported');
      else throw new RuleSyntaxError(`byte_jump: unknown "${p}"`);
    }
    const m: Match = {
      kind: 'byte_jump', buffer: st.buffer, bytes: int(parts[0]!, 'byte_jump bytes', 1, 10), offset: int(parts[1]!, 'byte_jump offset', -65535, 65535),
      relative: o.relative, bigEndian: o.bigEndian, base: o.base, multiplier, align, fromBeginning, postOffset, bitmask: o.bitmask,
    };
    st.rule.matches.push(m);
    st.lastMatch = m;
  },
  isdataat: (st, v) => {
    const parts = (v ?? '').split(',').map((x) => x.trim());
    let first = parts[0] ?? '';
    const negated = first.startsWith('!');
    if (negated) first = first.slice(1);
    const m: Match = { kind: 'isdataat', buffer: parts.includes('rawbytes') ? 'raw' : st.buffer, offset: int(first, 'isdataat', 0, 65535), relative: parts.includes('relative'), negated };
    st.rule.matches.push(m);
    st.lastMatch = m;
  },
  dsize: (st, v) => void st.rule.matches.push({ kind: 'size', buffer: 'pkt', ...range(v ?? '', 'dsize') }),
  urilen: (st, v) => {
    const parts = (v ?? '').split(',').map((x) => x.trim());
    st.rule.matches.push({ kind: 'size', buffer: parts[1] === 'raw' ? 'http.uri.raw' : 'http.uri', ...range(parts[0] ?? '', 'urilen') });
  },
  bsize: (st, v) => void st.rule.matches.push({ kind: 'size', buffer: st.buffer, ...range(v ?? '', 'bsize') }),
  flowbits: (st, v) => {
    const [opRaw, names] = (v ?? '').split(',').map((x) => x.trim());
    const op = opRaw as Flowbit['op'];
    if (!['set', 'unset', 'isset', 'isnotset', 'toggle', 'noalert'].includes(op)) throw new RuleSyntaxError(`flowbits: "${opRaw}"`);
    if (op !== 'noalert' && (names === undefined || names === '')) throw new RuleSyntaxError(`flowbits:${op} needs a name`);
    const mode = names?.includes('|') === true ? 'any' : 'all';
    st.rule.flowbits.push({ op, names: names === undefined ? [] : names.split(/[|&]/).map((x) => x.trim()), mode });
  },
  // Suricata's noalert: the rule only sets flowbits (Snort: flowbits:noalert)
  noalert: (st) => void st.rule.flowbits.push({ op: 'noalert', names: [], mode: 'all' }),
  threshold: (st, v) => void (st.rule.threshold = parseThreshold(v ?? '', 'threshold')),
  detection_filter: (st, v) => void (st.rule.detectionFilter = parseThreshold(v ?? '', 'detection_filter')),
  flags: (st, v) => {
    const [spec, mask] = (v ?? '').split(',').map((x) => x.trim());
    // the modifier may come first (Snort's manual) or last (as many rules write it: "S+")
    const m = /^([!*+])?([FSRPAUCE012]+)([!*+])?$/.exec(spec ?? '');
    if (m === null || (m[1] !== undefined && m[3] !== undefined)) throw new RuleSyntaxError(`flags: "${v}"`);
    const mod = m[1] ?? m[3];
    st.rule.header.flags = {
      mode: mod === '!' ? 'not' : mod === '*' ? 'any' : mod === '+' ? 'all' : 'exact', flags: tcpFlags(m[2]!), ignore: mask === undefined ? 0 : tcpFlags(mask),
    };
  },
  ip_proto: (st, v) => {
    const m = /^([!<>])?\s*(\d{1,3})$/.exec((v ?? '').trim());
    if (m === null) return unsupported('ip_proto', `protocol names ("${v}") are not supported`);
    st.rule.header.ipProto = { op: (m[1] ?? '=') as '=', value: Number(m[2]) };
  },
  itype: (st, v) => void (st.rule.header.itype = range(v ?? '', 'itype') as HeaderChecks['itype']),
  icode: (st, v) => void (st.rule.header.icode = range(v ?? '', 'icode') as HeaderChecks['icode']),
  sameip: (st) => void (st.rule.header.sameip = true),
  // Suricata's spelling of flags
  'tcp.flags': (st, v, kw) => KEYWORDS.flags!(st, v, kw),
  // Suricata 8: a pass rule that is also alerted on
  alert: (st) => {
    if (st.rule.action !== 'pass') throw new RuleSyntaxError('alert: only a pass rule takes it');
    st.rule.alsoAlert = true;
  },
  requires: (_st, v) => {
    for (const item of (v ?? '').split(',')) {
      const m = /^\s*(\w+)\s+(.*?)\s*$/.exec(item);
      if (m === null) throw new RuleSyntaxError(`requires: "${item.trim()}"`);
      if (m[1] === 'feature' && !FEATURES.has(m[2]!)) unsupported('requires', `feature "${m[2]}" is not available here`);
      // version requirements are about Suricata's releases: the keywords a rule uses are checked one by one
    }
  },
};

/** 0x followed by 1 to 8 hex digits (a byte_test reads at most 4 bytes as a number). */
function hex32(v: string): number {
  if (!/^0x[0-9A-Fa-f]{1,8}$/.test(v)) throw new RuleSyntaxError(`byte_test value: not a number of at most 32 bits "${v.slice(0, 40)}"`);
  return parseInt(v, 16);
}

function need(st: State, keyword: string): ContentMatch {
  if (st.last === null) throw new RuleSyntaxError(`${keyword} has no content before it`);
  return st.last;
}

function tcpFlags(s: string): number {
  const bits: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80, '1': 0x80, '2': 0x40, '0': 0 };
  let n = 0;
  for (const c of s) {
    if (bits[c] === undefined) throw new RuleSyntaxError(`flags: unknown flag "${c}"`);
    n |= bits[c];
  }
  return n;
}

/** Parses one rule (without a leading `#`). */
export function parseRule(text: string, ctx: ParseContext): ParseResult {
  const open = text.indexOf('(');
  if (open < 0 || !text.trimEnd().endsWith(')')) throw new RuleSyntaxError('a rule is "header (options)"', open < 0 ? 1 : text.length);
  const h = headerTokens(text.slice(0, open));
  if (h.length !== 7) throw new RuleSyntaxError(`the header needs 7 parts (action proto src sport -> dst dport), got ${h.length}`, 1);
  const [action, proto, src, sport, dir, dst, dport] = h as [string, string, string, string, string, string, string];
  if (!ACTIONS.has(action as Action)) {
    if (['activate', 'dynamic', 'rejectsrc', 'rejectdst', 'rejectboth'].includes(action)) return notLoaded(text, 'action', `action "${action}" is not supported`);
    throw new RuleSyntaxError(`unknown action "${action}"`, 1);
  }
  if (dir !== '->' && dir !== '<>') throw new RuleSyntaxError(`direction must be -> or <>, got "${dir}"`, text.indexOf(dir) + 1);
  const body = text.slice(open + 1, text.lastIndexOf(')'));
  const options = optionList(body, open + 1);
  const rule: Rule = {
    action: action as Action, proto: 'tcp', src: parseAddr(src, ctx.vars), srcPorts: parsePorts(sport, ctx.vars), bidirectional: dir === '<>',
    dst: parseAddr(dst, ctx.vars), dstPorts: parsePorts(dport, ctx.vars), gid: 1, sid: 0, rev: 0, msg: '', classtype: null, priority: 0,
    references: [], metadata: [], flow: null, matches: [], flowbits: [], threshold: null, detectionFilter: null,
    header: { flags: null, ipProto: null, itype: null, icode: null, sameip: false }, fastPattern: null, alsoAlert: false,
    file: ctx.file, line: ctx.line, text,
  };
  // sid and msg first, so that a rule not loaded is reported by them
  for (const [k, v] of options) {
    if (k === 'sid') rule.sid = int(v, 'sid', 1);
    if (k === 'msg' && v !== null) rule.msg = unquote(v, 'msg');
  }
  if (rule.sid === 0) throw new RuleSyntaxError('no sid', open + 1);
  if (!PROTOS.has(proto as RuleProto)) return notLoaded(text, 'protocol', `protocol "${proto}" is not supported`, rule);
  rule.proto = proto as RuleProto;
  const st: State = { rule, buffer: proto === 'http' ? 'pkt' : 'pkt', last: null, lastMatch: null };
  const pktSticky = options.some(([o]) => STICKY[o] === 'pkt');
  for (const [k, v, col] of options) {
    try {
      const sticky = STICKY[k];
      if (sticky !== undefined && v === null) {
        st.buffer = sticky;
        continue;
      }
      if (TRANSFORMS.has(k) && v === null) {
        if (st.buffer === 'pkt' && !pktSticky) throw new RuleSyntaxError(`${k}: a transform follows a sticky buffer`);
        st.buffer = `${st.buffer}|${k}` as BufferName;
        continue;
      }
      const mod = HTTP_MODIFIERS[k];
      if (mod !== undefined && v === null) {
        need(st, k).buffer = mod;
        continue;
      }
      if (DESCRIPTIVE.has(k)) continue;
      const f = KEYWORDS[k];
      if (f === undefined) return notLoaded(text, k, `${k}: not supported`, rule);
      f(st, v, k);
    } catch (e) {
      if (e instanceof Unsupported) return notLoaded(text, e.keyword, e.reason, rule);
      if (e instanceof RuleSyntaxError) throw new RuleSyntaxError(`${k}: ${e.message.replace(new RegExp(`^${k}: `), '')}`, e.column ?? col);
      throw e;
    }
  }
  if (rule.classtype !== null) {
    const c = ctx.classifications.get(rule.classtype);
    if (c === undefined) return notLoaded(text, 'classtype', `classtype "${rule.classtype}" is not in the classification table`, rule);
    if (rule.priority === 0) rule.priority = c.priority;
  }
  if (rule.priority === 0) rule.priority = 3;
  for (const m of rule.matches) if (m.kind === 'content') m.border = borders(m.bytes, m.nocase);
  // the prefilter's pattern: the one marked, else the longest positive content
  const contents = rule.matches.filter((m): m is ContentMatch => m.kind === 'content' && !m.negated);
  rule.fastPattern = contents.find((c) => c.fastPattern) ?? contents.reduce<ContentMatch | null>((a, c) => (a === null || c.bytes.length > a.bytes.length ? c : a), null);
  return { ok: true, rule };
}

const NO_BORDER = new Int32Array(0);

/**
 * The content's border table (Knuth-Morris-Pratt): for each prefix, the length of its longest proper prefix
 * that is also its suffix, on ASCII-folded bytes when nocase. The search uses it to stay linear.
 */
function borders(pat: Uint8Array, nocase: boolean): Int32Array {
  const at = (i: number): number => (nocase && pat[i]! >= 0x41 && pat[i]! <= 0x5a ? pat[i]! | 0x20 : pat[i]!);
  const b = new Int32Array(pat.length);
  for (let i = 1, k = 0; i < pat.length; i++) {
    while (k > 0 && at(i) !== at(k)) k = b[k - 1]!;
    if (at(i) === at(k)) k++;
    b[i] = k;
  }
  return b;
}

function notLoaded(text: string, keyword: string, reason: string, rule?: Rule): ParseResult {
  const sid = rule?.sid ?? (Number(/[(;]\s*sid\s*:\s*(\d+)/.exec(text)?.[1]) || null);
  return { ok: false, sid, msg: rule?.msg || null, keyword, reason };
}

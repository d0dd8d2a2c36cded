// RDATA of the record types the dns record types (RFC 1035, 3596, 2782, 4034, 5155, 6844, 4255, 9460) and the
// OPT pseudo-RR's options (RFC 6891: client subnet RFC 7871, cookie RFC 7873). Pure; malformed RDATA is a kind.
import { formatIpv4, formatIpv6 } from '../../core/ip.js';
import { nameText, readName, type DnsProblem } from './dns-name.js';

export type DnsRdata =
  | { kind: 'address'; address: string }
  | { kind: 'name'; target: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | { kind: 'txt'; strings: string[]; lengths: number[] }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | { kind: 'soa'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'caa'; flags: number; tag: string; value: string }
  | { kind: 'svcb'; priority: number; target: string; keys: number[]; alpn: string[] | null; port: number | null; ipv4hint: string[] | null; ipv6hint: string[] | null; ech: string | null }
  | { kind: 'dnskey'; flags: number; protocol: number; algorithm: number; keyTag: number }
  | { kind: 'rrsig'; typeCovered: number; algorithm: number; labels: number; originalTtl: number; expiration: number; inception: number; keyTag: number; signer: string }
  | { kind: 'nsec'; next: string; types: number[] }
  | { kind: 'nsec3'; hashAlgorithm: number; flags: number; iterations: number; salt: string; nextHashed: string; types: number[] }
  | { kind: 'nsec3param'; hashAlgorithm: number; flags: number; iterations: number; salt: string }
  | { kind: 'ds'; keyTag: number; algorithm: number; digestType: number; digest: string }
  | { kind: 'sshfp'; algorithm: number; fingerprintType: number; fingerprint: string }
  | { kind: 'other'; length: number }
  | { kind: 'malformed'; length: number };

export const T = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DNAME: 39, OPT: 41, DS: 43, SSHFP: 44,
  RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, SVCB: 64, HTTPS: 65, SPF: 99, CAA: 257,
} as const;

const u16 = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const u32 = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

export function hex(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Text of character-string bytes: printable ASCII and space as is, a backslash doubled, other bytes as \xNN. */
function chars(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    s += c === 0x5c ? '\\\\' : c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** RFC 4034 appendix B key tag of DNSKEY RDATA b[start, end). */
function keyTag(b: Uint8Array, start: number, end: number): number {
  let ac = 0;
  for (let i = start; i < end; i++) ac += (i - start) & 1 ? b[i]! : b[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** Type bit maps (RFC 4034 §4.1.2) from b[p, end), or null when malformed. */
function typeBitmaps(b: Uint8Array, p: number, end: number): number[] | null {
  const types: number[] = [];
  while (p < end) {
    if (p + 2 > end) return null;
    const window = b[p]!;
    const len = b[p + 1]!;
    if (len === 0 || len > 32 || p + 2 + len > end) return null;
    for (let i = 0; i < len; i++) {
      const byte = b[p + 2 + i]!;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    }
    p += 2 + len;
  }
  return types;
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
function base32hex(b: Uint8Array, start: number, end: number): string {
  let s = '';
  let bits = 0;
  let acc = 0;
  for (let i = start; i < end; i++) {
    acc = (acc << 8) | b[i]!;
    bits += 8;
    while (bits >= 5) {
      s += BASE32HEX[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) s += BASE32HEX[(acc << (5 - bits)) & 31];
  return s;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** RFC 4648 base64 with padding (how ECH configs are written, e.g. in zone files). */
function base64(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 3) {
    const n = (b[i]! << 16) | ((i + 1 < end ? b[i + 1]! : 0) << 8) | (i + 2 < end ? b[i + 2]! : 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < end ? B64[(n >> 6) & 63]! : '=') + (i + 2 < end ? B64[n & 63]! : '=');
  }
  return s;
}

/** A name inside RDATA b[p, end): its text and end, or null. */
function rdName(b: Uint8Array, p: number, end: number): { text: string; end: number } | null {
  const n = readName(b, p, end);
  return n === null || n.end > end ? null : { text: nameText(n.name), end: n.end };
}

/** SvcParams (RFC 9460 §2.2): keys in order, the ones the record shows decoded. */
function svcb(b: Uint8Array, start: number, end: number): DnsRdata {
  const bad: DnsRdata = { kind: 'malformed', length: end - start };
  if (end - start < 3) return bad;
  const priority = u16(b, start);
  const t = rdName(b, start + 2, end);
  if (t === null) return bad;
  const r: Extract<DnsRdata, { kind: 'svcb' }> = { kind: 'svcb', priority, target: t.text === '' ? '.' : t.text, keys: [], alpn: null, port: null, ipv4hint: null, ipv6hint: null, ech: null };
  let p = t.end;
  while (p < end) {
    if (p + 4 > end) return bad;
    const key = u16(b, p);
    const len = u16(b, p + 2);
    const v = p + 4;
    if (v + len > end) return bad;
    r.keys.push(key);
    if (key === 1) {
      const alpn: string[] = [];
      for (let q = v; q < v + len;) {
        const l = b[q]!;
        if (l === 0 || q + 1 + l > v + len) return bad;
        alpn.push(chars(b, q + 1, q + 1 + l));
        q += 1 + l;
      }
      r.alpn = alpn;
    } else if (key === 3) {
      if (len !== 2) return bad;
      r.port = u16(b, v);
    } else if (key === 4) {
      if (len === 0 || len % 4 !== 0) return bad;
      r.ipv4hint = [];
      for (let q = v; q < v + len; q += 4) r.ipv4hint.push(formatIpv4(u32(b, q)));
    } else if (key === 5) {
      r.ech = base64(b, v, v + len);
    } else if (key === 6) {
      if (len === 0 || len % 16 !== 0) return bad;
      r.ipv6hint = [];
      for (let q = v; q < v + len; q += 16) r.ipv6hint.push(formatIpv6(b, q));
    }
    p = v + len;
  }
  return r;
}

/** The RDATA of a record of `type` at b[start, end). */
export function readRdata(b: Uint8Array, type: number, start: number, end: number): DnsRdata {
  const len = end - start;
  const bad: DnsRdata = { kind: 'malformed', length: len };
  // no data: an UPDATE's delete and prerequisite records (RFC 2136 §2.4, §2.5) have none, whatever their type
  if (len === 0 && type !== T.TXT) return { kind: 'other', length: 0 };
  switch (type) {
    case T.A:
      return len === 4 ? { kind: 'address', address: formatIpv4(u32(b, start)) } : bad;
    case T.AAAA:
      return len === 16 ? { kind: 'address', address: formatIpv6(b, start) } : bad;
    case T.NS: case T.CNAME: case T.PTR: case T.DNAME: {
      const n = rdName(b, start, end);
      return n === null || n.end !== end ? bad : { kind: 'name', target: n.text };
    }
    case T.MX: {
      if (len < 3) return bad;
      const n = rdName(b, start + 2, end);
      return n === null || n.end !== end ? bad : { kind: 'mx', preference: u16(b, start), exchange: n.text };
    }
    case T.TXT: case T.SPF: {
      const strings: string[] = [];
      const lengths: number[] = [];
      for (let p = start; p < end;) {
        const l = b[p]!;
        if (p + 1 + l > end) return bad;
        strings.push(chars(b, p + 1, p + 1 + l));
        lengths.push(l);
        p += 1 + l;
      }
      return { kind: 'txt', strings, lengths };
    }
    case T.SRV: {
      if (len < 7) return bad;
      const n = rdName(b, start + 6, end);
      return n === null || n.end !== end ? bad : { kind: 'srv', priority: u16(b, start), weight: u16(b, start + 2), port: u16(b, start + 4), target: n.text };
    }
    case T.SOA: {
      const m = rdName(b, start, end);
      const r = m === null ? null : rdName(b, m.end, end);
      if (m === null || r === null || r.end + 20 !== end) return bad;
      const p = r.end;
      return { kind: 'soa', mname: m.text, rname: r.text, serial: u32(b, p), refresh: u32(b, p + 4), retry: u32(b, p + 8), expire: u32(b, p + 12), minimum: u32(b, p + 16) };
    }
    case T.CAA: {
      if (len < 2) return bad;
      const tl = b[start + 1]!;
      if (tl === 0 || start + 2 + tl > end) return bad;
      return { kind: 'caa', flags: b[start]!, tag: chars(b, start + 2, start + 2 + tl), value: chars(b, start + 2 + tl, end) };
    }
    case T.SVCB: case T.HTTPS:
      return svcb(b, start, end);
    case T.DNSKEY:
      return len < 4 ? bad : { kind: 'dnskey', flags: u16(b, start), protocol: b[start + 2]!, algorithm: b[start + 3]!, keyTag: keyTag(b, start, end) };
    case T.RRSIG: {
      if (len < 19) return bad;
      const s = rdName(b, start + 18, end);
      if (s === null) return bad;
      return {
        kind: 'rrsig', typeCovered: u16(b, start), algorithm: b[start + 2]!, labels: b[start + 3]!, originalTtl: u32(b, start + 4),
        expiration: u32(b, start + 8), inception: u32(b, start + 12), keyTag: u16(b, start + 16), signer: s.text,
      };
    }
    case T.NSEC: {
      const n = rdName(b, start, end);
      const types = n === null ? null : typeBitmaps(b, n.end, end);
      return n === null || types === null ? bad : { kind: 'nsec', next: n.text, types };
    }
    case T.NSEC3: {
      if (len < 5) return bad;
      const sl = b[start + 4]!;
      const hp = start + 5 + sl;
      if (hp >= end) return bad;
      const hl = b[hp]!;
      if (hp + 1 + hl > end) return bad;
      const types = typeBitmaps(b, hp + 1 + hl, end);
      if (types === null) return bad;
      return { kind: 'nsec3', hashAlgorithm: b[start]!, flags: b[start + 1]!, iterations: u16(b, start + 2), salt: hex(b, start + 5, start + 5 + sl), nextHashed: base32hex(b, hp + 1, hp + 1 + hl), types };
    }
    case T.NSEC3PARAM: {
      if (len < 5) return bad;
      const sl = b[start + 4]!;
      return start + 5 + sl !== end ? bad : { kind: 'nsec3param', hashAlgorithm: b[start]!, flags: b[start + 1]!, iterations: u16(b, start + 2), salt: hex(b, start + 5, end) };
    }
    case T.DS:
      return len < 5 ? bad : { kind: 'ds', keyTag: u16(b, start), algorithm: b[start + 2]!, digestType: b[start + 3]!, digest: hex(b, start + 4, end) };
    case T.SSHFP:
      return len < 3 ? bad : { kind: 'sshfp', algorithm: b[start]!, fingerprintType: b[start + 1]!, fingerprint: hex(b, start + 2, end) };
    default:
      return { kind: 'other', length: len };
  }
}

export interface DnsEdns {
  /** the sender's UDP payload size (the OPT RR's class) */
  udpSize: number;
  /** upper 8 bits of the 12-bit RCODE */
  extendedRcode: number;
  version: number;
  /** DNSSEC OK */
  do: boolean;
  /** option codes, in order */
  options: number[];
  /** client subnet (RFC 7871) as address/source/scope, e.g. 192.0.2.0/24/0 */
  ecs: string | null;
  /** cookie (RFC 7873): client cookie hex, and the server's after a slash when present */
  cookie: string | null;
  problem: DnsProblem | null;
}

/** Client subnet option b[p, end): address/source/scope, or null when malformed. */
function ecs(b: Uint8Array, p: number, end: number): string | null {
  if (end - p < 4) return null;
  const family = u16(b, p);
  const source = b[p + 2]!;
  const scope = b[p + 3]!;
  const bytes = end - p - 4;
  const width = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (width === 0 || source > width * 8 || scope > width * 8 || bytes !== Math.ceil(source / 8)) return null;
  const a = new Uint8Array(16);
  a.set(b.subarray(p + 4, end));
  const addr = family === 1 ? formatIpv4(u32(a, 0)) : formatIpv6(a, 0);
  return `${addr}/${source}/${scope}`;
}

/** The OPT pseudo-RR (RFC 6891 §6.1.2): class = UDP size, TTL = extended RCODE, version, DO; options in RDATA. */
export function parseOpt(b: Uint8Array, start: number, end: number, cls: number, ttl: number): DnsEdns {
  const e: DnsEdns = { udpSize: cls, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, do: (ttl & 0x8000) !== 0, options: [], ecs: null, cookie: null, problem: null };
  for (let p = start; p < end;) {
    if (p + 4 > end) {
      e.problem = 'dns_edns_truncated_option';
      break;
    }
    const code = u16(b, p);
    const len = u16(b, p + 2);
    const v = p + 4;
    if (v + len > end) {
      e.problem = 'dns_edns_truncated_option';
      break;
    }
    e.options.push(code);
    if (code === 8) {
      e.ecs = ecs(b, v, v + len);
      if (e.ecs === null) e.problem = 'dns_edns_ecs_invalid';
    } else if (code === 10 && len >= 8) {
      e.cookie = len === 8 ? hex(b, v, v + 8) : `${hex(b, v, v + 8)}/${hex(b, v + 8, v + len)}`;
    }
    p = v + len;
  }
  return e;
}

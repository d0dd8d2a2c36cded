// Suricata's spellings of the values EVE shares with our records (times, addresses, protocols, TLS versions,
// certificate serials and fingerprints, flow ids), each with its inverse.
import { formatIpv6, parseIpv6 } from '../../core/ip.js';
import { md5 } from '../../core/md5.js';
import { own } from '../../core/own.js';

const US_PER_S = 1_000_000;
/** Date's range is ±8.64e15 ms: µs beyond it cannot be written as a date. */
const MAX_DATE_US = 8.64e18;

const SECONDS_PER_DAY = 86400;
/** The last two seconds formatted (a flow event writes its start and its end: two seconds alternate). */
let secA = Number.NaN;
let preA = '';
let secB = Number.NaN;
let preB = '';

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DDTHH:MM:SS` of whole seconds since the epoch (UTC; days to civil date as in H. Hinnant's algorithm). */
function secondText(sec: number): string {
  const days = Math.floor(sec / SECONDS_PER_DAY);
  const tod = sec - days * SECONDS_PER_DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(tod / 3600);
  const mi = Math.floor((tod - h * 3600) / 60);
  return `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}T${two(h)}:${two(mi)}:${two(tod - h * 3600 - mi * 60)}`;
}

const MICRO_PAD = ['00000', '0000', '000', '00', '0', ''];

/** µs since the epoch as Suricata writes `timestamp`: `2009-10-16T16:44:16.083524+0000` (UTC, µs, +0000). */
export function eveTime(us: number): string {
  if (!(Math.abs(us) <= MAX_DATE_US)) return '1970-01-01T00:00:00.000000+0000';
  const sec = Math.floor(us / US_PER_S);
  let prefix: string;
  if (sec === secA) prefix = preA;
  else if (sec === secB) prefix = preB;
  else {
    prefix = secondText(sec);
    secB = secA;
    preB = preA;
    secA = sec;
    preA = prefix;
  }
  const frac = `${us - sec * US_PER_S}`;
  return `${prefix}.${MICRO_PAD[frac.length - 1]}${frac}+0000`;
}

/** The last second parseEveTime read (its text before the fraction) and its ms since the epoch (NaN: not a date). */
let lastSecond = '';
let lastBase = Number.NaN;

const EVE_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?:([+-])(\d\d):?(\d\d)|Z)$/;

/** An EVE timestamp (any offset, 1-9 fraction digits) as µs since the epoch; null when it is not one. */
export function parseEveTime(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const m = EVE_TIME.exec(s);
  if (m === null) return null;
  // events come in time order: most share their second with the one before
  let base: number;
  if (m[1] === lastSecond) base = lastBase;
  else {
    base = Date.parse(`${m[1]}Z`);
    lastSecond = m[1]!;
    lastBase = base;
  }
  if (Number.isNaN(base)) return null;
  const frac = Number((m[2] ?? '').slice(0, 6).padEnd(6, '0'));
  const off = m[3] === undefined ? 0 : (m[3] === '-' ? -1 : 1) * (Number(m[4]) * 60 + Number(m[5])) * 60 * US_PER_S;
  return base * 1000 + frac - off;
}

/** A certificate validity time as Suricata writes it (`2016-06-01T00:00:00`, whole seconds, UTC). */
export function eveCertTime(us: number): string {
  return new Date(Math.floor(us / US_PER_S) * 1000).toISOString().slice(0, 19);
}

/** Suricata's certificate time as µs; null when it is not one. */
export function parseEveCertTime(s: unknown): number | null {
  if (typeof s !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(s)) return null;
  const ms = Date.parse(`${s}Z`);
  return Number.isNaN(ms) ? null : ms * 1000;
}

/** IPv6 as Suricata prints it (every group, four digits: `2607:f8b0:400a:0800:0000:0000:0000:200e`); IPv4 as is. */
export function eveIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const b = parseIpv6(ip);
  if (b === null) return ip;
  let s = '';
  for (let i = 0; i < 16; i += 2) s += `${i === 0 ? '' : ':'}${((b[i]! << 8) | b[i + 1]!).toString(16).padStart(4, '0')}`;
  return s;
}

/** An EVE address in our form (IPv6 in RFC 5952 text). */
export function ourIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const b = parseIpv6(ip);
  return b === null ? ip : formatIpv6(b);
}

const PROTO_NAMES: Readonly<Record<string, string>> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'IPv6-ICMP', sctp: 'SCTP', gre: 'GRE' };
const PROTO_OURS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PROTO_NAMES).map(([k, v]) => [v.toUpperCase(), k]));

/** ASCII letters upper-cased, the rest as it is (the same in DuckDB's translate(): the SQL form, store/export-sql). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Our proto (`tcp`, `icmpv6`, or a number) as Suricata names it (`TCP`, `IPv6-ICMP`, a number as three digits). */
export function eveProto(p: string): string {
  return own(PROTO_NAMES, p) ?? (/^\d+$/.test(p) ? p.padStart(3, '0') : asciiUpper(p));
}

/** Suricata's proto in our form. */
export function ourProto(p: string): string {
  return own(PROTO_OURS, p.toUpperCase()) ?? (/^\d+$/.test(p) ? String(Number(p)) : p.toLowerCase());
}

const UTF8 = new TextEncoder();

/**
 * A flow_id for a session uid: Suricata's is a 64-bit integer from its flow table; ours is the first 48 bits of
 * the MD5 of the uid's UTF-8 (big-endian), so every event of a session carries the same id, JSON readers keep it
 * exact, and DuckDB computes the same from md5() (the EVE SQL form, store/export-sql/eve-sql.ts). Never 0
 * (Suricata leaves flow_id out when there is no flow): a zero digest prefix is written as 1.
 */
export function flowId(uid: string): number {
  const d = md5(UTF8.encode(uid));
  const low = ((d[2]! << 24) | (d[3]! << 16) | (d[4]! << 8) | d[5]!) >>> 0;
  return (d[0]! * 256 + d[1]!) * 4294967296 + low || 1;
}

/** Our TLS version name (Zeek's `TLSv13`, `TLSv13-draft28`, `SSLv3`) as Suricata's (`TLS 1.3`, `TLS 1.3 draft-28`, `SSLv3`). */
export function eveTlsVersion(v: string): string {
  if (v === 'TLSv10') return 'TLSv1'; // Suricata's name for TLS 1.0 ("TLS 1.1" and up have a space)
  if (v === 'TLSv13-draft<16') return 'TLS 1.3 draft-<16';
  const d = /^TLSv13-draft(\d+)$/.exec(v);
  if (d !== null) return Number(d[1]) < 16 ? 'TLS 1.3 draft-<16' : `TLS 1.3 draft-${d[1]}`;
  const m = /^(DTLS|TLS)v(\d)(\d)$/.exec(v);
  return m === null ? v : `${m[1]} ${m[2]}.${m[3]}`;
}

/** Suricata's TLS version name in ours. */
export function ourTlsVersion(v: string): string {
  if (v === 'TLSv1') return 'TLSv10';
  if (v === 'TLS 1.3 draft-<16') return 'TLSv13-draft<16';
  const d = /^TLS 1\.3 draft-(\d+)$/.exec(v);
  if (d !== null) return `TLSv13-draft${d[1]}`;
  const m = /^(DTLS|TLS) (\d)\.(\d)$/.exec(v);
  return m === null ? v : `${m[1]}v${m[2]}${m[3]}`;
}

/** Hex digits only (a serial or a fingerprint EVE splits into byte pairs). */
const HEX = /^[0-9a-fA-F]*$/;

/**
 * A serial number (hex) as Suricata prints it: the DER INTEGER's bytes, upper case, colon-separated, a leading
 * 00 when the first byte has its high bit set (a positive number).
 */
export function eveSerial(hex: string): string {
  // a value that is not hex (an imported log's) is written as it is
  if (!HEX.test(hex)) return hex;
  let h = hex.toUpperCase();
  if (h.length % 2 === 1) h = `0${h}`;
  if (h.length > 0 && Number.parseInt(h[0]!, 16) >= 8) h = `00${h}`;
  return h.match(/../g)?.join(':') ?? h;
}

/** Suricata's serial as our hex number (lower case, no leading zero bytes). */
export function ourSerial(s: string): string {
  return s.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');
}

/** A SHA-1 in hex as Suricata's `fingerprint` (lower-case pairs with colons); a value that is not hex as it is. */
export function eveFingerprint(hex: string): string {
  if (!HEX.test(hex)) return hex;
  return hex.match(/../g)?.join(':') ?? hex;
}

/** Suricata's TCP flags text (two hex digits) from our OR of the flags. */
export function eveTcpFlags(f: number): string {
  return (f & 0xff).toString(16).padStart(2, '0');
}

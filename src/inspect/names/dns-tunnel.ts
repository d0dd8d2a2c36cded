// DNS tunnelling by behaviour: per registered domain and hour, how many distinct subdomains were asked, how long
// and how random they are, and how many queries ask for TXT or NULL records. Stateful and bounded; fed dns
// records in order; deterministic for the same record order. Pure.
//
// A tunnel (iodine, dnscat2, dns2tcp, DNS exfiltration) writes its data into the query name below a domain whose
// name server the attacker runs, so every query is a new name: many distinct subdomains of one registered
// domain, long labels of encoded data (base32, base64, hex), near-uniform characters, and often TXT or NULL
// queries whose answers carry the downstream data. Thresholds (named constants below, each with its source):
// - gate: at least MIN_DISTINCT distinct subdomains of the domain in the window; below it nothing fires;
// - indicators: `volume` (at least VOLUME_DISTINCT distinct subdomains), `long` (mean subdomain length at least
//   LONG_SUBDOMAIN_CHARS), `entropy` (mean Shannon entropy of the subdomains at least ENTROPY_BITS bits a
//   character), `txt_null` (TXT and NULL queries at least TXT_NULL_SHARE of the domain's queries).
// Confidence rule: a finding needs the gate and at least one of long, entropy, txt_null (volume alone is a big
// site seen by a busy sensor, not a tunnel); low with one indicator, medium with two, high with three or four.
// One finding per domain per window, emitted when the window closes (the next window's first record, or end()).
//
// Not tracked: PTR queries and the reverse zones (in-addr.arpa, ip6.arpa: one distinct name per address looked
// up), multicast DNS names (.local: link-local, never through a resolver to an outside server), and services
// that carry data in DNS names by design (DATA_OVER_DNS: anti-virus reputation and DNS block lists).
import { getDomain } from 'tldts';
import type { Confidence, NameFinding } from './types.js';

/** The window (the issue: distinct subdomains per registered domain per hour), in µs. */
export const WINDOW_US = 3_600_000_000;
/**
 * Gate: distinct subdomains of one domain in the window. Published rules of thumb put ordinary use at 3-20
 * distinct names per domain per 5 minutes and flag "more than 100 queries to a single domain per hour"; Zeek's
 * anomalous-dns package flags more than 8 (12 for resolvers) unique queries per domain per hour but warns that
 * CDNs trip it. 50 lets a low-and-slow exfiltration of ~2 KB (50 names of ~40 bytes) reach the indicators while
 * the indicators, not the count, separate it from a big site.
 */
export const MIN_DISTINCT = 50;
/** Indicator `volume`: a tunnel in use asks a new name about once a second (iodine, dnscat2 poll): 3,600 an hour. */
export const VOLUME_DISTINCT = 500;
/**
 * Indicator `long`: mean characters of the subdomain (the name left of the registered domain, dots included).
 * SANS' "Detecting DNS Tunneling" (Farnham, 2013) and the Zeek scripts derived from it flag names over 52
 * characters; published thresholds for the subdomain part put ordinary names under 20 and flag over 40.
 */
export const LONG_SUBDOMAIN_CHARS = 40;
/**
 * Indicator `entropy`: mean Shannon entropy, bits a character, of each distinct subdomain (dots left out). The
 * published heuristics put ordinary names at 2.5-3.0 and encoded data above 3.5 (random base32 reaches 3.6 at
 * 16 characters and 4.1 at 30, base64 higher; hex tops out at 4: dnscat2's hex names cross 3.5 from ~30
 * characters, so short hex names rely on the other indicators). A name of n characters cannot exceed log2(n)
 * bits, so short dictionary-like labels stay far below.
 */
export const ENTROPY_BITS = 3.5;
/** Indicator `txt_null`: published heuristics put TXT at under 5% of ordinary queries and flag over 30%. */
export const TXT_NULL_SHARE = 0.3;
/**
 * Domains tracked per window. When full, the quarter with the fewest distinct subdomains (then fewest queries,
 * then the latest seen) is dropped: a tunnel's domain has many distinct names and survives; dropped domains'
 * counts are lost (`evicted` counts them; a caller can report it as an anomaly).
 */
export const MAX_DOMAINS = 2048;
/**
 * Distinct subdomains remembered per domain (as 32-bit hashes). Past it the domain's distinct count stops
 * growing (shown as "600+") and the length and entropy figures are those of its first 600 names; the indicators
 * are decided well below. Worst case MAX_DOMAINS x DISTINCT_CAP hashes, ~40 MB; an ordinary hour is a few
 * thousand domains of a few names each.
 */
export const DISTINCT_CAP = 600;

const QTYPE_NULL = 10;
const QTYPE_PTR = 12;
const QTYPE_TXT = 16;

/** Zones whose every name is data by design (names below them are not tracked). */
export const DATA_OVER_DNS: readonly string[] = [
  'sophosxl.net', // Sophos Live Protection lookups
  'avqs.mcafee.com', 'avts.mcafee.com', // McAfee GTI file reputation
  'e5.sk', // ESET LiveGrid
  'spamhaus.org', 'spamhaus.net', 'spamcop.net', 'sorbs.net', 'barracudacentral.org', 'surbl.org', 'uribl.com', 'dnswl.org', // block lists
];
const NOT_TRACKED_ZONES: readonly string[] = ['in-addr.arpa', 'ip6.arpa', 'local', ...DATA_OVER_DNS];

/** The dns record fields the detector reads (a `dns` record has them all). */
export interface DnsQueryRecord {
  readonly ts: number;
  readonly uid: string;
  readonly query: string | null;
  readonly qtype: number | null;
  /** answered, unanswered, response_only, duplicate: a duplicate response is not a new query */
  readonly outcome?: string | null;
  /** the answer section typed (the record's `rrs`: JSON text, or already parsed): TXT and NULL answer bytes are summed from it */
  readonly rrs?: unknown;
}

/** A dns_tunnel finding: the window's figures for one registered domain. */
export interface DnsTunnelFinding extends NameFinding {
  /** the domain's first query in the window, and its session */
  readonly ts: number;
  readonly uid: string;
  /** the window's start, µs */
  readonly windowStart: number;
}

class DomainStats {
  readonly domain: string;
  readonly firstTs: number;
  readonly firstUid: string;
  /** creation order in the window (eviction's last tie-break) */
  readonly seq: number;
  queries = 0;
  txtNull = 0;
  answerBytes = 0;
  readonly names = new Set<number>();
  saturated = false;
  subChars = 0;
  labels = 0;
  labelChars = 0;
  maxLabel = 0;
  entropy = 0;

  constructor(domain: string, ts: number, uid: string, seq: number) {
    this.domain = domain;
    this.firstTs = ts;
    this.firstUid = uid;
    this.seq = seq;
  }
}

/** A query name as characters: \xNN and \\ (the record's escapes) back to one character each, lower case. */
function unescape(q: string): string {
  const s = q.indexOf('\\') < 0 ? q : q.replace(/\\x([0-9a-fA-F]{2})|\\\\/g, (_m, h: string | undefined) => (h === undefined ? '\\' : String.fromCharCode(parseInt(h, 16))));
  return s.toLowerCase();
}

/** Is the name the zone or below it. */
const inZone = (name: string, zone: string): boolean => name === zone || (name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 0x2e);

const PSL = { extractHostname: false, validateHostname: false, allowPrivateDomains: true } as const;

/**
 * The registered domain: the Public Suffix List's, private section included (a tenant of a shared platform,
 * x.cloudfront.net or x.duckdns.org, is its own domain, so a CDN's many tenants are not one domain); names it
 * cannot place (one label, an address) fall back to their last two labels.
 */
export function registeredDomain(name: string): string {
  const d = getDomain(name, PSL);
  if (d !== null) return d;
  const last = name.lastIndexOf('.');
  const prev = last < 0 ? -1 : name.lastIndexOf('.', last - 1);
  return prev < 0 ? name : name.slice(prev + 1);
}

/** 32-bit FNV-1a of a string's UTF-16 units (distinct-name memory: a collision merges two names, ~1e-4 at 600). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const counts = new Int32Array(256);

/** Shannon entropy, bits a character, of s without its dots. */
export function shannonEntropy(s: string): number {
  counts.fill(0);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 0x2e) continue;
    counts[c]!++;
    n++;
  }
  if (n === 0) return 0;
  let h = 0;
  for (let c = 0; c < 256; c++) {
    const k = counts[c]!;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/** TXT and NULL answer bytes of a record's rrs (0 when absent or unreadable). */
function answerBytes(rrs: unknown): number {
  let list = rrs;
  if (typeof rrs === 'string') {
    try {
      list = JSON.parse(rrs);
    } catch {
      return 0;
    }
  }
  if (!Array.isArray(list)) return 0;
  let n = 0;
  for (const rr of list as Record<string, unknown>[]) {
    if (rr.type === 'TXT' && Array.isArray(rr.lengths)) for (const l of rr.lengths) n += typeof l === 'number' ? l : 0;
    else if (rr.type === 'NULL' && typeof rr.length === 'number') n += rr.length;
  }
  return n;
}

/** Per-domain, per-hour DNS tunnelling detector (rules in the file header). */
export class DnsTunnelDetector {
  private window: number | null = null;
  private domains = new Map<string, DomainStats>();
  private seq = 0;
  /** domains dropped to stay within MAX_DOMAINS, over the run */
  evicted = 0;
  /** records taken into a later window than their own because the stream had moved on (late records) */
  late = 0;

  /** domains tracked in the current window (at most MAX_DOMAINS) */
  get tracked(): number {
    return this.domains.size;
  }

  /** Takes one dns record; returns the findings of a window this record closed (usually none). */
  add(r: DnsQueryRecord): DnsTunnelFinding[] {
    if (r.query === null || r.query === '' || r.outcome === 'duplicate' || r.qtype === QTYPE_PTR) return [];
    const w = Math.floor(r.ts / WINDOW_US);
    let out: DnsTunnelFinding[] = [];
    if (this.window === null) this.window = w;
    else if (w > this.window) {
      out = this.end();
      this.window = w;
    } else if (w < this.window) this.late++;
    let name = unescape(r.query);
    if (name.endsWith('.')) name = name.slice(0, -1);
    for (const z of NOT_TRACKED_ZONES) if (inZone(name, z)) return out;
    const domain = registeredDomain(name);
    let d = this.domains.get(domain);
    if (d === undefined) {
      if (this.domains.size >= MAX_DOMAINS) this.evict();
      d = new DomainStats(domain, r.ts, r.uid, this.seq++);
      this.domains.set(domain, d);
    }
    d.queries++;
    if (r.qtype === QTYPE_TXT || r.qtype === QTYPE_NULL) {
      d.txtNull++;
      d.answerBytes += answerBytes(r.rrs);
    }
    const sub = name.length > domain.length ? name.slice(0, name.length - domain.length - 1) : '';
    if (d.names.size >= DISTINCT_CAP) {
      if (!d.names.has(fnv1a(sub))) d.saturated = true;
      return out;
    }
    const h = fnv1a(sub);
    if (d.names.has(h)) return out;
    d.names.add(h);
    d.subChars += sub.length;
    if (sub !== '') {
      let start = 0;
      for (let i = 0; i <= sub.length; i++) {
        if (i === sub.length || sub.charCodeAt(i) === 0x2e) {
          const len = i - start;
          d.labels++;
          d.labelChars += len;
          if (len > d.maxLabel) d.maxLabel = len;
          start = i + 1;
        }
      }
      d.entropy += shannonEntropy(sub);
    }
    return out;
  }

  /** The sessions the current window's domains name (each domain's first query's): a finding may name them. */
  firstUids(): Set<string> {
    const out = new Set<string>();
    for (const d of this.domains.values()) out.add(d.firstUid);
    return out;
  }

  /** Closes the current window: its findings, in the order the domains were first seen. */
  end(): DnsTunnelFinding[] {
    const out: DnsTunnelFinding[] = [];
    if (this.window !== null) {
      const start = this.window * WINDOW_US;
      for (const d of this.domains.values()) {
        const f = judge(d, start);
        if (f !== null) out.push(f);
      }
    }
    this.domains = new Map();
    this.window = null;
    return out;
  }

  /** Drops the quarter of the domains least like a tunnel (see MAX_DOMAINS). */
  private evict(): void {
    const all = [...this.domains.values()].sort((a, b) => a.names.size - b.names.size || a.queries - b.queries || b.seq - a.seq);
    const drop = Math.max(1, Math.floor(all.length / 4));
    for (let i = 0; i < drop; i++) this.domains.delete(all[i]!.domain);
    this.evicted += drop;
  }
}

const CONFIDENCE: readonly Confidence[] = ['low', 'low', 'medium', 'high', 'high'];

/** The finding of one domain's window, or null (rules in the file header). */
function judge(d: DomainStats, windowStart: number): DnsTunnelFinding | null {
  const distinct = d.names.size;
  if (distinct < MIN_DISTINCT) return null;
  const meanSub = d.subChars / distinct;
  const meanLabel = d.labels === 0 ? 0 : d.labelChars / d.labels;
  const entropy = d.entropy / distinct;
  const txtShare = d.txtNull / d.queries;
  const fired: string[] = [];
  if (meanSub >= LONG_SUBDOMAIN_CHARS) fired.push(`long:mean_subdomain>=${LONG_SUBDOMAIN_CHARS}`);
  if (entropy >= ENTROPY_BITS) fired.push(`entropy:>=${ENTROPY_BITS}`);
  if (txtShare >= TXT_NULL_SHARE) fired.push(`txt_null:>=${TXT_NULL_SHARE}`);
  if (fired.length === 0) return null;
  if (distinct >= VOLUME_DISTINCT) fired.push(`volume:distinct>=${VOLUME_DISTINCT}`);
  const shown = d.saturated ? `${distinct}+` : String(distinct);
  const note = `${shown} distinct subdomains in ${d.queries} queries, mean subdomain ${meanSub.toFixed(1)} chars, ` +
    `mean label ${meanLabel.toFixed(1)}, max label ${d.maxLabel}, entropy ${entropy.toFixed(2)} bits/char, ` +
    `TXT/NULL ${(txtShare * 100).toFixed(0)}%${d.answerBytes > 0 ? `, ${d.answerBytes} TXT/NULL answer bytes` : ''}`;
  return {
    detector: 'dns_tunnel',
    category: 'evasion',
    confidence: CONFIDENCE[fired.length]!,
    note,
    subject: d.domain,
    validations: [`gate:distinct>=${MIN_DISTINCT}`, ...fired],
    count: d.queries,
    distinctCount: distinct,
    ts: d.firstTs,
    uid: d.firstUid,
    windowStart,
  };
}

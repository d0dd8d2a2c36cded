// E-mail addresses (RFC 5321 mailbox shape: local@domain) whose domain ends in a public suffix.
//
// Confidence rule: every hit is low. One address in a message or page is normal traffic; only many distinct
// addresses in one scope are a finding, which the aggregator decides (BULK_DISTINCT in src/inspect/aggregate.ts).
// Shape checked: a dot-atom local part of at most 64 characters, a domain of at most 253 in labels of 1-63
// letters, digits and inner hyphens, whose suffix is in the Public Suffix List's ICANN section (tldts).
// Addresses at the reserved example/test names (RFC 2606, RFC 6761) are flagged testValue.

import { parse } from 'tldts';
import { maskKeepEnds } from '../mask.js';
import type { Detector, Hit } from '../types.js';

export const EMAIL = 'email';

/** RFC 5321 4.5.3.1: local part and domain lengths. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

/** RFC 5322 atext, less the characters that mostly surround an address in text ('{', '}', '|', '`', ... kept out) */
const LOCAL = new Uint8Array(256);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&\'*+-/=?^_~') LOCAL[c.charCodeAt(0)] = 1;
const DOMAIN = new Uint8Array(256);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-') DOMAIN[c.charCodeAt(0)] = 1;

const RESERVED_TLDS = new Set(['example', 'test', 'invalid', 'localhost']);
const RESERVED_DOMAINS = new Set(['example.com', 'example.net', 'example.org']);

/** What the detector reads: the text, or the bytes it would be made of (one character per byte). */
interface Source {
  readonly length: number;
  code(i: number): number;
  slice(start: number, end: number): string;
  /** the next '@' at or after `from`, or -1 */
  nextAt(from: number): number;
}

const textSource = (text: string): Source => ({
  length: text.length,
  code: (i) => text.charCodeAt(i),
  slice: (a, b) => text.slice(a, b),
  nextAt: (from) => text.indexOf('@', from),
});

const byteSource = (buf: Uint8Array): Source => ({
  length: buf.length,
  code: (i) => (i < buf.length ? buf[i]! : NaN),
  slice: (a, b) => String.fromCharCode.apply(null, buf.subarray(a, b) as unknown as number[]),
  nextAt: (from) => buf.indexOf(0x40, from),
});

/** The address around the '@' at `at`, as [start, end], or null. */
function around(src: Source, at: number): [number, number] | null {
  let s = at;
  while (s > 0 && at - s <= MAX_LOCAL && LOCAL[src.code(s - 1)] === 1) s--;
  // a longer run of local characters is not an address (base64, a path): judged from MAX_LOCAL + 1 characters
  if (at - s > MAX_LOCAL || s === at) return null;
  // a dot-atom neither starts nor ends with a dot, nor holds two in a row; quote marks and the like start it
  while (s < at && (src.code(s) === 0x2e || src.code(s) === 0x27)) s++;
  if (s === at || src.code(at - 1) === 0x2e) return null;
  let e = at + 1;
  while (e < src.length && e - at - 1 <= MAX_DOMAIN && DOMAIN[src.code(e)] === 1) e++;
  if (e - at - 1 > MAX_DOMAIN) return null;
  // a sentence's full stop or a hyphen after the address is not part of it
  while (e > at + 1 && (src.code(e - 1) === 0x2e || src.code(e - 1) === 0x2d)) e--;
  // a domain has a dot
  if (e - at < 4) return null;
  return [s, e];
}

function domainOk(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  for (const l of labels) {
    if (l.length === 0 || l.length > MAX_LABEL || l.startsWith('-') || l.endsWith('-')) return false;
  }
  return /^[a-z]{2,63}$/.test(labels[labels.length - 1]!) || /^xn--[a-z0-9-]{1,59}$/.test(labels[labels.length - 1]!);
}

function find(src: Source): Hit[] {
  const out: Hit[] = [];
  let last = 0;
  for (let at = src.nextAt(0); at >= 0; at = src.nextAt(at + 1)) {
    const r = around(src, at);
    if (r === null || r[0] < last) continue;
    const [s, e] = r;
    const domain = src.slice(at + 1, e).toLowerCase();
    if (!domainOk(domain)) continue;
    const local = src.slice(s, at);
    if (local.includes('..')) continue;
    const tld = domain.slice(domain.lastIndexOf('.') + 1);
    const reserved = RESERVED_TLDS.has(tld) || RESERVED_DOMAINS.has(domain.split('.').slice(-2).join('.'));
    if (!reserved && parse(domain, { extractHostname: false }).isIcann !== true) continue;
    out.push({
      detector: EMAIL,
      category: 'pii',
      confidence: 'low',
      offset: s,
      length: e - s,
      value: `${local}@${domain}`.toLowerCase(),
      masked: `${maskKeepEnds(local, 1, 0, () => true)}@${maskKeepEnds(domain.slice(0, domain.length - tld.length - 1), 1, 0, () => true)}.${tld}`,
      validations: reserved ? ['shape'] : ['shape', 'public_suffix'],
      contextTerms: [],
      testValue: reserved,
    });
    last = e;
  }
  return out;
}

/** E-mail addresses (see the file header for the confidence rule). */
export const email: Detector = {
  name: EMAIL,
  category: 'pii',
  keywords: ['@'],
  detect: (text: string): Hit[] => find(textSource(text)),
  // binary and encrypted content holds an '@' every 256 bytes: read those from the bytes, without the text
  detectBytes: (buf: Uint8Array): Hit[] => find(byteSource(buf)),
};

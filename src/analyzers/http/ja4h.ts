// JA4H (FoxIO's JA4+ suite): the fingerprint of an HTTP request's method, version, header names, cookie names and
// cookie values, computed while the headers are whole (records keep cookie values only as lengths,
// inspect/credentials.ts). As FoxIO's ja4h.py computes it over tshark's fields (its tests' expectations are
// compared in test/corpus-http.test.ts).
import { hex } from '../../core/sha1.js';
import { sha256 } from '../../core/sha256.js';

const utf8 = new TextEncoder();
const ZEROS = '000000000000';

/** The first 12 hex digits of the SHA-256 of the items joined by commas. */
function sha12(items: readonly string[]): string {
  return hex(sha256(utf8.encode(items.join(',')))).slice(0, 12);
}

/** Header names JA4H leaves out of the count and the name hash: cookies and Referer, and HTTP/2 pseudo-headers. */
function counted(name: string): boolean {
  const n = name.toLowerCase();
  return name !== '' && !name.startsWith(':') && !n.startsWith('cookie') && n !== 'referer';
}

/**
 * JA4H of a request: `a_b_c_d`, where a is the method's first two letters, the version digits, c/n for a Cookie,
 * r/n for a Referer, the count of the other headers (at most 99) and the first Accept-Language tag (4 characters);
 * b hashes the other header names as sent, in order; c the cookie names, sorted; d the cookie name=value pairs,
 * sorted by name (c and d are twelve zeros without a cookie).
 */
export function ja4h(method: string | null, version: string | null, headers: readonly (readonly [string, string])[]): string {
  const names = headers.map((h) => h[0]);
  const cookies = headers.filter((h) => h[0].toLowerCase() === 'cookie').map((h) => h[1]);
  const kept = names.filter(counted);
  let lang: string | null = null;
  for (const [n, v] of headers) if (n.toLowerCase() === 'accept-language') lang = v;
  const tag = lang === null ? '0000' : lang.replace(/-/g, '').replace(/;/g, ',').toLowerCase().split(',')[0]!.slice(0, 4).padEnd(4, '0');
  const ver = (version ?? 'HTTP/1.1').split('/').pop()!.replace('.', '');
  const a = `${(method ?? '').toLowerCase().slice(0, 2)}${ver}${cookies.length > 0 ? 'c' : 'n'}${names.some((n) => n.toLowerCase() === 'referer') ? 'r' : 'n'}` +
    `${String(Math.min(kept.length, 99)).padStart(2, '0')}${tag}`;
  if (cookies.length === 0) return `${a}_${sha12(kept)}_${ZEROS}_${ZEROS}`;
  // one Cookie header is split into its cookies; several are each taken whole (as tshark gives them to ja4h.py)
  const items = cookies.length === 1 ? cookies[0]!.split(';') : cookies;
  const pairs = items.map((y) => [y.split('=')[0]!.trim(), y.trim()] as const).sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
  return `${a}_${sha12(kept)}_${sha12(pairs.map((p) => p[0]))}_${sha12(pairs.map((p) => p[1]))}`;
}

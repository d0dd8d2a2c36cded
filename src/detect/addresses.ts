// Rule variables, address lists and port lists (Snort 2.9 syntax): `any`, `!x`, `[a,b,!c]` nested, `$VAR`,
// IPv4/IPv6 addresses and CIDRs; ports `n`, `n:m`, `:m`, `n:`, negations and lists. Errors name the text.
import { parseIpv4, parseIpv6 } from '../core/ip.js';
import type { AddrSpec, AddrTerm, PortRange, PortSpec } from './rule.js';

export class RuleSyntaxError extends Error {
  constructor(message: string, readonly column: number | null = null) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}

/**
 * snort.conf's defaults (the ports analysts' rules assume); any of them can be set with --var. EXTERNAL_NET
 * is `!$HOME_NET` once HOME_NET is given, and `any` while HOME_NET is `any` (its negation would match nothing,
 * and snort.conf ships both as any): see withDefaults().
 */
export const DEFAULT_VARS: Readonly<Record<string, string>> = {
  HOME_NET: 'any',
  EXTERNAL_NET: 'any',
  HTTP_SERVERS: '$HOME_NET',
  SMTP_SERVERS: '$HOME_NET',
  SQL_SERVERS: '$HOME_NET',
  DNS_SERVERS: '$HOME_NET',
  TELNET_SERVERS: '$HOME_NET',
  AIM_SERVERS: '$EXTERNAL_NET',
  SIP_SERVERS: '$HOME_NET',
  SSH_SERVERS: '$HOME_NET',
  FTP_SERVERS: '$HOME_NET',
  DC_SERVERS: '$HOME_NET',
  HTTP_PORTS: '[80,81,311,383,591,593,901,1220,1414,1741,1830,2301,2381,2809,3037,3128,3702,4343,4848,5250,6988,7000,7001,7144,7145,7510,7777,7779,8000,8008,8014,8028,8080,8085,8088,8090,8118,8123,8180,8181,8243,8280,8300,8800,8888,8899,9000,9060,9080,9090,9091,9443,9999,11371,34443,34444,41080,50002,55555]',
  SHELLCODE_PORTS: '!80',
  ORACLE_PORTS: '1024:',
  SSH_PORTS: '22',
  FTP_PORTS: '[21,2100,3535]',
  SIP_PORTS: '[5060,5061,5600]',
  SMTP_PORTS: '[25,465,587,2525]',
  FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
  GTP_PORTS: '[2123,2152,3386]',
};

/** The variables a run uses: the defaults, then the user's; EXTERNAL_NET follows a given HOME_NET. */
export function withDefaults(user: Readonly<Record<string, string>> = {}): Record<string, string> {
  const vars = { ...DEFAULT_VARS, ...user };
  if (user.HOME_NET !== undefined && user.EXTERNAL_NET === undefined) vars.EXTERNAL_NET = '!$HOME_NET';
  return vars;
}

const MAX_EXPANSION = 32;

/**
 * Characters the variables of one address or port field may produce, all levels counted. A real HOME_NET list
 * is a few kB; variables that each name the one before twice would double at every level (2^32 copies).
 */
export const MAX_EXPANDED_CHARS = 1 << 20;

/** Replaces $VARS (recursively, bounded in depth and in the characters produced) with their values. */
export function expandVars(text: string, vars: Readonly<Record<string, string>>, depth = 0, made = { chars: 0 }): string {
  if (depth > MAX_EXPANSION) throw new RuleSyntaxError(`variables nested more than ${MAX_EXPANSION} deep in "${text.slice(0, 200)}"`);
  return text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new RuleSyntaxError(`undefined variable $${name}`);
    const out = expandVars(v, vars, depth + 1, made);
    made.chars += out.length;
    if (made.chars > MAX_EXPANDED_CHARS) throw new RuleSyntaxError(`variables expand to more than ${MAX_EXPANDED_CHARS} characters (at $${name})`);
    return out;
  });
}

/** Splits a bracketed list at its top-level commas. */
function items(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
    if (depth < 0) throw new RuleSyntaxError(`unbalanced "]" in "${text}"`);
  }
  if (depth !== 0) throw new RuleSyntaxError(`unbalanced "[" in "${text}"`);
  out.push(cur.trim());
  return out.filter((x) => x !== '');
}

export function parseAddr(raw: string, vars: Readonly<Record<string, string>>): AddrSpec {
  const text = expandVars(raw, vars);
  const terms: AddrTerm[] = [];
  const walk = (t: string, neg: boolean): void => {
    t = t.trim();
    if (t.startsWith('!')) return walk(t.slice(1), !neg);
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) throw new RuleSyntaxError(`unbalanced "[" in address "${t}"`);
      for (const i of items(t.slice(1, -1))) walk(i, neg);
      return;
    }
    if (t === 'any') {
      terms.push({ negated: neg, net: null });
      return;
    }
    const [addr, bitsText] = t.split('/');
    const v6 = addr!.includes(':');
    const bytes = v6 ? parseIpv6(addr!) : v4Bytes(addr!);
    if (bytes === null) throw new RuleSyntaxError(`not an address: "${t}"`);
    const max = v6 ? 128 : 32;
    const bits = bitsText === undefined ? max : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > max || (bitsText !== undefined && !/^\d+$/.test(bitsText))) {
      throw new RuleSyntaxError(`bad prefix length in "${t}"`);
    }
    terms.push({ negated: neg, net: { v6, bytes, bits } });
  };
  walk(text, false);
  return { terms, text };
}

function v4Bytes(s: string): Uint8Array | null {
  const n = parseIpv4(s);
  return n === null ? null : new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

export function parsePorts(raw: string, vars: Readonly<Record<string, string>>): PortSpec {
  const text = expandVars(raw, vars);
  const ranges: PortRange[] = [];
  const walk = (t: string, neg: boolean): void => {
    t = t.trim();
    if (t.startsWith('!')) return walk(t.slice(1), !neg);
    if (t.startsWith('[')) {
      if (!t.endsWith(']')) throw new RuleSyntaxError(`unbalanced "[" in ports "${t}"`);
      for (const i of items(t.slice(1, -1))) walk(i, neg);
      return;
    }
    if (t === 'any') {
      if (neg) throw new RuleSyntaxError('"!any" matches no port');
      ranges.push({ negated: false, lo: 0, hi: 65535 });
      return;
    }
    const m = /^(\d{1,5})?(:)?(\d{1,5})?$/.exec(t);
    if (m === null || (m[1] === undefined && m[3] === undefined)) throw new RuleSyntaxError(`not a port or range: "${t}"`);
    const lo = m[1] !== undefined ? Number(m[1]) : 0;
    const hi = m[2] !== undefined ? (m[3] !== undefined ? Number(m[3]) : 65535) : lo;
    if (lo > 65535 || hi > 65535 || lo > hi) throw new RuleSyntaxError(`port range out of order or over 65535: "${t}"`);
    ranges.push({ negated: neg, lo, hi });
  };
  walk(text, false);
  return { ranges: ranges.length === 1 && !ranges[0]!.negated && ranges[0]!.lo === 0 && ranges[0]!.hi === 65535 ? [] : ranges, text };
}

/** Does an address (4 or 16 bytes) satisfy the list? */
export function addrMatches(spec: AddrSpec, ip: Uint8Array): boolean {
  let positive = false;
  let hit = false;
  for (const t of spec.terms) {
    const m = t.net === null || inNet(t.net, ip);
    if (t.negated) {
      if (m) return false;
    } else {
      positive = true;
      if (m) hit = true;
    }
  }
  return hit || !positive;
}

function inNet(net: { v6: boolean; bytes: Uint8Array; bits: number }, ip: Uint8Array): boolean {
  if (net.bytes.length !== ip.length) return false;
  let bits = net.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net.bytes[i]! & mask) !== (ip[i]! & mask)) return false;
  }
  return true;
}

export function portMatches(spec: PortSpec, port: number): boolean {
  if (spec.ranges.length === 0) return true;
  let positive = false;
  let hit = false;
  for (const r of spec.ranges) {
    const m = port >= r.lo && port <= r.hi;
    if (r.negated) {
      if (m) return false;
    } else {
      positive = true;
      if (m) hit = true;
    }
  }
  return hit || !positive;
}

// The analyst's home network: a list of IPv4 and IPv6 CIDRs, tested per session (not per packet).
import { HaystackError } from '../core/errors.js';
import { parseIpv4, parseIpv6 } from '../core/ip.js';

interface Net6 {
  addr: Uint8Array;
  prefix: number;
}

export class HomeNet {
  private readonly v4: { net: number; mask: number }[] = [];
  private readonly v6: Net6[] = [];
  readonly text: string;

  /** @param cidrs e.g. ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] */
  constructor(cidrs: readonly string[]) {
    this.text = cidrs.join(',');
    for (const raw of cidrs) {
      const c = raw.trim();
      if (c === '') continue;
      const slash = c.indexOf('/');
      const addr = slash < 0 ? c : c.slice(0, slash);
      const plen = slash < 0 ? null : c.slice(slash + 1);
      if (plen !== null && !/^\d{1,3}$/.test(plen)) throw bad(raw);
      const v4 = parseIpv4(addr);
      if (v4 !== null) {
        const p = plen === null ? 32 : Number(plen);
        if (p > 32) throw bad(raw);
        const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
        this.v4.push({ net: (v4 & mask) >>> 0, mask });
        continue;
      }
      const v6 = parseIpv6(addr);
      if (v6 === null) throw bad(raw);
      const p = plen === null ? 128 : Number(plen);
      if (p > 128) throw bad(raw);
      this.v6.push({ addr: v6, prefix: p });
    }
  }

  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  hasIpv4(a: number): boolean {
    for (const n of this.v4) if (((a & n.mask) >>> 0) === n.net) return true;
    return false;
  }

  hasIpv6(b: Uint8Array): boolean {
    for (const n of this.v6) if (prefixMatch(b, n.addr, n.prefix)) return true;
    return false;
  }
}

function prefixMatch(a: Uint8Array, net: Uint8Array, prefix: number): boolean {
  const full = prefix >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== net[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (net[full]! & mask);
}

function bad(c: string): HaystackError {
  return new HaystackError('HAYSTACK_BAD_ARGUMENT', `--home-net: "${c}" is not an IPv4 or IPv6 address or CIDR`);
}

export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

export function directionOf(localSrc: boolean, localDst: boolean): Direction {
  if (localSrc) return localDst ? 'internal' : 'outbound';
  return localDst ? 'inbound' : 'external';
}

// Community ID v1 against the spec's recipe done with node:crypto (seed, ordered addresses and ports,
// protocol, zero), for byte addresses and for the flow table's 32-bit IPv4 numbers.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { communityId, communityIdV4 } from './community-id.js';

const PORTED = new Set([1, 6, 17, 58, 132]);

/** corelight/community-id-spec: sha1 over seed(2) saddr daddr proto(1) pad(1) [sport(2) dport(2)], smaller (addr, port) first. */
function reference(src: Uint8Array, dst: Uint8Array, proto: number, sp: number, dp: number, oneWay: boolean, seed: number): string {
  const cmp = Buffer.compare(Buffer.from(src), Buffer.from(dst));
  const ported = PORTED.has(proto);
  const swap = !oneWay && (cmp > 0 || (cmp === 0 && ported && sp > dp));
  const [a, b, pa, pb] = swap ? [dst, src, dp, sp] : [src, dst, sp, dp];
  const h = createHash('sha1').update(Uint8Array.of(seed >> 8, seed & 255)).update(a).update(b).update(Uint8Array.of(proto, 0));
  if (ported) h.update(Uint8Array.of(pa >> 8, pa & 255, pb >> 8, pb & 255));
  return `1:${h.digest('base64')}`;
}

const v4 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

describe('communityId', () => {
  const proto = fc.constantFrom(1, 6, 17, 47, 58, 132);
  const port = fc.integer({ min: 0, max: 65535 });
  const seed = fc.integer({ min: 0, max: 65535 });
  // equal addresses and ports often enough to reach the port tie-breaks
  const addr4 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.constantFrom(0, 0x7f000001, -1, 0xffffffff));

  it('equals the spec recipe for IPv4 and IPv6 byte addresses', () => {
    const addr = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.constant(Uint8Array.of(10, 0, 0, 1)));
    const addr6 = fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constant(new Uint8Array(16)));
    const pair = fc.oneof(fc.tuple(addr, addr), fc.tuple(addr6, addr6));
    fc.assert(
      fc.property(pair, proto, port, port, fc.boolean(), seed, ([a, b], p, sp, dp, oneWay, s) => {
        expect(communityId(a, b, p, sp, dp, oneWay, s)).toBe(reference(a, b, p, sp, dp, oneWay, s));
        expect(communityId(a, a, p, sp, dp, oneWay, s)).toBe(reference(a, a, p, sp, dp, oneWay, s));
      }),
      { numRuns: 1000 },
    );
  });

  it('communityIdV4 of 32-bit numbers (signed or not) equals it on their bytes', () => {
    fc.assert(
      fc.property(addr4, addr4, proto, port, port, fc.boolean(), seed, (a, b, p, sp, dp, oneWay, s) => {
        expect(communityIdV4(a, b, p, sp, dp, oneWay, s)).toBe(reference(v4(a), v4(b), p, sp, dp, oneWay, s));
        expect(communityIdV4(a, a, p, sp, dp, oneWay, s)).toBe(reference(v4(a), v4(a), p, sp, dp, oneWay, s));
      }),
      { numRuns: 1000 },
    );
  });

  it('the spec README example (128.232.110.120:34855 -> 66.35.250.204:80 TCP)', () => {
    expect(communityIdV4(0x80e86e78, 0x4223facc, 6, 34855, 80)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  });
});

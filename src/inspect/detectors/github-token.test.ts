import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { githubToken } from './github-token.js';
import { crc32 } from './secret-codec.js';
import { MASK_MAX_STARS } from './secret-mask.js';

const ctx: DetectContext = { appProto: 'http', isObject: false };
const run = (text: string) => githubToken.detect(text, ctx);
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The checksum as GitHub's format describes it, computed with zlib's CRC32 (the peer), in base62 padded to 6. */
function checksum(body: string): string {
  let n = zlibCrc32(body);
  let s = '';
  while (n > 0) {
    s = B62[n % 62]! + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(6, '0');
}

const body = fc.string({ unit: fc.constantFrom(...B62), minLength: 30, maxLength: 30 });
const prefix = fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_');

describe('github_token', () => {
  it('our CRC32 is zlib CRC32', () => {
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) }), (s) => {
      expect(crc32(s)).toBe(zlibCrc32(Buffer.from(s, 'latin1')));
    }));
  });

  it('finds the published example token (its checksum as the author of the format breakdown gives it)', () => {
    // github.com/coolaj86's gist "base62 ... + github base62 token format": ghp_ + zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ + 0mLq17
    const hits = run('token: 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\n');
    expect(hits.map((h) => [h.offset, h.length, h.confidence, h.validations, h.note])).toEqual([[7, 40, 'high', ['crc32'], 'personal access token']]);
    // the prefix, the last 4, and stars for the 32 between, capped at MASK_MAX_STARS
    expect(hits[0]!.masked).toBe('ghp_' + '*'.repeat(MASK_MAX_STARS) + 'Lq17');
  });

  it('finds every token whose checksum holds, and none whose checksum is off', () => {
    fc.assert(
      fc.property(prefix, body, fc.integer({ min: 0, max: 5 }), (p, b, flip) => {
        const c = checksum(b);
        const good = `${p}${b}${c}`;
        expect(run(`Authorization: token ${good}\r\n`).map((h) => h.value)).toEqual([good]);
        const wrong = c.slice(0, flip) + (c[flip] === 'a' ? 'b' : 'a') + c.slice(flip + 1);
        expect(run(`x ${p}${b}${wrong} y`)).toEqual([]);
      }),
    );
  });

  it('stays silent on lookalikes: other prefix, inside a word, too long', () => {
    const b = 'zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ';
    expect(run(`ghx_${b}0mLq17`)).toEqual([]);
    expect(run(`xghp_${b}0mLq17`)).toEqual([]);
    expect(run(`ghp_${b}0mLq17a`)).toEqual([]);
  });

  it('finds fine-grained tokens by shape, medium', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...B62), minLength: 22, maxLength: 22 }), fc.string({ unit: fc.constantFrom(...B62), minLength: 59, maxLength: 59 }), (a, b) => {
        const t = `github_pat_${a}_${b}`;
        expect(run(`GH_TOKEN="${t}"`).map((h) => [h.value, h.confidence, h.offset])).toEqual([[t, 'medium', 10]]);
        expect(run(`github_pat_${a}_${b.slice(1)}`)).toEqual([]);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(prefix, body, fc.string({ maxLength: 10 })), { maxLength: 20 }), (parts) => {
        run(parts.join(''));
      }),
    );
  });
});

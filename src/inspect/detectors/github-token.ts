// GitHub tokens: the 2021 formats (ghp_ personal, gho_ OAuth, ghu_ user-to-server, ghs_ server-to-server, ghr_
// refresh: prefix + 30 random base62 characters + a 6-character checksum, the CRC32 of the 30 random characters
// in base62 padded with '0', as GitHub's "Behind GitHub's new authentication token formats" describes) and
// fine-grained personal access tokens (github_pat_ + 22 + '_' + 59 base62 characters; no public checksum).
//
// Confidence: a 2021-format token whose checksum holds is high (validations ["crc32"]); one whose checksum does
// not hold is not reported (a random string of the same shape passes it 1 time in 2^32). A github_pat_ token
// of the right shape is medium (shape only).
import type { Detector, Hit } from '../types.js';
import { base62, crc32 } from './secret-codec.js';
import { maskSecret } from './secret-mask.js';

const CLASSIC = /(?<![A-Za-z0-9_])gh([pousr])_([A-Za-z0-9]{30})([A-Za-z0-9]{6})(?![A-Za-z0-9_])/g;
const FINE = /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g;

const KINDS: Readonly<Record<string, string>> = {
  p: 'personal access token',
  o: 'OAuth access token',
  u: 'user-to-server token',
  s: 'server-to-server token',
  r: 'refresh token',
};

/** Does a 2021-format token's checksum hold? `body` is the 30 random characters, `check` the last 6. */
export function githubChecksumOk(body: string, check: string): boolean {
  return base62(crc32(body), 6) === check;
}

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  CLASSIC.lastIndex = 0;
  for (let m = CLASSIC.exec(text); m !== null; m = CLASSIC.exec(text)) {
    if (!githubChecksumOk(m[2]!, m[3]!)) continue;
    hits.push({
      detector: 'github_token',
      category: 'secret',
      confidence: 'high',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 4),
      validations: ['crc32'],
      contextTerms: [],
      testValue: false,
      note: KINDS[m[1]!]!,
    });
  }
  FINE.lastIndex = 0;
  for (let m = FINE.exec(text); m !== null; m = FINE.exec(text)) {
    hits.push({
      detector: 'github_token',
      category: 'secret',
      confidence: 'medium',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 11),
      validations: ['shape'],
      contextTerms: [],
      testValue: false,
      note: 'fine-grained personal access token',
    });
  }
  return hits.sort((a, b) => a.offset - b.offset);
}

/** GitHub tokens with their checksum (see the header for the confidence rule). */
export const githubToken: Detector = {
  name: 'github_token',
  category: 'secret',
  keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  detect,
};

// AWS access key ids (AKIA long-term, ASIA temporary, ABIA/ACCA, the old A3T) and the secret access key that
// goes with one.
//
// Confidence: an access key id alone (prefix + 16 base32 characters, bounded by non-word characters) is medium;
// with a secret access key (40 characters of [A-Za-z0-9/+], bounded by characters outside that set, Shannon
// entropy >= AWS_SECRET_MIN_ENTROPY, holding both a letter and a digit) within AWS_PAIR_WINDOW characters it is
// a pair: both are reported, high. A secret alone is never reported (40 base64 characters are everywhere).
// AWS's documented example key (AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) and any id or
// secret ending in EXAMPLE / EXAMPLEKEY are flagged testValue.
import type { Detector, Hit } from '../types.js';
import { shannonEntropy } from './secret-codec.js';
import { around, maskSecret, termsIn } from './secret-mask.js';

/** how far from an id a secret access key is taken as its pair (a config file or an env dump puts them close) */
export const AWS_PAIR_WINDOW = 300;
/** a random 40-character base64 string has ~5 bits per character; "a" * 40 has 0 */
export const AWS_SECRET_MIN_ENTROPY = 3.5;
/** context words looked for within AWS_PAIR_WINDOW of the id */
const CONTEXT = ['aws_access_key_id', 'aws_secret_access_key', 'accesskeyid', 'secretaccesskey', 'aws', 'secret'];

const ID = /(?<![A-Za-z0-9_])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9_])/g;
const SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

const EXAMPLE_ID = 'AKIAIOSFODNN7EXAMPLE';
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function plausibleSecret(s: string): boolean {
  return /[A-Za-z]/.test(s) && /[0-9]/.test(s) && shannonEntropy(s) >= AWS_SECRET_MIN_ENTROPY;
}

const B64_CHAR = /[A-Za-z0-9/+]/;

function nearestSecret(text: string, idStart: number, idEnd: number): { at: number; value: string } | null {
  const from = Math.max(0, idStart - AWS_PAIR_WINDOW);
  const to = Math.min(text.length, idEnd + AWS_PAIR_WINDOW);
  // search the window only (a search over the buffer from `from` could run to its end for every id)
  const win = text.slice(from, to);
  SECRET.lastIndex = 0;
  let best: { at: number; value: string } | null = null;
  let bestDist = Infinity;
  for (let m = SECRET.exec(win); m !== null; m = SECRET.exec(win)) {
    const at = from + m.index;
    // the window's edges are not the run's: it must not go on past them in the buffer
    if (B64_CHAR.test(text[at - 1] ?? '') || /[A-Za-z0-9/+=]/.test(text[at + 40] ?? '')) continue;
    if (!plausibleSecret(m[0])) continue;
    const dist = at >= idEnd ? at - idEnd : idStart - (at + 40);
    if (dist >= 0 && dist < bestDist) {
      best = { at, value: m[0] };
      bestDist = dist;
    }
  }
  return best;
}

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  const pairedSecrets = new Set<number>();
  ID.lastIndex = 0;
  for (let m = ID.exec(text); m !== null; m = ID.exec(text)) {
    const id = m[0];
    const idEnd = m.index + id.length;
    const secret = nearestSecret(text, m.index, idEnd);
    ID.lastIndex = idEnd;
    const contextTerms = termsIn(around(text, m.index, idEnd, AWS_PAIR_WINDOW), CONTEXT);
    const idTest = id === EXAMPLE_ID || id.endsWith('EXAMPLE');
    const kind = id.startsWith('ASIA') ? 'temporary (STS) access key id' : 'access key id';
    hits.push({
      detector: 'aws_access_key',
      category: 'secret',
      confidence: secret !== null ? 'high' : 'medium',
      offset: m.index,
      length: id.length,
      value: id,
      masked: maskSecret(id, 4),
      validations: secret !== null ? ['shape', 'pair'] : ['shape'],
      contextTerms,
      testValue: idTest,
      note: secret !== null ? `${kind}, with its secret access key` : kind,
    });
    if (secret !== null && !pairedSecrets.has(secret.at)) {
      pairedSecrets.add(secret.at);
      hits.push({
        detector: 'aws_access_key',
        category: 'secret',
        confidence: 'high',
        offset: secret.at,
        length: 40,
        value: secret.value,
        masked: maskSecret(secret.value),
        validations: ['shape', 'entropy', 'pair'],
        contextTerms,
        testValue: secret.value === EXAMPLE_SECRET || /EXAMPLE(?:KEY)?$/.test(secret.value) || idTest,
        note: `secret access key of ${maskSecret(id, 4)}`,
      });
    }
  }
  return hits.sort((a, b) => a.offset - b.offset);
}

/** AWS access key ids and their secret access keys (see the header for the confidence rule). */
export const awsKeys: Detector = {
  name: 'aws_access_key',
  category: 'secret',
  keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
  detect,
};

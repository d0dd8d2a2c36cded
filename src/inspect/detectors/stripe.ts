// Stripe secret keys (sk_) and restricted keys (rk_), live and test.
//
// Confidence: high for a live key (sk_live_ / rk_live_) with at least STRIPE_MIN_RANDOM base62 characters
// after the prefix; a test key (sk_test_ / rk_test_) of that shape is medium and flagged testValue (it reaches
// Stripe's test mode only). Shorter ones are not reported. Publishable keys (pk_) are public by design: not
// looked for.
import type { Detector, Hit } from '../types.js';
import { maskSecret } from './secret-mask.js';

/** Stripe's keys carry 24 to 99 random characters after the prefix; 24 keeps "sk_live_example" out */
export const STRIPE_MIN_RANDOM = 24;

const KEY = /(?<![A-Za-z0-9_])([sr])k_(live|test)_([A-Za-z0-9]{10,247})(?![A-Za-z0-9_])/g;

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  KEY.lastIndex = 0;
  for (let m = KEY.exec(text); m !== null; m = KEY.exec(text)) {
    if (m[3]!.length < STRIPE_MIN_RANDOM) continue;
    const live = m[2] === 'live';
    hits.push({
      detector: 'stripe_key',
      category: 'secret',
      confidence: live ? 'high' : 'medium',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 8),
      validations: ['shape'],
      contextTerms: [],
      testValue: !live,
      note: `${m[1] === 's' ? 'secret' : 'restricted'} key (${m[2]!})`,
    });
  }
  return hits;
}

/** Stripe secret and restricted keys (see the header for the confidence rule). */
export const stripe: Detector = {
  name: 'stripe_key',
  category: 'secret',
  keywords: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'],
  detect,
};

// The financial and personal-data detectors of issue 17, as one list for the inspector.

import { abaRouting } from './detectors/aba-routing.js';
import { email } from './detectors/email.js';
import { iban } from './detectors/iban.js';
import { paymentCard } from './detectors/payment-card.js';
import { phone } from './detectors/phone.js';
import { trackData } from './detectors/track-data.js';
import { usSsn } from './detectors/us-ssn.js';
import type { Detector } from './types.js';

/** Payment cards, track data, IBAN, ABA routing numbers, US SSNs, e-mail addresses and phone numbers. */
export function allPiiDetectors(): Detector[] {
  return [paymentCard, trackData, iban, abaRouting, usSsn, email, phone];
}

// Magnetic-stripe track data (ISO/IEC 7813): track 1 "%B<PAN>^<NAME>^<YYMM><service code>...?" and track 2
// ";<PAN>=<YYMM><service code>...?". Full track data lets a card be cloned; PCI DSS forbids storing it at all.
//
// Confidence rule: reported only when the PAN passes Luhn, the expiry month is 01-12 and a 3-digit service
// code follows; high when the PAN is also in an issuer's IIN range and the start sentinel ('%' or ';') is
// there, medium otherwise (a dump without sentinels, or a private-label PAN). The value is the whole track.

import { issuerOf, isTestCard } from '../card-issuers.js';
import { luhn } from '../checksum.js';
import { maskCard } from '../mask.js';
import { isWord, regionsNear } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const TRACK_DATA = 'track_data';

/**
 * Track 1 (format B): PAN of 13-19 digits, a name of 2-26 characters, expiry YYMM, service code, discretionary
 * data, end sentinel. ISO/IEC 7813 caps the track at 79 characters.
 */
const TRACK1 = /(%?)B(\d{13,19})\^([A-Za-z0-9 /.'-]{2,26})\^(\d{2})(\d{2})(\d{3})([A-Za-z0-9 ]{0,40})(\??)/g;
/** ISO/IEC 7813: track 1 holds at most 79 characters (track 2 40): what a track reaches past its PAN. */
const MAX_TRACK = 79;
/** Track 2: PAN, '=', expiry YYMM, service code, discretionary digits, end sentinel; 40 characters at most. */
const TRACK2 = /(;?)(\d{13,19})=(\d{2})(\d{2})(\d{3})(\d{0,19})(\??)/g;

function hit(text: string, start: number, end: number, track: 1 | 2, pan: string, month: string, sentinel: boolean): Hit | null {
  const m = Number(month);
  if (m < 1 || m > 12 || !luhn(pan)) return null;
  const network = issuerOf(pan);
  const validations = ['luhn', 'expiry', 'service_code'];
  if (network !== null) validations.push(`iin:${network}`);
  if (sentinel) validations.push('sentinel');
  return {
    detector: TRACK_DATA,
    category: 'financial',
    confidence: network !== null && sentinel ? 'high' : 'medium',
    offset: start,
    length: end - start,
    value: text.slice(start, end),
    masked: track === 1 ? `%B${maskCard(pan)}^***^****` : `;${maskCard(pan)}=****`,
    validations,
    contextTerms: [],
    testValue: isTestCard(pan),
    note: `track ${track}`,
  };
}

/** Magnetic-stripe track 1 and 2 data (see the file header for the confidence rule). */
export const trackData: Detector = {
  name: TRACK_DATA,
  category: 'financial',
  keywords: [],
  digits: 13,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    // the PAN is a run of 13+ digits; a sentinel and format code stand at most 2 characters before it
    for (const [from, to] of regionsNear(text, 13, 2, MAX_TRACK)) {
      const part = text.slice(from, to);
      TRACK1.lastIndex = 0;
      for (let m = TRACK1.exec(part); m !== null; m = TRACK1.exec(part)) {
        const start = from + m.index;
        // 'B' must not be the end of a word ("ABC4111...^"), unless the start sentinel stands before it
        if (m[1] === '' && start > 0 && isWord(text.charCodeAt(start - 1))) continue;
        const h = hit(text, start, start + m[0].length, 1, m[2]!, m[5]!, m[1] === '%');
        if (h !== null) out.push(h);
      }
      TRACK2.lastIndex = 0;
      for (let m = TRACK2.exec(part); m !== null; m = TRACK2.exec(part)) {
        const start = from + m.index;
        // the PAN starts the token: no digit or letter glued before it
        if (m[1] === '' && start > 0 && isWord(text.charCodeAt(start - 1))) continue;
        const end = start + m[0].length;
        // a longer digit run after the discretionary data means this is not a track
        if (m[7] === '' && end < text.length && isWord(text.charCodeAt(end))) continue;
        const h = hit(text, start, end, 2, m[2]!, m[4]!, m[1] === ';');
        if (h !== null) out.push(h);
      }
    }
    return out.sort((a, b) => a.offset - b.offset);
  },
};

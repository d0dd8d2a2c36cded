// Scoring by span overlap: a hit on a labelled span is a true positive, elsewhere a false positive; a span no
// hit touches is a miss unless its value fails its checksum (scored apart); offsets go from UTF-8 bytes to code points.
import { describe, expect, it } from 'vitest';
import { byteToCodePoint, scoreHits, toCodePoints, type LabelledText } from './score.js';
import type { Hit } from './types.js';

const hit = (detector: string, offset: number, length: number): Hit => ({ detector, category: 'financial', confidence: 'medium', offset, length, value: 'v', masked: '*', validations: [], contextTerms: [], testValue: false });

describe('score', () => {
  it('TP, FP, misses and checksum-failing spans', () => {
    const records: LabelledText[] = [
      { text: 'card 4111111111111111 and 4111111111111112', spans: [{ type: 'CREDIT_CARD', start: 5, end: 21, value: '4111111111111111' }, { type: 'CREDIT_CARD', start: 26, end: 42, value: '4111111111111112' }] },
      { text: 'card 5555555555554444 x', spans: [{ type: 'CREDIT_CARD', start: 5, end: 21, value: '5555555555554444' }] },
      { text: 'nothing 1234', spans: [] },
    ];
    const hits = [[hit('payment_card', 5, 16)], [], [hit('payment_card', 8, 4), hit('aba_routing', 0, 1)]];
    const [card, aba] = scoreHits(records, hits, ['payment_card', 'aba_routing']);
    expect(card).toMatchObject({ entity: 'CREDIT_CARD', truePositives: 1, falsePositives: 1, found: 1, missed: 1, checksumFailed: 1, precision: 0.5, recall: 0.5 });
    expect(card!.missedSpans).toEqual([[1, 0]]);
    expect(aba).toMatchObject({ entity: null, unlabelled: 1, precision: null, recall: null });
  });

  it('byte offsets to code points', () => {
    // é is 2 bytes, € 3, 𝄞 4 (and 2 UTF-16 units, but one code point as Python counts)
    const text = 'aé€𝄞b';
    expect([...byteToCodePoint(text)]).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5]);
    expect(toCodePoints(text, [hit('x', 10, 1)])[0]).toMatchObject({ offset: 4, length: 1 });
  });
});

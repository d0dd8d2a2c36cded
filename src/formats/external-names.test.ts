// The light list of external format names is the formats' own names, in the same order.
import { describe, expect, it } from 'vitest';
import { EXTERNAL_FORMATS } from './external.js';
import { EXTERNAL_FORMAT_NAMES, isExternalFormatName } from './external-names.js';

describe('external format names', () => {
  it('are the names of EXTERNAL_FORMATS, in order', () => {
    expect(EXTERNAL_FORMAT_NAMES).toEqual(EXTERNAL_FORMATS.map((f) => f.name));
  });
  it('tell an external name from ours', () => {
    expect(isExternalFormatName('eve')).toBe(true);
    expect(isExternalFormatName('jsonl')).toBe(false);
    expect(isExternalFormatName('')).toBe(false);
  });
});

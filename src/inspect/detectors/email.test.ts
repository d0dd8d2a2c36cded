// E-mail addresses: shape, public suffix, reserved names flagged, masks; the byte path finds what the text path finds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latin1Bytes } from '../../core/latin1.js';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { email } from './email.js';

const CTX = { appProto: null, isObject: true } as const;

describe('e-mail detector', () => {
  it('finds addresses, lower-cased, low confidence, masked', () => {
    const text = 'Mail <Uta.Kortig@Jourrapide.com>, bob+tag@mail.co.uk. Or x_y@sub.example.org!';
    const hits = scan(email, text);
    expect(hits.map((h) => [covered(text, h), h.value, h.masked, h.confidence, h.testValue])).toEqual([
      ['Uta.Kortig@Jourrapide.com', 'uta.kortig@jourrapide.com', 'U*********@j*********.com', 'low', false],
      ['bob+tag@mail.co.uk', 'bob+tag@mail.co.uk', 'b******@m******.uk', 'low', false],
      ['x_y@sub.example.org', 'x_y@sub.example.org', 'x**@s**********.org', 'low', true],
    ]);
  });

  it('stays silent without a public suffix, with a too long local part, and on non-addresses', () => {
    expectSilent(email, [
      'user@host', 'user@host.zz', 'user@localhost.lan', '@example.com', 'user@.com', 'user@-a.com', 'a..b@x.com',
      `${'a'.repeat(65)}@x.com`, 'foo@bar', 'git@github', 'name@123.456', '.@x.com',
    ]);
  });

  it('trims a full stop after the address, and an address in a longer run of local characters is not taken', () => {
    const text = 'write to ann@example.com.';
    expect(scan(email, text).map((h) => covered(text, h))).toEqual(['ann@example.com']);
    expect(scan(email, `${'A'.repeat(80)}@example.com`)).toEqual([]);
  });

  it('reads the same addresses from the bytes as from the text', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('ann@example.com', 'a.b@mail.co.uk', '@', '.', 'x', 'com', '\x80', '\xff'), fc.string({ maxLength: 10 })), { maxLength: 30 }), (parts) => {
      const text = parts.join('');
      expect(email.detectBytes!(latin1Bytes(text), CTX)).toEqual(email.detect(text, CTX));
    }), { numRuns: 300 });
  });

  it('never throws, and each hit holds its keyword', () => {
    expectWellBehaved(email, ['ann@example.com', 'bob@mail.co.uk', '@', 'x.com', 'a', '.']);
  });
});

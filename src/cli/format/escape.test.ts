// The one escaper of human-readable output: control characters and bidi overrides shown escaped, nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstRawControl } from '../../../test/helpers/terminal.js';
import { escapeControls, escapeText, hasControls } from './escape.js';


describe('escapeControls', () => {
  it('shows ESC, OSC, BEL, CR, LF, DEL, C1 and bidi characters as escapes', () => {
    expect(escapeControls('names\x1b[2J')).toBe('names\\x1b[2J');
    expect(escapeControls('\x1b]0;title\x07')).toBe('\\x1b]0;title\\x07');
    expect(escapeControls('a\rb\nc\td')).toBe('a\\rb\\nc\\td');
    expect(escapeControls('\x00\x7f\x9b')).toBe('\\x00\\x7f\\x9b');
    expect(escapeControls('invoice\u202egnp.exe \u2066x\u2069')).toBe('invoice\\u202egnp.exe \\u2066x\\u2069');
  });

  it('leaves printable text alone, non-ASCII included', () => {
    expect(escapeControls('Rechnung für Sie — 請求書 \\x1b')).toBe('Rechnung für Sie — 請求書 \\x1b');
  });

  it('never lets a control character through, for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(firstRawControl(escapeControls(s))).toBeNull();
      expect(escapeControls(s)).not.toContain('\n');
      expect(firstRawControl(escapeText(s))).toBeNull();
      expect(hasControls(s)).toBe(escapeControls(s) !== s);
    }), { numRuns: 300 });
  });
});

describe('escapeText', () => {
  it('keeps the line feeds of a block and escapes the rest', () => {
    expect(escapeText('Part: 1\n  Filename: a\x1b[31m\r.txt\n')).toBe('Part: 1\n  Filename: a\\x1b[31m\\r.txt\n');
  });
});

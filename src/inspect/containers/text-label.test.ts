// textShape / utf16ToUtf8 / leafText, labelFacts, and the InflateRaw contract as node:zlib's adapter keeps it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeGzip, makeZip, nodeInflateRaw } from '../../../test/helpers/zip-writer.js';
import { boundedInflate } from './inflate.js';
import { extensionOf, labelFacts } from './label.js';
import { leafText, textShape, utf16ToUtf8 } from './text.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function utf16(s: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const b = new Uint8Array((bom ? 2 : 0) + s.length * 2);
  if (bom) b.set(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const o = (bom ? 2 : 0) + i * 2;
    b[o + (order === 'le' ? 0 : 1)] = c & 0xff;
    b[o + (order === 'le' ? 1 : 0)] = c >> 8;
  }
  return b;
}

describe('textShape and leafText', () => {
  it('UTF-16 by BOM (both orders) and without one, transcoded to UTF-8 (surrogate pairs included)', () => {
    const s = 'Kontonummer: DE89 3704 0044 0532 0130 00 – ok 😀';
    for (const order of ['le', 'be'] as const) {
      for (const bom of [true, false]) {
        const b = utf16(s, order, bom);
        expect(textShape(b, 'x.txt')).toEqual({ kind: 'text', utf16: order });
        expect(dec.decode(utf16ToUtf8(b, order))).toBe(s);
      }
    }
    expect(textShape(utf16('<?xml version="1.0"?><a/>', 'le', true), null)).toEqual({ kind: 'xml', utf16: 'le' });
    expect(dec.decode(utf16ToUtf8(new Uint8Array([0x00, 0xd8, 0x41, 0x00]), 'le'))).toBe('\ufffdA');
  });

  it('text, XML (by name or start) and binary (a NUL, or many control bytes)', () => {
    expect(textShape(enc.encode('plain, text\n'), 'a.csv').kind).toBe('text');
    expect(textShape(enc.encode('  <?xml version="1.0"?><r/>'), null).kind).toBe('xml');
    expect(textShape(enc.encode('<Relationships/>'), '_rels/.rels').kind).toBe('xml');
    expect(textShape(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1]), 'a.png').kind).toBe('binary');
    expect(textShape(new Uint8Array(Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0x41))), null).kind).toBe('binary');
    expect(textShape(enc.encode('caf\u00e9 \u20ac'), null).kind).toBe('text');
  });

  it('leafText: OOXML parts with runs joined, other XML with every element separated, text as is', () => {
    const xml = enc.encode('<a><x>1234</x><y>5678</y></a>');
    expect(dec.decode(leafText({ bytes: xml, kind: 'xml', name: 'xl/sharedStrings.xml' }))).toBe('12345678');
    expect(dec.decode(leafText({ bytes: xml, kind: 'xml', name: 'data.xml' }))).toBe('1234\n5678\n');
    expect(leafText({ bytes: xml, kind: 'text', name: 'data.xml' })).toBe(xml);
  });
});

describe('labelFacts', () => {
  it('report.pdf that is a zip of CSVs: the extension, the magic and the summary disagree', () => {
    const z = makeZip([{ name: 'q1.csv', data: 'a' }, { name: 'q2.csv', data: 'b' }, { name: 'sub/q3.CSV', data: 'c' }, { name: 'sub/', data: '' }]);
    expect(labelFacts(z, { filename: 'report.pdf', declaredType: 'application/pdf' })).toEqual({
      extension: 'pdf', declaredType: 'application/pdf', magicType: 'zip', extensionAgrees: false, contentSummary: 'zip of 3 files: 3 csv',
    });
  });

  it('OOXML kinds by their parts, gzip by FNAME, encrypted zips counted, text behind a binary extension', () => {
    const docx = makeZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: '<w:document/>' }]);
    expect(labelFacts(docx, { filename: 'memo.docx', declaredType: null })).toMatchObject({ magicType: 'docx', extensionAgrees: true, contentSummary: 'docx (2 parts)' });
    expect(labelFacts(docx, { filename: 'memo.zip', declaredType: null }).extensionAgrees).toBe(true);
    expect(labelFacts(docx, { filename: 'memo.xlsx', declaredType: null }).extensionAgrees).toBe(false);
    expect(labelFacts(makeGzip('x', 'dump.sql'), { filename: 'backup.gz', declaredType: null })).toMatchObject({ magicType: 'gzip', contentSummary: 'gzip of dump.sql' });
    expect(labelFacts(makeZip([{ name: 'a.txt', data: 'x', flags: 1, method: 0 }]), { filename: null, declaredType: null }).contentSummary).toBe('zip of 1 file: 1 txt (1 encrypted)');
    expect(labelFacts(enc.encode('hello'), { filename: 'invoice.pdf', declaredType: null })).toMatchObject({ magicType: null, extensionAgrees: false, contentSummary: null });
    expect(labelFacts(enc.encode('hello'), { filename: 'notes.txt', declaredType: null }).extensionAgrees).toBe(true);
    expect(labelFacts(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), { filename: 'x.unknownext', declaredType: null })).toMatchObject({ magicType: 'png', extensionAgrees: null });
  });

  it('a tar by its ustar header (GNU tar made it)', () => {
    const t = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../test/fixtures/containers/pax.tar', import.meta.url))));
    expect(labelFacts(t, { filename: 'pax.tar', declaredType: null })).toMatchObject({ magicType: 'tar', extensionAgrees: true, contentSummary: 'tar of 2 files: 2 txt' });
  });

  it('extensionOf: the last dot of the last path segment, lower case', () => {
    expect([extensionOf('A/B.tar.GZ'), extensionOf('dir.d/file'), extensionOf('.bashrc'), extensionOf('x.'), extensionOf(null)]).toEqual(['gz', null, null, null, null]);
  });
});

describe('the InflateRaw contract (node:zlib adapter, and boundedInflate)', () => {
  const data = enc.encode('0123456789'.repeat(100));
  const z = deflateRawSync(data);

  it('output, the input consumed (trailing bytes ignored), complete', () => {
    const r = nodeInflateRaw(new Uint8Array([...z, 9, 9, 9]), 5000);
    expect(r).toMatchObject({ ok: true, consumed: z.length, complete: true });
    expect(r.ok && dec.decode(r.bytes)).toBe(dec.decode(data));
  });

  it('too_large at the bound, exactly-at-the-bound fits; corrupt; cut input gives what it holds', () => {
    expect(nodeInflateRaw(z, 999)).toMatchObject({ ok: false, error: 'too_large' });
    expect(nodeInflateRaw(z, 1000)).toMatchObject({ ok: true });
    expect(nodeInflateRaw(new Uint8Array([0xff, 0xff, 0xff]), 100)).toMatchObject({ ok: false, error: 'corrupt' });
    const cut = nodeInflateRaw(z.subarray(0, z.length - 3), 5000);
    expect(cut).toMatchObject({ ok: true, complete: false });
  });

  it('boundedInflate turns a throw into corrupt, an overshoot into too_large, and clamps consumed', () => {
    expect(boundedInflate(() => { throw new Error('x'); }, z, 10)).toMatchObject({ ok: false, error: 'corrupt' });
    expect(boundedInflate(() => ({ ok: true, bytes: new Uint8Array(11), consumed: 1, complete: true }), z, 10)).toMatchObject({ ok: false, error: 'too_large' });
    expect(boundedInflate(() => ({ ok: true, bytes: new Uint8Array(1), consumed: 1e9, complete: true }), z, 10)).toMatchObject({ ok: true, consumed: z.length });
  });
});

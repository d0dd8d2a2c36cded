// walkObject: decode paths, leaves and their text, uninspectable content, on objects built here by construction
// and on the peer-made fixtures of test/fixtures/containers (expected.json: python zipfile, gzip, olefile, qpdf,
// pdftotext).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeGzip, makeZip, nodeInflateRaw } from '../../../test/helpers/zip-writer.js';
import { cfbNames } from './cfb.js';
import { leafText } from './text.js';
import { walkObject, type WalkResult } from './walk.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/containers/', import.meta.url));
interface Expected {
  tar: Record<string, { name: string; size: number }[]>;
  zip: Record<string, { name: string; size: number }[]>;
  gzip: Record<string, string>;
  cfb: Record<string, string[]>;
  pdf: Record<string, { encrypted: boolean; pdftotext: string }>;
  planted: { card: string; card2: string; aws: string };
}
const expected = JSON.parse(readFileSync(`${FIX}expected.json`, 'utf8')) as Expected;
const enc = new TextEncoder();
const dec = new TextDecoder();

function walk(b: Uint8Array, filename: string | null, base = 'base', limits = {}): WalkResult {
  return walkObject(b, { filename, declaredType: null }, { inflateRaw: nodeInflateRaw, limits }, base);
}
function texts(r: WalkResult): Record<string, string> {
  return Object.fromEntries(r.leaves.map((l) => [l.path, dec.decode(leafText(l))]));
}
function names(r: WalkResult): string[] {
  return r.anomalies.map((a) => a.name);
}

/** A minimal xlsx: content types, workbook, a sheet and shared strings whose second item is split over two runs. */
function xlsx(card: string): Uint8Array {
  const [a, b] = [card.slice(0, 4), card.slice(4)];
  return makeZip([
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>' },
    { name: 'xl/workbook.xml', data: '<workbook><sheets><sheet name="Cards" sheetId="1"/></sheets></workbook>' },
    { name: 'xl/styles.xml', data: '<styleSheet><fonts count="1"><font><name val="Calibri"/></font></fonts></styleSheet>' },
    { name: 'xl/worksheets/sheet1.xml', data: '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>' },
    { name: 'xl/sharedStrings.xml', data: `<sst count="2"><si><t>card</t></si><si><r><t>${a}</t></r><r><rPr><b/></rPr><t xml:space="preserve">${b}</t></r></si></sst>` },
  ]);
}

/** A CFB file (512-byte sectors: the FAT in sector 0, the directory from sector 1) listing `streams`. */
function makeCfb(streams: string[], opts: { loop?: boolean } = {}): Uint8Array {
  const entries = ['Root Entry', ...streams];
  const dirSectors = Math.ceil(entries.length / 4);
  const b = new Uint8Array(512 * (2 + dirSectors));
  const dv = new DataView(b.buffer);
  b.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  dv.setUint16(0x18, 0x3e, true);
  dv.setUint16(0x1a, 3, true);
  dv.setUint16(0x1c, 0xfffe, true);
  dv.setUint16(0x1e, 9, true);
  dv.setUint16(0x20, 6, true);
  dv.setUint32(0x2c, 1, true);
  dv.setUint32(0x30, 1, true);
  dv.setUint32(0x38, 4096, true);
  dv.setUint32(0x3c, 0xfffffffe, true);
  dv.setUint32(0x44, 0xfffffffe, true);
  dv.setUint32(0x4c, 0, true);
  for (let i = 1; i < 109; i++) dv.setUint32(0x4c + i * 4, 0xffffffff, true);
  const fat = 512;
  for (let i = 0; i < 128; i++) dv.setUint32(fat + i * 4, 0xffffffff, true);
  dv.setUint32(fat, 0xfffffffd, true);
  for (let s = 1; s <= dirSectors; s++) dv.setUint32(fat + s * 4, s === dirSectors ? (opts.loop === true ? 1 : 0xfffffffe) : s + 1, true);
  entries.forEach((name, i) => {
    const o = 1024 + i * 128;
    for (let k = 0; k < name.length; k++) dv.setUint16(o + k * 2, name.charCodeAt(k), true);
    dv.setUint16(o + 64, (name.length + 1) * 2, true);
    b[o + 66] = i === 0 ? 5 : 2;
    dv.setUint32(o + 68, 0xffffffff, true);
    dv.setUint32(o + 72, 0xffffffff, true);
    dv.setUint32(o + 76, i === 0 && entries.length > 1 ? 1 : 0xffffffff, true);
    dv.setUint32(o + 116, 0xfffffffe, true);
  });
  return b;
}

/** A PDF by construction: objects given, offsets computed, a classic trailer (extra keys in it) or none. */
function makePdf(objects: (string | Uint8Array)[], trailerExtra: string | null): Uint8Array {
  const parts: Uint8Array[] = [enc.encode('%PDF-1.5\n')];
  let len = parts[0]!.length;
  const offs: number[] = [];
  objects.forEach((o, i) => {
    offs.push(len);
    const p = [enc.encode(`${i + 1} 0 obj\n`), typeof o === 'string' ? enc.encode(o) : o, enc.encode('\nendobj\n')];
    for (const x of p) {
      parts.push(x);
      len += x.length;
    }
  });
  if (trailerExtra !== null) parts.push(enc.encode(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${len}\n%%EOF\n`));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function flateStream(dict: string, content: string): Uint8Array {
  const z = deflateSync(enc.encode(content));
  const head = enc.encode(`<< ${dict} /Length ${z.length} /Filter /FlateDecode >>\nstream\n`);
  const tail = enc.encode('\nendstream');
  const b = new Uint8Array(head.length + z.length + tail.length);
  b.set(head);
  b.set(z, head.length);
  b.set(tail, head.length + z.length);
  return b;
}

describe('decode paths and leaves', () => {
  it('an xlsx attachment: xl/sharedStrings.xml under zip:report.xlsx, the split value read whole, formatting parts skipped', () => {
    const r = walk(xlsx('4111111111111111'), 'report.xlsx', 'smtp › 1.2 › base64');
    const t = texts(r);
    expect(Object.keys(t)).toEqual([
      'smtp › 1.2 › base64 › zip:report.xlsx › xl/workbook.xml',
      'smtp › 1.2 › base64 › zip:report.xlsx › xl/worksheets/sheet1.xml',
      'smtp › 1.2 › base64 › zip:report.xlsx › xl/sharedStrings.xml',
    ]);
    expect(r.leaves.every((l) => l.kind === 'xml')).toBe(true);
    expect(t['smtp › 1.2 › base64 › zip:report.xlsx › xl/sharedStrings.xml']).toBe('card\n4111111111111111\n');
    expect(r.anomalies).toEqual([]);
    expect(r.uninspectable).toEqual([]);
  });

  it('a docx whose number is split across runs reads as one value', () => {
    const docx = makeZip([
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document><w:body><w:p><w:r><w:t>SSN 078-05-</w:t></w:r><w:r><w:t>1120</w:t></w:r></w:p></w:body></w:document>' },
    ]);
    expect(texts(walk(docx, 'memo.docx'))['base › zip:memo.docx › word/document.xml']).toContain('SSN 078-05-1120');
  });

  it('nested containers: zip in zip (stored and deflated), gzip of zip, gzip with FNAME, unnamed gzip', () => {
    const inner = makeZip([{ name: 'a.txt', data: 'alpha' }]);
    const outer = makeZip([{ name: 'in/inner.zip', data: inner, method: 0 }, { name: 'deflated.zip', data: inner, method: 8 }, { name: 'b.txt', data: 'beta', method: 0 }]);
    expect(texts(walk(outer, 'outer.zip'))).toEqual({
      'base › zip:outer.zip › zip:in/inner.zip › a.txt': 'alpha',
      'base › zip:outer.zip › zip:deflated.zip › a.txt': 'alpha',
      'base › zip:outer.zip › b.txt': 'beta',
    });
    expect(texts(walk(makeGzip(inner), 'bundle.zip.gz'))).toEqual({ 'base › gzip:bundle.zip.gz › zip:bundle.zip › a.txt': 'alpha' });
    const named = walk(makeGzip('x,y\n1,2\n', 'data.csv'), 'upload.bin');
    expect(named.leaves.map((l) => [l.path, l.name, l.kind])).toEqual([['base › gzip:upload.bin', 'data.csv', 'text']]);
    expect(texts(walk(makeGzip('plain'), null))).toEqual({ 'base › gzip:': 'plain' });
  });

  it('gzip: members concatenated as gunzip does; a cut member kept as far as it goes; trailing garbage named', () => {
    const two = new Uint8Array([...makeGzip('first '), ...makeGzip('second')]);
    expect(texts(walk(two, 'x.gz'))).toEqual({ 'base › gzip:x.gz': 'first second' });
    const long = makeGzip('0123456789'.repeat(1000) + 'END');
    const cut = walk(long.subarray(0, long.length - 12), 'cut.gz');
    expect(names(cut)).toContain('inspect_gzip_truncated');
    expect(cut.leaves[0]!.bytes.length).toBeGreaterThan(0);
    const junk = walk(new Uint8Array([...makeGzip('ok'), 1, 2, 3]), 'j.gz');
    expect(names(junk)).toEqual(['inspect_gzip_trailing_data']);
    expect(texts(junk)).toEqual({ 'base › gzip:j.gz': 'ok' });
  });

  it('an object that is not a container is one leaf at the base path; empty objects give nothing', () => {
    const r = walk(enc.encode('just text 4111 1111 1111 1111'), 'a.txt', 'http › resp');
    expect(r.leaves.map((l) => [l.path, l.kind])).toEqual([['http › resp', 'text']]);
    expect(walk(new Uint8Array(0), null).leaves).toEqual([]);
  });

  it('UTF-16LE text in a zip is a text leaf whose scan bytes are UTF-8', () => {
    const s = 'name,card\r\nbob,4111 1111 1111 1111\r\n';
    const u16 = new Uint8Array(2 + s.length * 2);
    u16.set([0xff, 0xfe]);
    for (let i = 0; i < s.length; i++) u16[2 + i * 2] = s.charCodeAt(i);
    const r = walk(makeZip([{ name: 'export.csv', data: u16 }]), 'e.zip');
    expect(r.leaves.map((l) => [l.kind, l.utf16])).toEqual([['text', 'le']]);
    expect(texts(r)['base › zip:e.zip › export.csv']).toBe(s);
  });

  it('entry names that escape are kept as path text only and named; control characters and › are masked in paths', () => {
    const r = walk(makeZip([{ name: '../../etc/cron.d/x', data: 'a' }, { name: '/abs/y', data: 'b' }, { name: 'ok › fake\u0001.txt', data: 'c' }]), 'evil.zip');
    expect(r.leaves.map((l) => l.path)).toEqual(['base › zip:evil.zip › ../../etc/cron.d/x', 'base › zip:evil.zip › /abs/y', 'base › zip:evil.zip › ok > fake?.txt']);
    expect(names(r)).toEqual(['inspect_zip_unsafe_name', 'inspect_zip_unsafe_name']);
  });

  it('a zip appended to other content (a polyglot) is opened and named, and the whole is a leaf too', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...enc.encode('JFIF image data')]);
    const r = walk(new Uint8Array([...jpeg, ...makeZip([{ name: 'loot.csv', data: 'a,b' }])]), 'cat.jpg');
    expect(r.leaves.map((l) => l.path)).toEqual(['base', `base › zip:cat.jpg@${jpeg.length} › loot.csv`]);
    expect(names(r)).toEqual(['inspect_zip_appended']);
  });
});

describe('content that cannot be inspected', () => {
  it('encrypted zip entries (ZipCrypto and AES): one finding per archive, the clear entries still read', () => {
    const r = walk(makeZip([{ name: 'secret.csv', data: 'x', method: 0, flags: 1 }, { name: 'aes.txt', data: 'y', aes: true, raw: new Uint8Array(30) }, { name: 'readme.txt', data: 'hello' }]), 'mixed.zip');
    expect(r.uninspectable).toEqual([{ path: 'base › zip:mixed.zip', reason: 'zip_encrypted', detail: '2 of 3 entries encrypted (AES and ZipCrypto): secret.csv, aes.txt' }]);
    expect(texts(r)).toEqual({ 'base › zip:mixed.zip › readme.txt': 'hello' });
  });

  it('entries compressed with a method other than stored/deflate', () => {
    const r = walk(makeZip([{ name: 'a.bz2d', data: 'x', method: 12, raw: new Uint8Array(10) }, { name: 'b.lz', data: 'y', method: 14, raw: new Uint8Array(10) }]), 'odd.zip');
    expect(r.uninspectable).toEqual([{ path: 'base › zip:odd.zip', reason: 'unsupported_compression', detail: '2 entries compressed with bzip2, lzma: a.bz2d, b.lz' }]);
  });

  it('archives the walk does not open (rar, 7z, xz, zstd, bzip2)', () => {
    const rar = new Uint8Array([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00, 9, 9]);
    expect(walk(rar, 'x.rar').uninspectable).toEqual([{ path: 'base', reason: 'unsupported_archive', detail: 'a rar archive (not opened)' }]);
    const inZip = walk(makeZip([{ name: 'in.7z', data: new Uint8Array([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]) }]), 'o.zip');
    expect(inZip.uninspectable.map((u) => [u.path, u.reason])).toEqual([['base › zip:o.zip › in.7z', 'unsupported_archive']]);
  });

  it('an encrypted OOXML package (CFB with EncryptionInfo and EncryptedPackage), even inside a zip', () => {
    const cfb = makeCfb(['EncryptionInfo', 'EncryptedPackage', '\u0006DataSpaces']);
    expect(walk(cfb, 'budget.xlsx').uninspectable).toEqual([{ path: 'base', reason: 'ooxml_encrypted', detail: 'an encrypted Office document (CFB with EncryptionInfo and EncryptedPackage streams)' }]);
    expect(walk(makeZip([{ name: 'budget.xlsx', data: cfb }]), 'a.zip').uninspectable.map((u) => u.path)).toEqual(['base › zip:a.zip › budget.xlsx']);
  });

  it('a plain CFB file is a binary leaf; a directory chain that loops is named and stops', () => {
    const doc = walk(makeCfb(['WordDocument', '1Table']), 'a.doc');
    expect(doc.leaves.map((l) => [l.path, l.kind])).toEqual([['base', 'binary']]);
    expect(cfbNames(makeCfb(['WordDocument', '1Table']), 10).names).toEqual(['Root Entry', 'WordDocument', '1Table']);
    const many = Array.from({ length: 9 }, (_, i) => `S${i}`);
    const loop = cfbNames(makeCfb(many, { loop: true }), 100);
    expect(loop.problem).toMatch(/loops at sector 1/);
    expect(loop.names.length).toBe(10);
    expect(names(walk(makeCfb(many, { loop: true }), 'x.doc'))).toEqual(['inspect_cfb_malformed']);
  });

  it('PDF /Encrypt in a trailer or a cross-reference stream dictionary; not in text, not /EncryptMetadata', () => {
    const page = ['<< /Type /Catalog >>', flateStream('', 'BT (4111 1111 1111 1111) Tj ET')];
    expect(walk(makePdf(page, '/Encrypt 9 0 R /ID [<00><00>] '), 'a.pdf').uninspectable.map((u) => [u.path, u.reason])).toEqual([['base', 'pdf_encrypted']]);
    const xrefStream = flateStream('/Type /XRef /Size 3 /Encrypt 5 0 R /Root 1 0 R /W [1 2 1]', '\u0000\u0000');
    const x = walk(makePdf([...page, xrefStream], null), 'b.pdf');
    expect(x.uninspectable.map((u) => u.detail)).toEqual(['an encrypted PDF (an /Encrypt entry in the cross-reference stream dictionary): its strings and streams are not readable']);
    const decoys = makePdf([...page, '<< /Note (/Encrypt in a string) /EncryptMetadata false >>', '<< /Type /Sig /Encrypt 3 0 R >>'], '');
    expect(walk(decoys, 'c.pdf').uninspectable).toEqual([]);
  });

  it('PDF text: Tj, TJ (kerning kept, wide gaps as spaces), quote operators, escapes and hex strings; images skipped', () => {
    const content = 'BT /F1 12 Tf (Card: 4111) Tj [( 1111) -50 ( 1111) -400 (end)] TJ (next \\(line\\)) \' <34313131> Tj ET';
    const image = flateStream('/Subtype /Image /Width 1 /Height 1', '(4000 0000 0000 0002) Tj');
    const r = walk(makePdf(['<< /Type /Catalog >>', flateStream('', content), image], ''), 'p.pdf');
    expect(r.leaves.map((l) => [l.path, l.kind])).toEqual([['base', 'binary'], ['base › pdf:p.pdf › text', 'text']]);
    expect(texts(r)['base › pdf:p.pdf › text']).toBe('Card: 4111 1111 1111 end\nnext (line)4111\n');
  });
});

describe('peer-made fixtures', () => {
  const load = (f: string): Uint8Array => new Uint8Array(readFileSync(FIX + f));
  const { card, card2, aws } = expected.planted;

  it('Info-ZIP archives: one leaf per file python lists, of its size, planted values in their text', () => {
    for (const f of ['plain.zip', 'stream.zip', 'zip64.zip']) {
      const r = walk(load(f), f);
      expect(r.anomalies).toEqual([]);
      expect(r.leaves.map((l) => [l.path, l.bytes.length])).toEqual(expected.zip[f]!.map((e) => [`base › zip:${f} › ${e.name}`, e.size]));
    }
    const t = Object.values(texts(walk(load('outer.zip'), 'outer.zip'))).join('\n');
    for (const v of [card, card2, aws]) expect(t).toContain(v);
  });

  it('tar (GNU long names, pax paths), gzipped and plain: the files python tarfile lists, a zip inside opened', () => {
    const r = walk(load('bundle.tar.gz'), 'bundle.tar.gz');
    expect(r.anomalies).toEqual([]);
    const tarPath = 'base › gzip:bundle.tar.gz › tar:bundle.tar';
    expect(r.leaves.map((l) => [l.path, l.bytes.length])).toEqual([
      [`${tarPath} › cards.csv`, 60],
      ...expected.zip['plain.zip']!.map((e) => [`${tarPath} › zip:plain.zip › ${e.name}`, e.size]),
      [`${tarPath} › ${expected.tar['bundle.tar.gz']![2]!.name}`, expected.tar['bundle.tar.gz']![2]!.size],
    ]);
    expect(expected.tar['bundle.tar.gz']!.map((e) => e.name).slice(0, 2)).toEqual(['cards.csv', 'plain.zip']);
    const pax = walk(load('pax.tar'), 'pax.tar');
    expect(pax.leaves.map((l) => [l.path, l.bytes.length])).toEqual(expected.tar['pax.tar']!.map((e) => [`base › tar:pax.tar › ${e.name}`, e.size]));
    const all = load('pax.tar');
    const cut = walk(all.subarray(0, 512 + 20), 'pax.tar');
    expect(cut.anomalies.map((a) => a.name)).toEqual(['inspect_tar_truncated']);
  });

  it('encrypted.zip (zip -P) is uninspectable, with both entries named', () => {
    const r = walk(load('encrypted.zip'), 'encrypted.zip');
    expect(r.leaves).toEqual([]);
    expect(r.uninspectable).toEqual([{ path: 'base › zip:encrypted.zip', reason: 'zip_encrypted', detail: `2 of 2 entries encrypted (ZipCrypto or strong encryption): ${expected.zip['encrypted.zip']!.map((e) => e.name).join(', ')}` }]);
  });

  it('LibreOffice xlsx and docx: the planted values in the text of their content parts', () => {
    const x = texts(walk(load('cards.xlsx'), 'cards.xlsx'));
    expect(x['base › zip:cards.xlsx › xl/sharedStrings.xml']).toContain(card);
    expect(x['base › zip:cards.xlsx › xl/sharedStrings.xml']).toContain(card2);
    expect(Object.keys(x)).not.toContain('base › zip:cards.xlsx › xl/styles.xml');
    expect(texts(walk(load('letter.docx'), 'letter.docx'))['base › zip:letter.docx › word/document.xml']).toContain(card);
  });

  it('gzip files read as python gzip.decompress reads them', () => {
    for (const [f, want] of Object.entries(expected.gzip)) expect(Object.values(texts(walk(load(f), f)))).toEqual([want]);
  });

  it('CFB directories list what olefile lists; the encrypted package is uninspectable', () => {
    for (const [f, want] of Object.entries(expected.cfb)) {
      const l = cfbNames(load(f), 100);
      expect(l.problem).toBeNull();
      expect(l.names.filter((n) => n !== 'Root Entry').sort()).toEqual(want);
    }
    expect(walk(load('encrypted.xlsx'), 'encrypted.xlsx').uninspectable.map((u) => u.reason)).toEqual(['ooxml_encrypted']);
    expect(walk(load('letter.doc'), 'letter.doc').leaves.map((l) => l.kind)).toEqual(['binary']);
  });

  it('PDFs: encrypted as qpdf says; text.pdf (a standard font) gives pdftotext\'s words', () => {
    for (const [f, peer] of Object.entries(expected.pdf)) {
      const r = walk(load(f), f);
      expect(r.uninspectable.some((u) => u.reason === 'pdf_encrypted')).toBe(peer.encrypted);
      expect(r.anomalies).toEqual([]);
    }
    const t = texts(walk(load('text.pdf'), 'text.pdf'))['base › pdf:text.pdf › text']!;
    const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');
    expect(words(t)).toEqual(words(expected.pdf['text.pdf']!.pdftotext));
  });
});

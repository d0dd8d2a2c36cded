// xmlToText: runs joined, blocks separated, entities and character references decoded, markup dropped.
import { describe, expect, it } from 'vitest';
import { xmlToText } from './xml-text.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (s: string, mode: 'ooxml' | 'generic' = 'ooxml'): string => dec.decode(xmlToText(enc.encode(s), mode));

describe('xmlToText', () => {
  it('joins a value split across WordprocessingML runs, with run properties between them', () => {
    const doc = '<w:p><w:r><w:t>4111</w:t></w:r><w:r><w:rPr><w:b/><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve"> 1111</w:t></w:r><w:proofErr w:type="gramStart"/><w:r><w:t> 1111 1111</w:t></w:r></w:p>';
    expect(text(doc)).toBe('4111 1111 1111 1111\n');
  });

  it('separates paragraphs, cells, rows and shared-string items, and turns a tab element into a tab', () => {
    expect(text('<w:p><w:r><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>b</w:t><w:tab/><w:t>c</w:t></w:r></w:p>')).toBe('a\nb\tc\n');
    expect(text('<sst><si><t>12345678</t></si><si><r><t>9012</t></r><r><t>3456</t></r></si></sst>')).toBe('12345678\n90123456\n');
    expect(text('<sheetData><row r="1"><c r="A1"><v>1234</v></c><c r="B1"><f>A1*2</f><v>2468</v></c></row></sheetData>')).toBe('1234\nA1*2\n2468\n');
  });

  it('decodes the five entities and decimal and hex references (to UTF-8), and leaves unknown ones', () => {
    expect(text('<t>a&lt;b&gt;c&amp;d&quot;e&apos;f &#52;&#x31;&#X31;1 &#8364; &#x1F600; &nbsp; &#xD800; &#;</t>')).toBe('a<b>c&d"e\'f 4111 € 😀 &nbsp; &#xD800; &#;');
  });

  it('drops attributes (with > inside quotes), comments and processing instructions; keeps CDATA', () => {
    expect(text('<?xml version="1.0"?><!-- 4111 1111 --><a title="x > y"><t>v</t><![CDATA[<raw & text>]]></a>')).toBe('v<raw & text>');
  });

  it('generic mode separates every element', () => {
    expect(text('<r><a>1234</a><b>5678</b></r>', 'generic')).toBe('1234\n5678\n');
  });

  it('never grows and never throws on broken markup', () => {
    for (const s of ['<', '<a', 'x<a b="', '&', '&#99999999;', '<![CDATA[abc', '<!-- x', 'a<b>c</']) {
      const b = enc.encode(s);
      expect(xmlToText(b).length).toBeLessThanOrEqual(b.length);
    }
    expect(text('a<b>c</')).toBe('ac');
  });
});

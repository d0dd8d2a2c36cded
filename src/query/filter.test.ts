// The filter language: parsing with column-precise errors, typing against the schema, evaluation.
import { describe, expect, it } from 'vitest';
import { TLS } from '../schema/tls.js';
import { compileFilter, foldCase, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, parseFilter } from './filter.js';

const rows = [
  { sni: 'www.example.com', version: 'TLSv13', dst_port: 443, alpn: ['h2', 'http/1.1'], cipher_suites: [4865, 4866], ts: 1_700_000_000_000_000, ja4: 't13d1516h2_x_y' },
  { sni: null, version: 'TLSv12', dst_port: 8443, alpn: [], cipher_suites: [49195], ts: 1_700_000_100_000_000, ja4: 't12i0707h1_a_b' },
  { sni: 'MAIL.Example.net', version: 'TLSv13', dst_port: 25, alpn: [], cipher_suites: [4865], ts: 1_700_000_200_000_000, ja4: 't13d3111h2_c_d' },
];
const pick = (src: string): number[] => {
  const f = compileFilter(parseFilter(src, TLS));
  return rows.flatMap((r, i) => (f(r) ? [i] : []));
};

describe('filter', () => {
  it('compares, combines and negates', () => {
    expect(pick('version = "TLSv13"')).toEqual([0, 2]);
    expect(pick('version == "TLSv13" and dst_port != 443')).toEqual([2]);
    expect(pick('dst_port > 443 or not sni')).toEqual([1]);
    expect(pick('not (dst_port < 100 or dst_port >= 8000)')).toEqual([0]);
    expect(pick("sni ~ 'example'")).toEqual([0, 2]);
    expect(pick('sni !~ "mail"')).toEqual([0, 1]);
    expect(pick('sni = null')).toEqual([1]);
  });

  it('refuses comparisons whose meaning would differ between memory and SQL', () => {
    expect(() => parseFilter('hello_retry = 1', TLS)).toThrow(/hello_retry is true or false/);
    expect(() => parseFilter('hello_retry > true', TLS)).toThrow(/true or false/);
    expect(() => parseFilter('dst_port = true', TLS)).toThrow(/dst_port is not true\/false/);
    expect(() => parseFilter('version >= 100', TLS)).toThrow(/version is text/);
    expect(() => parseFilter('ts ~ "2026"', TLS)).toThrow(/~ works on text and integer fields; ts is timestamp/);
    expect(() => parseFilter('hello_retry ~ "t"', TLS)).toThrow(/~ works on text/);
    expect(() => parseFilter('ts > 1.5', TLS)).toThrow(/whole microseconds/);
    expect(pick('version = 13')).toEqual([]);
    expect(pick('dst_port ~ "44"')).toEqual([0, 1]);
  });

  it('tests any element of a list; a bare field means "set"', () => {
    expect(pick('alpn = "h2"')).toEqual([0]);
    expect(pick('cipher_suites = 4865')).toEqual([0, 2]);
    expect(pick('alpn')).toEqual([0]);
  });

  it('compares timestamps with ISO text', () => {
    expect(pick('ts >= "2023-11-14T22:15:00Z"')).toEqual([1, 2]);
  });

  it('reads offset-less times as UTC, treats an empty list as null, refuses deep nesting', () => {
    expect(pick('ts >= "2023-11-14T22:15:00"')).toEqual([1, 2]);
    expect(pick('alpn = null')).toEqual([1, 2]);
    expect(pick('alpn != null')).toEqual([0]);
    expect(() => parseFilter(`${'('.repeat(3000)}sni${')'.repeat(3000)}`, TLS)).toThrow(/nested deeper than 64/);
  });

  it('names the column of a mistake', () => {
    expect(() => parseFilter('version = "TLSv13" and', TLS)).toThrow(/expected a field name at column 23/);
    expect(() => parseFilter('bogus = 1', TLS)).toThrow(/unknown field "bogus".*column 1/);
    expect(() => parseFilter('dst_port = "x"', TLS)).toThrow(/dst_port is a number at column 12/);
    expect(() => parseFilter('sni = "x', TLS)).toThrow(/unterminated string at column 7/);
    expect(() => parseFilter('(sni', TLS)).toThrow(/expected "\)"/);
  });

  it('refuses a NUL inside a text value with its column, as no store can query it (fuzz: filter/3dc132a7)', () => {
    expect(() => parseFilter('dst_port = 443 and sni ~ "\0x"', TLS)).toThrow(/a text value cannot hold a NUL character at column 26/);
  });

  it('refuses a number too large to be finite with its column (fuzz: filter/58967c24)', () => {
    expect(() => parseFilter(`cipher_suites = ${'4865'.repeat(90)}`, TLS)).toThrow(/is too large a number at column 17/);
    expect(pick(`dst_port < ${'9'.repeat(30)}`)).toEqual([0, 1, 2]);
  });

  it('takes a chain of MAX_FILTER_TERMS comparisons without recursing per term, and refuses one more by its column', () => {
    // an or-chain of every port from 1 to the limit: a row matches exactly when its port is in range
    const ors = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `dst_port = ${i + 1}`).join(' or ');
    const inRange = compileFilter(parseFilter(ors, TLS));
    expect([1, 25, MAX_FILTER_TERMS, MAX_FILTER_TERMS + 1, 8443].map((p) => inRange({ dst_port: p }))).toEqual([true, true, true, false, false]);
    const ands = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `dst_port != ${i + 1}`).join(' and ');
    const outside = compileFilter(parseFilter(ands, TLS));
    expect([1, MAX_FILTER_TERMS, MAX_FILTER_TERMS + 1].map((p) => outside({ dst_port: p }))).toEqual([false, false, true]);
    const e = parseFilter(ors, TLS);
    expect(e.kind === 'or' && e.items.length).toBe(MAX_FILTER_TERMS);
    // the probe's 8,000-term chain: each term is "dst_port=1 or " (14 characters), the one past the limit starts after 1000 of them
    const probe = Array<string>(8000).fill('dst_port=1').join(' or ');
    expect(() => parseFilter(probe, TLS)).toThrow(`--filter: more than ${MAX_FILTER_TERMS} comparisons in one expression at column ${14 * MAX_FILTER_TERMS + 1}`);
    expect(() => parseFilter(probe, TLS, '--where')).toThrow(/^--where: more than 500 comparisons/);
    // bare field tests count too; so do the ones inside parentheses
    expect(() => parseFilter(Array<string>(MAX_FILTER_TERMS + 1).fill('(sni)').join(' and '), TLS)).toThrow(/more than 500 comparisons/);
  });

  it('nests parentheses and nots up to MAX_FILTER_DEPTH', () => {
    const nested = (n: number): string => `${'('.repeat(n - 1)}dst_port = 443${')'.repeat(n - 1)}`;
    expect(pick(nested(MAX_FILTER_DEPTH))).toEqual([0]);
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1), TLS)).toThrow(`nested deeper than ${MAX_FILTER_DEPTH} at column ${MAX_FILTER_DEPTH + 1}`);
    expect(pick(`${'not '.repeat(MAX_FILTER_DEPTH - 2)}dst_port = 443`)).toEqual([0]);
    expect(() => parseFilter(`${'not '.repeat(MAX_FILTER_DEPTH)}sni`, TLS)).toThrow(/nested deeper than 64/);
  });

  it('~ folds the ASCII letters A-Z and nothing else (the meaning the SQL stores give too)', () => {
    expect(foldCase('MAIL.Example.NET')).toBe('mail.example.net');
    // each character below has a lower case in Unicode that JavaScript, DuckDB and ClickHouse disagree on: none is folded
    expect(foldCase('İSTANBUL ıI STRASSE Straße ẞ ΟΔΟΣ οδος MÜLLER')).toBe('İstanbul ıi strasse straße ẞ ΟΔΟΣ οδος mÜller');
    const subjects = [{ sni: 'İstanbul' }, { sni: 'istanbul' }, { sni: 'ıSTANBUL' }, { sni: 'Straße' }, { sni: 'STRASSE' }, { sni: 'ΟΔΟΣ' }, { sni: 'οδος' }, { sni: 'MÜLLER' }, { sni: 'müller' }];
    const hits = (src: string): string[] => subjects.filter(compileFilter(parseFilter(src, TLS))).map((r) => r.sni);
    expect(hits('sni ~ "İ"')).toEqual(['İstanbul']);
    expect(hits('sni ~ "i"')).toEqual(['istanbul']);
    expect(hits('sni ~ "I"')).toEqual(['istanbul']);
    expect(hits('sni ~ "ı"')).toEqual(['ıSTANBUL']);
    expect(hits('sni ~ "STAN"')).toEqual(['İstanbul', 'istanbul', 'ıSTANBUL']);
    expect(hits('sni ~ "ß"')).toEqual(['Straße']);
    expect(hits('sni ~ "ss"')).toEqual(['STRASSE']);
    expect(hits('sni ~ "Σ"')).toEqual(['ΟΔΟΣ']);
    expect(hits('sni ~ "ς"')).toEqual(['οδος']);
    expect(hits('sni ~ "σ"')).toEqual([]);
    expect(hits('sni ~ "ü"')).toEqual(['müller']);
    expect(hits('sni !~ "LL"')).toEqual(['İstanbul', 'istanbul', 'ıSTANBUL', 'Straße', 'STRASSE', 'ΟΔΟΣ', 'οδος']);
  });
});

// The filter language: parsing with column-precise errors, typing against the schema, evaluation.
import { describe, expect, it } from 'vitest';
import { TLS } from '../schema/tls.js';
import { compileFilter, parseFilter } from './filter.js';

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

  it('refuses a time whose µs are not exact (beyond 2255 or before 1685) with its column (fuzz: filter/671e0851)', () => {
    expect(() => parseFilter('ts >= "3026-01-12T10:00:00" and ts < 1768212000000000', TLS)).toThrow(/ts: "3026-01-12T10:00:00" is outside the times that can be compared .* at column 7/);
    expect(() => parseFilter('ts > "0001-01-01"', TLS)).toThrow(/outside the times/);
    expect(pick('ts < "2255-01-01"')).toEqual([0, 1, 2]);
  });

  it('refuses a number too large to be finite with its column (fuzz: filter/58967c24)', () => {
    expect(() => parseFilter(`cipher_suites = ${'4865'.repeat(90)}`, TLS)).toThrow(/is too large a number at column 17/);
    expect(pick(`dst_port < ${'9'.repeat(30)}`)).toEqual([0, 1, 2]);
  });
});

// store/export-sql/sql-json.ts against the JavaScript it stands for: random strings through jsonStringSql equal
// JSON.stringify's text, random µs and doubles through the number builders equal zeek-text.ts's (toFixed, Math.round
// and String() are the reference), evaluated by an in-memory DuckDB.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zeekJsonSeconds, zeekJsonTime, zeekTime } from '../src/formats/zeek/zeek-text.js';
import { jsonArraySql, jsonBoolSql, jsonMemberSql, jsonObjectSql, jsonStringSql, microsFixedSql, microsShortestSql, roundedSecondsSql, toFixed6Sql } from '../src/store/export-sql/sql-json.js';

let conn: DuckDBConnection;
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** `expr(v)` for each value of a one-column table of `type`, in order. */
async function evalAll<T>(type: string, values: readonly T[], append: (a: { appendVarchar(s: string): void; appendBigInt(b: bigint): void; appendDouble(d: number): void }, v: T) => void, expr: (v: string) => string): Promise<string[]> {
  await conn.run(`CREATE OR REPLACE TABLE t (i INTEGER, v ${type})`);
  const a = await conn.createAppender('t');
  values.forEach((v, i) => {
    a.appendInteger(i);
    append(a, v);
    a.endRow();
  });
  a.closeSync();
  const r = await conn.runAndReadAll(`SELECT ${expr('v')} FROM t ORDER BY i`);
  return r.getRows().map((x) => x[0] as string);
}

const strings = (vs: readonly string[], expr: (v: string) => string): Promise<string[]> => evalAll('VARCHAR', vs, (a, v) => a.appendVarchar(v), expr);
const micros = (vs: readonly number[], expr: (v: string) => string): Promise<string[]> => evalAll('BIGINT', vs, (a, v) => a.appendBigInt(BigInt(v)), expr);
const doubles = (vs: readonly number[], expr: (v: string) => string): Promise<string[]> => evalAll('DOUBLE', vs, (a, v) => a.appendDouble(v), expr);

/** every control character, the escaped ones of JSON, DEL, non-ASCII, and Zeek's markers */
const NASTY = ['', '"', '\\', '\\u0041', '\0', '\x7f', 'é', '\u2028', '😀', '-', '(empty)', ...Array.from({ length: 32 }, (_, c) => `a${String.fromCharCode(c)}b`)];
/** strings DuckDB can hold (valid UTF-8: no lone surrogates) */
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: fc.constantFrom(...NASTY, 'x', ','), maxLength: 6 }));

describe('sql-json: strings', () => {
  it('jsonStringSql is JSON.stringify on every control character and a random sample', async () => {
    const fixed = await strings(NASTY, jsonStringSql);
    expect(fixed).toEqual(NASTY.map((s) => JSON.stringify(s)));
    await fc.assert(fc.asyncProperty(fc.array(text, { maxLength: 30 }), async (vs) => {
      expect(await strings(vs, jsonStringSql)).toEqual(vs.map((s) => JSON.stringify(s)));
    }), { numRuns: 60 });
  });

  it('an object leaves out its NULL members; arrays and booleans are JSON', async () => {
    const [o] = await strings(['x"y'], (v) => jsonObjectSql([jsonMemberSql('a', jsonStringSql(v)), jsonMemberSql('b', 'NULL'), jsonMemberSql('c.d', jsonBoolSql('true')),
      jsonMemberSql('e', jsonArraySql(`[${v}, 'z']`, jsonStringSql)), jsonMemberSql('f', jsonArraySql('[]::VARCHAR[]', jsonStringSql))]));
    expect(JSON.parse(o!)).toEqual({ a: 'x"y', 'c.d': true, e: ['x"y', 'z'], f: [] });
    expect(o).toBe(JSON.stringify({ a: 'x"y', 'c.d': true, e: ['x"y', 'z'], f: [] }));
    expect(await strings(['x'], () => jsonObjectSql([jsonMemberSql('a', 'NULL')]))).toEqual(['{}']);
  });
});

/** times from before 1970 to 2^53 µs (past it a JS number is no longer the µs) */
const us = fc.oneof(fc.integer({ min: -4e15, max: 4e15 }), fc.constantFrom(0, 1, -1, 999_999, -999_999, 1_000_000, -1_000_000, -500_000, 2 ** 53 - 1, -(2 ** 53 - 1), 1_796_613_825_608_880));
/** doubles of the ranges intervals have, the halves of the sixth decimal, and any double */
const dbl = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((n) => n / 128),
  fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1e7 + 5e-7),
  fc.constantFrom(0, -0, 1e21, -1e21, 1e20, 123456789.5, 0.0000005, -0.0000005, 1e-7, 5e-324, 0.1 + 0.2, 2.5, -2.5, 0.49999999999999994),
);

describe('sql-json: numbers', () => {
  it('microsFixedSql is zeekTime, microsShortestSql is zeekJsonTime', async () => {
    await fc.assert(fc.asyncProperty(fc.array(us, { minLength: 1, maxLength: 50 }), async (vs) => {
      expect(await micros(vs, microsFixedSql)).toEqual(vs.map(zeekTime));
      expect(await micros(vs, microsShortestSql)).toEqual(vs.map(zeekJsonTime));
    }), { numRuns: 60 });
  });

  it('toFixed6Sql is Number#toFixed(6) (ties exact below 2^32), roundedSecondsSql is zeekJsonSeconds', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dbl, { minLength: 1, maxLength: 50 }), async (vs) => {
      const small = vs.filter((d) => Math.abs(d) < 2 ** 32 || Math.abs(d) >= 1e21);
      expect(await doubles(small, toFixed6Sql)).toEqual(small.map((d) => d.toFixed(6)));
      expect(await doubles(vs, roundedSecondsSql)).toEqual(vs.map(zeekJsonSeconds));
    }), { numRuns: 100 });
  });
});

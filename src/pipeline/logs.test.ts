// The log line reader and the logs row: a maximum line length (the rest of a long line counted, never held),
// a byte-order mark dropped, and a row that stays under the store's row limit whatever the line holds.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundFields, LogParser, MAX_LOG_FIELDS_JSON } from '../logs/parse-log.js';
import { jsonLine, MAX_LINE } from '../store/duckdb-store.js';
import { lineBatches, logRow, MAX_LOG_LABEL, MAX_LOG_LINE, parseBatches, type LineBatch } from './logs.js';

/** Every line the reader gives for these chunks, with its cut length (or null). */
async function read(chunks: (string | Buffer)[], max?: number): Promise<[string, number | null][]> {
  const out: [string, number | null][] = [];
  const input = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const b of lineBatches(input, undefined, max)) b.lines.forEach((l, k) => out.push([l, b.cut?.get(k) ?? null]));
  return out;
}

/** A generated stream: `n` chunks of `size` bytes of "a" without a line end. */
async function* noNewline(n: number, size: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(size, 'a');
  for (let i = 0; i < n; i++) yield chunk;
}

describe('log line reader', () => {
  it('cuts a line longer than the maximum, flags it with its whole length, and reads the line after it', async () => {
    expect(await read(['good 1\n', 'x'.repeat(25), '\ngood 2\n'], 10)).toEqual([['good 1', null], ['x'.repeat(10), 25], ['good 2', null]]);
    // a line exactly at the maximum is whole; one more character is a cut
    expect(await read(['0123456789\n0123456789A\n'], 10)).toEqual([['0123456789', null], ['0123456789', 11]]);
    // the long line spread over chunks (with and without line ends in them), ended by CRLF, LF, lone CR or the end
    expect(await read(['a\nbbbbbb', 'bbbbbb', 'bbbbbbbb', 'bb\r', '\nc\r', 'dddddddddddddddd'], 10)).toEqual([['a', null], ['b'.repeat(10), 22], ['c', null], ['d'.repeat(10), 16]]);
    expect(await read(['e'.repeat(30)], 10)).toEqual([['e'.repeat(10), 30]]);
    // a cut never splits a surrogate pair
    expect(await read([`${'f'.repeat(9)}😀😀\n`], 10)).toEqual([['f'.repeat(9), 13]]);
  });

  it('holds at most the maximum of a line however long it runs without a line end', async () => {
    const max = 1000;
    // 64 MiB of "a" between two good lines, in 64 KiB chunks: what is kept of it never grows past max
    async function* stream(): AsyncGenerator<Buffer> {
      yield Buffer.from('before\n');
      yield* noNewline(1024, 64 * 1024);
      yield Buffer.from('\nafter\n');
    }
    const got: [string, number | null][] = [];
    for await (const b of lineBatches(stream(), undefined, max)) {
      for (const l of b.lines) expect(l.length).toBeLessThanOrEqual(max);
      b.lines.forEach((l, k) => got.push([l, b.cut?.get(k) ?? null]));
    }
    expect(got).toEqual([['before', null], ['a'.repeat(max), 64 * 1024 * 1024], ['after', null]]);
  });

  it('drops a UTF-8 byte-order mark at the start of the stream (also when it arrives in pieces), and nowhere else', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(await read([Buffer.concat([bom, Buffer.from('one\n\ufefftwo\n')])])).toEqual([['one', null], ['\ufefftwo', null]]);
    expect(await read([bom.subarray(0, 1), bom.subarray(1), 'one\n'])).toEqual([['one', null]]);
    expect(await read(['one\n'])).toEqual([['one', null]]);
  });

  it('refuses a maximum that is not a positive whole number', async () => {
    await expect(read(['a\n'], 0)).rejects.toThrow(/maxLine must be an integer >= 1/);
    await expect(read(['a\n'], 1.5)).rejects.toThrow(/maxLine/);
  });

  it('gives the cut line _line_truncated in its fields, parsed or not', async () => {
    const p = new LogParser({ year: 2026 });
    const batch: LineBatch = { lines: ['Jan 12 10:00:01 mx postfix/smtpd[1]: connect from a[10.0.0.1]', 'Jan 12 10:00:02 mx postfix/smtpd[1]: aaaa'], cut: new Map([[0, 70], [1, 9000]]) };
    const out: unknown[] = [];
    for await (const rs of parseBatches((async function* () { yield batch; })(), p)) out.push(...rs.map((r) => [r.parse_ok, r.fields]));
    expect(out).toEqual([[true, { client_name: 'a', client_ip: '10.0.0.1', _line_truncated: 70 }], [false, { _line_truncated: 9000 }]]);
  });
});

describe('logs row bound', () => {
  it('cuts fields whose JSON passes MAX_LOG_FIELDS_JSON, in order, and says how long they were', () => {
    const small = { a: 'x', n: 1 };
    expect(boundFields(small)).toBe(small);
    const big = { a: 'x'.repeat(300_000), b: '\u0001'.repeat(100_000), c: ['y'.repeat(10), 'z'.repeat(400_000)], d: 5 };
    const total = JSON.stringify(big).length;
    const f = boundFields(big);
    expect(JSON.stringify(f).length).toBeLessThanOrEqual(MAX_LOG_FIELDS_JSON);
    expect(Object.keys(f)).toEqual(['a', 'b', '_fields_truncated']);
    expect(f.a).toBe(big.a);
    expect((f.b as string).length).toBeLessThan(big.b.length);
    expect(big.b.startsWith(f.b as string)).toBe(true);
    expect(f._fields_truncated).toBe(total);
    // a list crossing the limit keeps its elements that fit
    const list = boundFields({ c: Array.from({ length: 2000 }, (_, i) => `${i}`.padEnd(500, '.')) });
    expect(JSON.stringify(list).length).toBeLessThanOrEqual(MAX_LOG_FIELDS_JSON);
    expect((list.c as string[]).length).toBeGreaterThan(900);
  });

  it('no line makes a row over the store limit: the longest line of the costliest characters, captured whole many times', async () => {
    // what each character costs: \u0001 is 6 bytes in JSON, " and \ are 2, € is 3 (and 1 character of the fields' JSON), 😀 is 4 for 2
    const filters = [{ name: 'x'.repeat(10_000), patterns: ['(?<a>(?<b>(?<c>(?<d>(?<e>(?<f>.*))))))', '%{GREEDYDATA:g}'] }];
    const p = new LogParser({ year: 2026, filters, type: 't'.repeat(10_000), recipes: [] });
    for (const ch of ['\u0001', '"', '\\', '€', '😀']) {
      const header = 'Jan 12 10:00:01 mx app: ';
      const fill = ch.repeat(Math.floor((MAX_LOG_LINE - header.length) / ch.length));
      const stream = Readable.from([Buffer.from(`${header}${fill}${fill}\n`)]);
      for await (const rs of parseBatches(lineBatches(stream), p)) {
        for (const r of rs) {
          expect(r.fields?._line_truncated).toBe(header.length + 2 * fill.length);
          expect([r.parse_ok, (r.fields?._fields_truncated as number) > MAX_LOG_FIELDS_JSON]).toEqual([true, true]);
          const row = logRow(r, `/${'s'.repeat(MAX_LOG_LABEL * 2)}`, 1);
          expect([row.source.length, row.type!.length, row.pattern!.length]).toEqual([MAX_LOG_LABEL, MAX_LOG_LABEL, MAX_LOG_LABEL]);
          expect(row.message.length).toBeGreaterThan(MAX_LOG_LINE - header.length - 2);
          expect(Buffer.byteLength(jsonLine(row))).toBeLessThan(MAX_LINE);
        }
      }
    }
  });
});

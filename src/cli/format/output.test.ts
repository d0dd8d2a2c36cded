// Output formats: the generated JSON-lines serializer says exactly what JSON.stringify says; CSV quoting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoMicros } from '../../core/time.js';
import { SESSIONS } from '../../schema/sessions.js';
import { firstRawControl } from '../../../test/helpers/terminal.js';
import { RowWriter } from './output.js';

describe('RowWriter', () => {
  it('jsonl equals JSON.stringify of the row, timestamps as ISO text', () => {
    const value = (t: string): fc.Arbitrary<unknown> =>
      t === 'timestamp' ? fc.integer({ min: 0, max: 4_000_000_000_000_000 })
        : t === 'int' ? fc.integer()
          : t === 'float' ? fc.double({ noNaN: true, noDefaultInfinity: true })
            : t === 'bool' ? fc.boolean()
              : fc.string({ unit: 'binary' });
    const row = fc.record(Object.fromEntries(SESSIONS.fields.map((f) => [f.name, f.nullable ? fc.option(value(f.type), { nil: null }) : value(f.type)])));
    fc.assert(
      fc.property(row, (r) => {
        let out = '';
        const w = new RowWriter(SESSIONS.fields, 'jsonl', (s) => void (out += s));
        w.row(r);
        w.end();
        const want = Object.fromEntries(SESSIONS.fields.map((f) => {
          const v = r[f.name];
          return [f.name, v === null ? null : f.type === 'timestamp' ? isoMicros(v as number) : v];
        }));
        expect(out).toBe(`${JSON.stringify(want)}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('jsonl to a byte sink is the UTF-8 of the text output, across chunk bounds and for lines over a chunk', () => {
    const fields = SESSIONS.fields.filter((f) => f.name === 'uid' || f.name === 'app_proto' || f.name === 'src_port');
    const rows = fc.array(fc.record({ uid: fc.string({ unit: 'grapheme' }), app_proto: fc.option(fc.string({ unit: 'binary', maxLength: 200_000 }), { nil: null }), src_port: fc.integer() }), { maxLength: 40 });
    fc.assert(
      fc.property(rows, (rs) => {
        let text = '';
        const parts: Uint8Array[] = [];
        const a = new RowWriter(fields, 'jsonl', (s) => void (text += s));
        const b = new RowWriter(fields, 'jsonl', () => expect.unreachable('text sink used'), { writeBytes: (x) => void parts.push(new Uint8Array(x)) });
        for (const r of rs) {
          a.row(r);
          b.row(r);
        }
        a.end();
        b.end();
        expect(Buffer.concat(parts).toString('utf8')).toBe(text);
        expect(parts.every((p) => p.length > 0)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('csv quotes commas, quotes and line breaks', () => {
    let out = '';
    const fields = SESSIONS.fields.filter((f) => f.name === 'uid' || f.name === 'app_proto');
    const w = new RowWriter(fields, 'csv', (s) => void (out += s));
    w.row({ uid: 'a,b', app_proto: 'say "hi"\nthere' });
    w.end();
    expect(out).toBe('uid,app_proto\n"a,b","say ""hi""\nthere"\n');
  });

  const hostile = 'names\x1b[2J\x1b]0;title\x07a\rb\u202egnp.exe';
  const fields = SESSIONS.fields.filter((f) => f.name === 'uid' || f.name === 'app_proto');

  it('table shows control characters and bidi overrides escaped, never raw', () => {
    let out = '';
    const w = new RowWriter(fields, 'table', (s) => void (out += s));
    w.row({ uid: 'C1', app_proto: hostile });
    w.end();
    expect(firstRawControl(out)).toBeNull();
    expect(out.split('\n')[1]).toBe('C1   names\\x1b[2J\\x1b]0;title\\x07a\\rb\\u202egnp.exe');
  });

  it('csv keeps the exact value and quotes a field with control characters', () => {
    let out = '';
    const w = new RowWriter(fields, 'csv', (s) => void (out += s));
    w.row({ uid: 'C1', app_proto: hostile });
    w.row({ uid: 'C2', app_proto: 'x\u202ey' });
    w.end();
    expect(out).toBe(`uid,app_proto\nC1,"${hostile}"\nC2,"x\u202ey"\n`);
  });

  it('jsonl keeps the exact string', () => {
    let out = '';
    const w = new RowWriter(fields, 'jsonl', (s) => void (out += s));
    w.row({ uid: 'C1', app_proto: hostile });
    w.end();
    expect((JSON.parse(out) as { app_proto: string }).app_proto).toBe(hostile);
  });
});

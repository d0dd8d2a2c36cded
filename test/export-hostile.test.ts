// The external writers against hostile values (what an import of a hostile log can put in the store): names of
// Object.prototype members in fields the writers look up in tables (proto, state, app_proto, source, class and
// opcode names, anomaly names), lone surrogates, control characters, separators and Zeek's markers. Every JSON
// line parses; every Zeek TSV data line has as many columns as #fields names (a value never adds a row or a column).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXTERNAL_FORMATS } from '../src/formats/external.js';
import { schemaOf } from '../src/schema/registry.js';
import { tableArb } from './helpers/arb-records.js';

const HOSTILE = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'CONSTRUCTOR', '\ud800', 'a\udc00b', '\t', '\n', '\r',
  'x\ty\nz', '-', '(empty)', '#fields', '\\x09', ',', '\u2028', '\u0000', '"', '\\', '"}\n{"event_type":"alert"'];
const hostile = fc.constantFrom(...HOSTILE);
const TABLES = ['sessions', 'alerts', 'tls', 'http', 'smtp', 'files', 'dns', 'anomalies'];
const NOW = 1_796_637_600_000_000;

/** A record of the table whose text fields are, each by chance, one of the hostile values. */
function hostileRow(table: string): fc.Arbitrary<Record<string, unknown>> {
  const schema = schemaOf(table)!;
  return fc.tuple(tableArb(schema), fc.array(fc.tuple(fc.boolean(), hostile), { minLength: schema.fields.length, maxLength: schema.fields.length })).map(([r, picks]) => {
    const out = { ...r };
    schema.fields.forEach((f, i) => {
      const [use, h] = picks[i]!;
      if (!use) return;
      if (f.type === 'string') out[f.name] = h;
      else if (f.type === 'string[]') out[f.name] = [h, 'b'];
    });
    return out;
  });
}

function written(format: string, table: string, rows: Record<string, unknown>[]): string {
  const f = EXTERNAL_FORMATS.find((x) => x.name === format)!;
  let text = '';
  const w = f.writer(schemaOf(table)!, (t) => void (text += t), { now: NOW });
  for (const r of rows) w.row(r);
  w.end();
  return text;
}

describe('external writers: hostile values never break the output', () => {
  for (const format of ['zeek-json', 'eve', 'ecs']) {
    it(`${format}: every line is one JSON object`, () => {
      for (const table of TABLES.filter((t) => EXTERNAL_FORMATS.find((x) => x.name === format)!.supports(t))) {
        fc.assert(fc.property(fc.array(hostileRow(table), { minLength: 1, maxLength: 5 }), (rows) => {
          const lines = written(format, table, rows).split('\n').filter((l) => l !== '');
          for (const l of lines) {
            let v: unknown;
            expect(() => (v = JSON.parse(l)), `${table}: ${l}`).not.toThrow();
            expect(typeof v === 'object' && v !== null && !Array.isArray(v), l).toBe(true);
          }
        }), { numRuns: 150 });
      }
    });
  }

  it('zeek: every data line has the columns #fields names', () => {
    for (const table of TABLES.filter((t) => EXTERNAL_FORMATS.find((x) => x.name === 'zeek')!.supports(t))) {
      fc.assert(fc.property(fc.array(hostileRow(table), { minLength: 1, maxLength: 5 }), (rows) => {
        let fields = -1;
        let data = 0;
        for (const l of written('zeek', table, rows).split('\n')) {
          if (l.startsWith('#fields\t')) fields = l.split('\t').length - 1;
          else if (l !== '' && !l.startsWith('#')) {
            data++;
            expect(l.split('\t').length, `${table}: ${l}`).toBe(fields);
          }
        }
        expect(data).toBeLessThanOrEqual(rows.length);
      }), { numRuns: 150 });
    }
  });
});

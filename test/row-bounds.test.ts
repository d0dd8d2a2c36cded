// No row of a traffic record can reach the store's row limit: every text, list and json field of sessions, tls,
// http, smtp, files and anomalies declares a bound in its schema, the worst-case row those bounds allow (every
// field at its largest) is under MAX_ROW_BYTES, and a row cut by boundRow weighs no more than its bounds say,
// whatever characters it holds (checked on rows of random hostile values against JSON.stringify).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundRow, cutText, jsonStringBytes, MAX_FLOAT_JSON, MAX_INT_JSON, worstCaseRowBytes } from '../src/schema/bounds.js';
import { ANOMALIES } from '../src/schema/anomalies.js';
import { FILES } from '../src/schema/files.js';
import { HTTP } from '../src/schema/http.js';
import type { RecordSchema } from '../src/schema/schema.js';
import { SESSIONS } from '../src/schema/sessions.js';
import { SMTP } from '../src/schema/smtp.js';
import { TLS } from '../src/schema/tls.js';
import { jsonLine } from '../src/store/duckdb-store.js';
import { MAX_ROW_BYTES } from '../src/store/store.js';
import { cli } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const TRAFFIC: readonly RecordSchema[] = [SESSIONS, TLS, HTTP, SMTP, FILES, ANOMALIES];
const utf8 = (s: string): number => Buffer.byteLength(s);

describe('row bounds', () => {
  it('every text, list and json field of a traffic record declares a bound', () => {
    for (const s of TRAFFIC) {
      const unbounded = s.fields.filter((f) => (f.type === 'string' || f.type.endsWith('[]') || f.type === 'json') && f.bound === undefined);
      expect(unbounded.map((f) => `${s.name}.${f.name}`)).toEqual([]);
    }
  });

  it.each(TRAFFIC.map((s) => [s.name, s] as const))('the worst-case %s row is under the store limit', (_name, s) => {
    const worst = worstCaseRowBytes(s);
    expect(worst).toBeLessThanOrEqual(MAX_ROW_BYTES);
  });

  it('the worst case is the row of every field at its bound (built and measured)', () => {
    for (const s of TRAFFIC) {
      // each field at the largest value its bound lets through: control characters (6 bytes each) in texts,
      // lists of one-character entries up to their count, then filled with longer ones; numbers at full width
      const row: Record<string, unknown> = {};
      for (const f of s.fields) {
        const b = f.bound;
        if (f.type === 'int' || f.type === 'timestamp') row[f.name] = -9007199254740991;
        else if (f.type === 'float') row[f.name] = -1.7976931348623157e308;
        else if (f.type === 'bool') row[f.name] = false;
        else if (f.type === 'int[]' && b?.kind === 'list') row[f.name] = Array.from({ length: b.items }, () => -9007199254740991);
        else if (b?.kind === 'text') row[f.name] = '\u0001'.repeat(Math.floor((b.bytes - 2) / 6));
        else if (b?.kind === 'list') {
          const per = Math.max(1, Math.floor((Math.min(b.itemBytes, Math.floor((b.bytes - 2) / b.items) - 1) - 2) / 6));
          row[f.name] = Array.from({ length: b.items }, () => '\u0001'.repeat(per));
        }
      }
      boundRow(s, row, () => undefined);
      const line = jsonLine(row);
      expect(utf8(line), s.name).toBeLessThanOrEqual(worstCaseRowBytes(s));
      expect(utf8(line), s.name).toBeGreaterThan(worstCaseRowBytes(s) * 0.8);
    }
    expect(String(-9007199254740991).length).toBe(MAX_INT_JSON);
    expect(JSON.stringify(-1.7976931348623157e308).length).toBe(MAX_FLOAT_JSON);
  });

  it('jsonStringBytes is the UTF-8 length of JSON.stringify, lone surrogates and escapes included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: fc.constantFrom('\u0000', '"', '\\', '\n', '\ud800', '\udc00', 'é', '€', '😀', 'a'), maxLength: 50 }), (a, b) => {
        const s = a + b;
        expect(jsonStringBytes(s)).toBe(utf8(jsonLine({ s }).slice(5, -1)));
      }),
      { numRuns: 50 },
    );
  });

  it('cutText keeps the longest start within the bound and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 2, max: 400 }), (s, bytes) => {
        const c = cutText(s, bytes);
        expect(s.startsWith(c)).toBe(true);
        if (c.length < s.length) {
          expect(jsonStringBytes(c)).toBeLessThanOrEqual(bytes);
          const next = s.codePointAt(c.length)! > 0xffff ? 2 : 1;
          expect(jsonStringBytes(s.slice(0, c.length + next))).toBeGreaterThan(bytes);
        }
      }),
    );
  });

  it('a row of hostile values, bounded, weighs no more than its worst case; each cut is reported with its field', () => {
    const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: fc.constantFrom('\u0001', '"', '\ud800', '😀'), minLength: 0, maxLength: 3000 }));
    fc.assert(
      fc.property(fc.constantFrom(...TRAFFIC), fc.array(value, { maxLength: 40 }), fc.nat(), (s, values, seed) => {
        const row: Record<string, unknown> = {};
        let k = seed;
        for (const f of s.fields) {
          const b = f.bound;
          const v = values.length === 0 ? '' : values[k++ % values.length]!;
          // values Haystack writes itself hold their width by construction (checked on real records below)
          if (b?.kind === 'text' && b.own === true) row[f.name] = '\u0001'.repeat(Math.floor((b.bytes - 2) / 6));
          else if (f.type === 'string' || f.type === 'json') row[f.name] = b?.kind === 'text' ? v.repeat(Math.ceil(b.bytes / 4000) + 1) : v;
          else if (f.type === 'string[]' && b?.kind === 'list') row[f.name] = Array.from({ length: b.items + 3 }, (_x, i) => values[(k + i) % Math.max(1, values.length)] ?? '');
          else if (f.type === 'int[]' && b?.kind === 'list') row[f.name] = Array.from({ length: b.items + 3 }, (_x, i) => i);
          else row[f.name] = f.type === 'bool' ? true : 1;
        }
        const cuts: string[] = [];
        boundRow(s, row, (name, detail) => cuts.push(`${name} ${detail}`));
        expect(utf8(jsonLine(row))).toBeLessThanOrEqual(worstCaseRowBytes(s));
        for (const f of s.fields) {
          if (f.bound === undefined) continue;
          const v = row[f.name];
          const w = typeof v === 'string' ? jsonStringBytes(v) : Array.isArray(v) ? utf8(JSON.stringify(v)) : 4;
          expect(w, `${s.name}.${f.name}`).toBeLessThanOrEqual(f.bound.bytes);
          if (Array.isArray(v) && f.bound.kind === 'list') expect(v.length).toBeLessThanOrEqual(f.bound.items);
        }
        for (const c of cuts) expect(c).toMatch(/^[a-z]+_[a-z_]+ [a-z_]+: /);
      }),
      { numRuns: 30 },
    );
  });

  it('records of real captures keep every field, their own ids and names included, within its bound', async () => {
    const weigh = (v: unknown): number => (typeof v === 'string' ? jsonStringBytes(v) : Array.isArray(v) ? utf8(JSON.stringify(v)) : 0);
    for (const [verb, schema] of [['sessions', SESSIONS], ['tls', TLS], ['http', HTTP], ['smtp', SMTP]] as const) {
      for (const pcap of readdirSync(GEN).filter((f) => /\.pcap(ng)?$/.test(f))) {
        const r = await cli(verb, join(GEN, pcap), '--format', 'jsonl');
        expect(r.code, `${verb} ${pcap}`).toBe(0);
        for (const line of r.out.split('\n').filter((l) => l !== '')) {
          const row = JSON.parse(line) as Record<string, unknown>;
          for (const f of schema.fields) if (f.bound !== undefined) expect(weigh(row[f.name]), `${verb} ${pcap} ${f.name}`).toBeLessThanOrEqual(f.bound.bytes);
        }
      }
    }
  });
});

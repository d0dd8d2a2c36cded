// ECS documents against ECS's own field list (formats/ecs/fields.csv in the corpus): every field we write exists
// there with a type our JSON value fits, ecs-fields.ts has the csv's types, and each table's index template maps
// exactly those types. Documents from the committed captures and from random records (fast-check).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIpv4, parseIpv6 } from '../src/core/ip.js';
import { ecsBuilder, ecsDataStream } from '../src/formats/ecs/ecs-documents.js';
import { ECS_FIELD_TYPES, ECS_LABELS, ECS_TABLE_FIELDS } from '../src/formats/ecs/ecs-fields.js';
import { ecsIndexTemplate } from '../src/formats/ecs/ecs-template.js';
import { schemaOf } from '../src/schema/registry.js';
import { tableArb } from './helpers/arb-records.js';
import { captureRecords } from './helpers/eve.js';
import { corpusDir, GEN, ROOT } from './helpers/run.js';

const corpus = corpusDir();

/** A rule that fires on the PUTs of http-put.pcap (alerts for the committed captures). */
const PUT_RULE = 'alert http any any -> any any (msg:"HTTP PUT"; flow:to_server,established; http.method; content:"PUT"; classtype:web-application-attack; sid:1000001; rev:2;)';

interface CsvField {
  type: string;
  normalization: string;
}

/** fields.csv: ECS_Version,Indexed,Field_Set,Field,Type,Level,Normalization,Example,Description (RFC 4180 quoting). */
function readFieldsCsv(path: string): Map<string, CsvField> {
  const text = readFileSync(path, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  const [head, ...body] = rows;
  const col = (n: string): number => head!.indexOf(n);
  return new Map(body.map((r) => [r[col('Field')]!, { type: r[col('Type')]!, normalization: r[col('Normalization')]! }]));
}

/** Leaf paths of a document with their values; arrays of objects (dns.answers) give their items' leaves under the array's name. */
function leaves(o: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(o)) {
    const p = `${prefix}${k}`;
    if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object')) {
      out.push([p, v]);
      for (const x of v) out.push(...leaves(x as Record<string, unknown>, `${p}.`));
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out.push(...leaves(v as Record<string, unknown>, `${p}.`));
    } else out.push([p, v]);
  }
  return out;
}

const STRING_TYPES = new Set(['keyword', 'constant_keyword', 'wildcard', 'match_only_text', 'text']);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** Whether one JSON value fits an ECS type. */
function fits(type: string, v: unknown): boolean {
  if (STRING_TYPES.has(type)) return typeof v === 'string';
  if (type === 'long' || type === 'integer') return typeof v === 'number' && Number.isSafeInteger(v);
  if (type === 'float' || type === 'scaled_float' || type === 'double') return typeof v === 'number' && Number.isFinite(v);
  if (type === 'date') return typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
  if (type === 'ip') return typeof v === 'string' && (parseIpv4(v) !== null || parseIpv6(v) !== null);
  if (type === 'boolean') return typeof v === 'boolean';
  if (type === 'object' || type === 'nested' || type === 'flattened') return v !== null && typeof v === 'object';
  return false;
}

/** The problems of one document of a table against the csv. */
function problems(table: string, doc: Record<string, unknown>, csv: Map<string, CsvField>): string[] {
  const out: string[] = [];
  for (const [path, v] of leaves(doc)) {
    // labels: an ECS object of keyword values; the keys are ours
    if (path.startsWith('labels.')) {
      if (!(ECS_LABELS as readonly string[]).includes(path.slice(7)) || typeof v !== 'string') out.push(`${path}: not a label we declare, or not a string`);
      continue;
    }
    const f = csv.get(path);
    if (f === undefined) {
      out.push(`${path}: not in fields.csv`);
      continue;
    }
    if (!ECS_TABLE_FIELDS[table]!.includes(path)) out.push(`${path}: not in the ${table} template`);
    const values = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && !f.normalization.includes('array')) out.push(`${path}: an array, fields.csv says "${f.normalization}"`);
    for (const x of values) if (!fits(f.type, x)) out.push(`${path}: ${JSON.stringify(x)} is not a ${f.type}`);
  }
  return out;
}

/** The mapping of a dotted field in a template's properties. */
function mappingOf(props: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const parts = name.split('.');
  let node: Record<string, unknown> | undefined = { properties: props };
  for (const p of parts) node = (node?.properties as Record<string, Record<string, unknown>> | undefined)?.[p];
  return node;
}

describe.skipIf(corpus === null)('ECS documents vs ECS fields.csv', () => {
  const csv = readFieldsCsv(join(corpus!, 'formats/ecs/fields.csv'));

  it('reads fields.csv', () => {
    expect(csv.size).toBeGreaterThan(2000);
    expect(csv.get('source.ip')).toEqual({ type: 'ip', normalization: '' });
  });

  it('ecs-fields.ts gives each field its type in fields.csv', () => {
    const wrong = Object.entries(ECS_FIELD_TYPES).filter(([k, t]) => csv.get(k)?.type !== t).map(([k, t]) => `${k}: ours ${t}, csv ${csv.get(k)?.type ?? '(none)'}`);
    expect(wrong).toEqual([]);
    for (const [table, fields] of Object.entries(ECS_TABLE_FIELDS)) expect(fields.filter((f) => ECS_FIELD_TYPES[f] === undefined), table).toEqual([]);
  });

  for (const table of Object.keys(ECS_TABLE_FIELDS)) {
    it(`${table}: the index template maps each field with its csv type (Elastic; OpenSearch with its substitutes)`, () => {
      const elastic = ecsIndexTemplate(table, 'elastic');
      expect(elastic.index_patterns).toEqual([`logs-haystack.${table}-*`]);
      expect(ecsDataStream(table)).toMatch(new RegExp(`^logs-haystack\\.${table}-default$`));
      const props = (elastic.template as { mappings: { properties: Record<string, unknown> } }).mappings.properties;
      const os = (ecsIndexTemplate(table, 'opensearch').template as { mappings: { properties: Record<string, unknown> } }).mappings.properties;
      const SUB: Record<string, string> = { wildcard: 'keyword', match_only_text: 'text', constant_keyword: 'keyword' };
      for (const f of ECS_TABLE_FIELDS[table]!) {
        const t = csv.get(f)!.type;
        const m = mappingOf(props, f);
        if (t === 'object') expect(m?.properties, f).toBeDefined();
        else expect(m?.type, f).toBe(t);
        if (t !== 'object') expect(mappingOf(os, f)?.type, `${f} (opensearch)`).toBe(SUB[t] ?? t);
      }
      for (const l of ECS_LABELS) expect(mappingOf(props, `labels.${l}`)?.type).toBe('keyword');
    });

    it(`${table}: random records give documents whose every field is in fields.csv with a fitting type`, () => {
      const build = ecsBuilder(table)!;
      fc.assert(fc.property(tableArb(schemaOf(table)!), (r) => {
        expect(problems(table, JSON.parse(JSON.stringify(build(r))) as Record<string, unknown>, csv)).toEqual([]);
      }), { numRuns: 200 });
    });
  }

  it('documents of the committed captures (alerts from a rule on http-put.pcap) fit fields.csv', async () => {
    const seen = new Map<string, number>();
    const inputs = [...['smtp-attachments.pcap', 'tls-clients.pcapng', 'http-put.pcap', 'mixed-home.pcap', 'tunnels.pcap'].map((f) => join(GEN, f)),
      join(ROOT, 'test/fixtures/dns/dns-gen.pcap')];
    const bad: string[] = [];
    for (const path of inputs) {
      const rows = await captureRecords(path, [], PUT_RULE);
      for (const [table, records] of Object.entries(rows)) {
        const build = ecsBuilder(table)!;
        for (const r of records) {
          seen.set(table, (seen.get(table) ?? 0) + 1);
          bad.push(...problems(table, JSON.parse(JSON.stringify(build(r))) as Record<string, unknown>, csv).map((p) => `${table}: ${p}`));
        }
      }
    }
    console.log(`ECS documents checked: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect([...new Set(bad)]).toEqual([]);
    for (const table of ['sessions', 'tls', 'http', 'smtp', 'files', 'dns', 'alerts']) expect(seen.get(table) ?? 0, table).toBeGreaterThan(0);
  });
});

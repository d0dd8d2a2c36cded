// Every EVE event our writer makes of real captures (suricata-verify's, Zeek's DNS traces, the smtp capture of
// the Zeek corpus; alerts from each test's own rules) validates against Suricata's schema
// (formats/suricata-eve/schema.json: JSON Schema draft-07 by default, additionalProperties false at every level).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { EVE_EVENT_TYPES } from '../src/formats/eve/eve-events.js';
import { corpusDir, walkFiles } from './helpers/run.js';
import { captureRecords, eveOf } from './helpers/eve.js';

const corpus = corpusDir();

describe.skipIf(corpus === null)('EVE events validate against Suricata\'s schema', () => {
  const dir = corpus!;
  const schema = JSON.parse(readFileSync(join(dir, 'formats/suricata-eve/schema.json'), 'utf8')) as Record<string, unknown>;
  // the schema names no $schema (draft-07, Ajv's default) and annotates keywords with a `suricata` key of its own
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addKeyword('suricata');
  // a misspelt `description` in the schema as Suricata ships it
  ajv.addKeyword('desription');
  const validate = ajv.compile(schema);
  const sv = join(dir, 'pcap/suricata-verify');
  const captures = [
    ...walkFiles(sv).filter((f) => /\.pcap(ng)?$/.test(f)),
    ...readdirSync(join(dir, 'pcap/zeek')).filter((f) => /^dns.*\.pcap$/.test(f)).map((f) => join(dir, 'pcap/zeek', f)),
    join(dir, 'pcap/zeek/smtp.pcap'),
  ];
  const seen = new Map<string, number>();

  it('the schema is the one described', () => {
    expect(schema.$schema).toBeUndefined();
    expect(schema.additionalProperties).toBe(false);
    expect((schema.required as string[]).sort()).toEqual(['event_type', 'timestamp']);
  });

  for (const path of captures) {
    it(path.slice(dir.length + 1), async () => {
      const folder = path.slice(0, path.lastIndexOf('/'));
      const rules = path.startsWith(sv) ? readdirSync(folder).filter((f) => f.endsWith('.rules')).map((f) => join(folder, f)) : [];
      const rows = await captureRecords(path, rules);
      const bad: string[] = [];
      for (const [table, records] of Object.entries(rows)) {
        const events = eveOf(table, records);
        expect(events.length).toBe(records.length);
        for (const ev of events) {
          // a QUIC handshake is Suricata's quic event
          expect(ev.event_type).toBe(table === 'tls' && ev.app_proto === 'quic' ? 'quic' : EVE_EVENT_TYPES[table]);
          seen.set(table, (seen.get(table) ?? 0) + 1);
          if (!validate(ev)) bad.push(`${table}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(ev).slice(0, 300)}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('covered every event type the writer makes', () => {
    console.log(`EVE events validated: ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const table of Object.keys(EVE_EVENT_TYPES)) expect(seen.get(table) ?? 0, table).toBeGreaterThan(0);
  });
});

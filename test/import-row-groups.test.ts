// `haystack import` writes DuckDB's default row groups (122,880 rows: cli/commands/import.ts IMPORT_ROW_GROUP_SIZE)
// where every other writer keeps the store's 16,384: the same rows either way, and a store holding both sizes reads
// and takes further captures alike (an ingest after the import, a second import of the same file).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { dumpStore, importAll } from './helpers/import-both.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('import-row-groups');
/** more rows than three of the store's row groups hold */
const ROWS = 40_000;

/** A conn.log of ROWS varied lines in Zeek's default TSV form. */
function connLog(): string {
  const fields = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes',
    'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents'];
  const types = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count',
    'string', 'bool', 'bool', 'count', 'string', 'count', 'count', 'count', 'count', 'set[string]'];
  const out = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-12-08-00-00-00',
    `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`];
  for (let i = 0; i < ROWS; i++) {
    const us = 1_700_000_000_000_000 + i * 1_337;
    const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    const tcp = i % 3 !== 0;
    const v6 = i % 11 === 0;
    const orig = v6 ? `2001:db8::${(i % 65535).toString(16)}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const resp = v6 ? '2001:db8::1' : `192.0.2.${i % 200}`;
    const unset = i % 7 === 0;
    out.push([ts, `C${i.toString(36).padStart(8, '0')}`, orig, String(1024 + (i % 60000)), resp, tcp ? '443' : '53', tcp ? 'tcp' : 'udp',
      unset ? '-' : tcp ? 'ssl' : 'dns', unset ? '-' : `0.${String(i % 1e6).padStart(6, '0')}`, unset ? '-' : String(i % 5000), unset ? '-' : String((i * 7) % 90000),
      tcp ? 'SF' : 'S0', 'T', 'F', '0', tcp ? 'ShADadFf' : 'D', String(1 + (i % 20)), String(60 + (i % 3000)), String(i % 30), String((i * 3) % 40000),
      i % 13 === 0 ? '(empty)' : '-'].join('\t'));
  }
  out.push('#close\t2026-12-08-00-00-01');
  return `${out.join('\n')}\n`;
}

/** The largest row group of the sessions table, and how many rows it holds in all. */
async function groups(db: string): Promise<{ largest: number; rows: number }> {
  const store = await openStore(db, { readOnly: true });
  try {
    const r = await store.select(`SELECT max(count) AS largest, sum(count) AS rows FROM pragma_storage_info('sessions') WHERE column_name = 'uid' AND segment_type <> 'VALIDITY'`);
    return { largest: Number(r.rows[0]!.largest), rows: Number(r.rows[0]!.rows) };
  } finally {
    await store.close();
  }
}

describe('import writes 122,880-row groups', () => {
  it('the same rows as with the store\'s 16,384, and the store takes more captures after it', async () => {
    const log = join(dir, 'conn.log');
    writeFileSync(log, connLog());
    const byCli = join(dir, 'cli.duckdb');
    const plain = join(dir, 'plain.duckdb');
    const r = await cli('import', 'zeek', log, '--db', byCli);
    expect(r.code, r.err).toBe(0);
    // the same file through the pipeline into a store opened as every other writer opens it
    const outs = await importAll('zeek', plain, [log], true);
    expect(outs[0]!.status === 'imported' && outs[0]!.records.sessions).toBe(ROWS);
    // by SQL (the path the row-group size is for), not a fallback to the JS path
    expect(outs[0]!.status === 'imported' && outs[0]!.via).toBe('sql');
    expect(await dumpStore(byCli)).toEqual(await dumpStore(plain));
    const [big, small] = [await groups(byCli), await groups(plain)];
    expect(big.rows).toBe(ROWS);
    expect(small.rows).toBe(ROWS);
    expect(big.largest).toBeGreaterThan(16_384);
    expect(small.largest).toBeLessThanOrEqual(16_384);

    // an ingest into the imported store (16,384-row groups after 122,880-row ones), then the same file again
    const ing = await cli('ingest', join(GEN, 'mixed-home.pcap'), '--db', byCli);
    expect(ing.code, ing.err).toBe(0);
    const again = await cli('import', 'zeek', log, '--db', byCli);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('already in the store');
    const after = await dumpStore(byCli);
    const ingested = after.sessions!.length - ROWS;
    expect(ingested).toBeGreaterThan(0);
    expect(after.captures!.length).toBe(2);
    expect((await groups(byCli)).rows).toBe(ROWS + ingested);
  }, 120_000);
});

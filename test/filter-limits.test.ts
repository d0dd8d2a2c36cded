// Every verb that takes an expression (--filter, --where) refuses one past the named limits with exit 2 and the
// column, and runs one at the limit: an or-chain of 8,000 terms once overflowed the stack (exit 70).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILTER_TERMS } from '../src/query/filter.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('filter-limits');
const CAP = join(GEN, 'http-put.pcap');
/** the probe's expression: 8,000 times "dst_port=1", 14 characters each with its " or " */
const PROBE = Array<string>(8000).fill('dst_port=1').join(' or ');
const REFUSED = `more than ${MAX_FILTER_TERMS} comparisons in one expression at column ${14 * MAX_FILTER_TERMS + 1}`;
/** the limit: every port from 1 to MAX_FILTER_TERMS */
const AT_LIMIT = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `dst_port = ${i + 1}`).join(' or ');

describe('expression limits on every verb', () => {
  const db = join(dir, 'f.duckdb');
  const rules = join(dir, 'put.rules');
  beforeAll(async () => {
    writeFileSync(rules, 'alert tcp any any -> any any (msg:"PUT"; content:"PUT"; sid:1;)\n');
    expect((await cli('ingest', CAP, '--db', db)).code).toBe(0);
  });

  it('--filter: sessions, tls, smtp, http, alerts and extract refuse the 8,000-term chain by its column, exit 2', async () => {
    for (const argv of [['sessions'], ['tls'], ['smtp'], ['http'], ['alerts', '--rules', rules], ['extract', '-o', join(dir, 'x')]]) {
      const r = await cli(argv[0]!, CAP, ...argv.slice(1), '--filter', PROBE);
      expect([argv[0], r.code, r.out, r.err.split('\n')[0]]).toEqual([argv[0], 2, '', expect.stringContaining(`haystack ${argv[0]}: --filter: ${REFUSED}: ...`)]);
    }
  });

  it('--where: export and counts refuse it the same way, naming --where', async () => {
    for (const argv of [['export', 'sessions', '--format', 'jsonl', '-o', join(dir, 'out.jsonl')], ['counts', 'sessions', '--by', 'day']]) {
      const r = await cli(...argv, '--where', PROBE, '--db', db);
      expect([argv[0], r.code, r.err.split('\n')[0]]).toEqual([argv[0], 2, expect.stringContaining(`haystack ${argv[0]}: --where: ${REFUSED}`)]);
    }
  });

  it('a chain at the limit gives the same rows in memory (--filter) as in SQL (--where)', async () => {
    const mem = await cli('sessions', CAP, '--format', 'jsonl', '--fields', 'uid', '--filter', AT_LIMIT);
    const all = await cli('sessions', CAP, '--format', 'jsonl', '--fields', 'uid,dst_port');
    const want = all.out.trim().split('\n').map((l) => JSON.parse(l) as { uid: string; dst_port: number }).filter((s) => s.dst_port <= MAX_FILTER_TERMS).map((s) => s.uid).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(mem.code).toBe(0);
    expect(mem.out.trim().split('\n').map((l) => (JSON.parse(l) as { uid: string }).uid).sort()).toEqual(want);
    const out = join(dir, 'limit.jsonl');
    const sql = await cli('export', 'sessions', '--format', 'jsonl', '-o', out, '--where', AT_LIMIT, '--db', db);
    expect(sql.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { uid: string }).uid).sort()).toEqual(want);
    const counts = await cli('counts', 'sessions', '--by', 'day', '--where', AT_LIMIT, '--db', db, '--format', 'jsonl');
    expect(counts.out.trim().split('\n').reduce((a, l) => a + (JSON.parse(l) as { count: number }).count, 0)).toBe(want.length);
  });
});

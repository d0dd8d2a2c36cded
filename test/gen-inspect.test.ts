// Content inspection on the labelled captures made here (test/fixtures/inspect, make-inspect-captures.sh): every
// planted value is found by its detector (its keyed hash under a known key, its count, its test-value flag), the
// bulk sets and the big groups are summarised, the decoys stay silent, and nothing Haystack prints or stores holds
// a planted value in clear. Expectations are the construction's (inspect.construction.json), never our output.
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../src/inspect/builtin.js';
import { analyze } from '../src/pipeline/api.js';
import { ingest } from '../src/pipeline/ingest.js';
import { openStore } from '../src/store/open.js';
import type { FindingRecord } from '../src/schema/findings.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/inspect');
interface Planted { id: string; detector: string; value: string; count: number; test_value: boolean; capture: string; group?: string; user?: string; file: string | null; wire?: string }
interface Decoy { id: string; kind: string; value: string; silent_for: string[]; capture: string }
interface Group { id: string; detector: string; capture: string; distinct: number }
const made = JSON.parse(readFileSync(join(DIR, 'inspect.construction.json'), 'utf8')) as { planted: Planted[]; decoys: Decoy[]; groups: Group[] };
const CAPTURES = ['inspect-http.pcap', 'inspect-smtp.pcap', 'inspect-ftp.pcap', 'inspect-pop3.pcap'];
const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const hmac = (v: string): string => createHmac('sha256', KEY).update(v, 'utf8').digest('hex');

/** Our detector names where the construction's differ (same thing): GCP keys and service accounts are one detector. */
const ALIAS: Record<string, string> = { gcp_api_key: 'gcp_credential' };
/** The value as the detector keeps it (its hash's input): digits of numbers, an AWS pair's key id. */
function canonical(p: { detector: string; value: string }): string {
  if (['payment_card', 'us_ssn', 'aba_routing', 'phone'].includes(p.detector)) return p.value.replace(/\D/g, '');
  if (p.detector === 'iban') return p.value.replace(/\s/g, '').toUpperCase();
  if (p.detector === 'aws_access_key') return p.value.split(':')[0]!;
  return p.value;
}

async function findings(capture: string): Promise<FindingRecord[]> {
  const out: FindingRecord[] = [];
  for await (const r of analyze(join(DIR, capture), { inspect: { key: KEY, detectors: builtinDetectors(), remoteAccess: null } })) if (r.type === 'finding') out.push(r.record);
  return out;
}

const all = new Map<string, Promise<FindingRecord[]>>();
const of = (capture: string): Promise<FindingRecord[]> => {
  let p = all.get(capture);
  if (p === undefined) all.set(capture, (p = findings(capture)));
  return p;
};

describe('inspect: the labelled captures', () => {
  for (const capture of CAPTURES) {
    it(`${capture}: every planted value found by its detector, with its count and test flag`, async () => {
      const fs = await of(capture);
      const big = new Set(made.groups.filter((g) => g.distinct > 50).map((g) => g.id));
      const misses: string[] = [];
      for (const p of made.planted.filter((x) => x.capture === capture)) {
        const detector = ALIAS[p.detector] ?? p.detector;
        const rows = fs.filter((f) => f.detector === detector);
        let ok: boolean;
        if (p.detector === 'cleartext_credentials') ok = rows.some((f) => f.masked === p.user);
        else if (p.detector === 'encrypted_container') ok = rows.some((f) => (f.decode_path ?? '').endsWith(p.file!));
        else if (p.detector === 'email' || p.detector === 'phone') ok = rows.some((f) => f.value_hmac === null && f.distinct_count >= made.groups.find((g) => g.id === p.group)!.distinct);
        else if (p.detector === 'pem_private_key') ok = rows.length === made.planted.filter((x) => x.capture === capture && x.detector === p.detector).length;
        else if (p.group !== undefined && big.has(p.group)) {
          // a group past the per-scope cap: its rows (by value, and the folded rest) count every member once
          const g = made.groups.find((x) => x.id === p.group)!;
          ok = rows.filter((f) => p.file !== null && (f.decode_path ?? '').includes(p.file)).reduce((a, f) => a + f.count, 0) === g.distinct;
        }
        else {
          const row = rows.find((f) => f.value_hmac === hmac(canonical(p)));
          ok = row !== undefined && row.count >= p.count && row.test_value === p.test_value;
        }
        if (!ok) misses.push(`${p.id} ${p.detector}`);
      }
      // ids only: a failure never prints a value
      expect(misses).toEqual([]);
    });
  }

  it('report.pdf on 8443: a zip of CSVs with its 200 cards counted in one scope, 50 by value and the rest folded', async () => {
    const g = made.groups.find((x) => x.id === 'G-report-cards')!;
    const rows = (await of(g.capture)).filter((f) => f.detector === 'payment_card' && (f.decode_path ?? '').includes('zip:report.pdf'));
    const inZip = rows.filter((f) => f.value_hmac !== null);
    expect(rows.every((f) => f.distinct_count === g.distinct / 2 || f.distinct_count === g.distinct)).toBe(true);
    const planted = new Set(made.planted.filter((p) => p.group === g.id).map((p) => hmac(canonical(p))));
    expect(inZip.every((f) => planted.has(f.value_hmac!))).toBe(true);
    expect(rows.reduce((a, f) => a + f.count, 0)).toBe(g.distinct);
  });

  it('inspect-pop3.pcap: the retrieved message\'s addresses are one bulk row, through MIME; the raw server stream does not report them again', async () => {
    const g = made.groups.find((x) => x.id === 'G-pop3-email')!;
    const rows = (await of(g.capture)).filter((f) => f.detector === 'email');
    // the message went to the MIME path whole (RETR): its body part is the one scope of the group
    expect(rows.map((f) => [f.app_proto, f.side, f.decode_path, f.value_hmac])).toEqual([['pop3', 'server', 'pop3 › 1', null]]);
    expect(rows[0]!.distinct_count).toBeGreaterThanOrEqual(g.distinct);
  });

  it('the decoys stay silent for the detectors they imitate', async () => {
    const loud: string[] = [];
    for (const d of made.decoys) {
      const fs = await of(d.capture);
      for (const det of d.silent_for) {
        const detector = ALIAS[det] ?? det;
        if (fs.some((f) => f.detector === detector && f.value_hmac === hmac(canonical({ detector: det, value: d.value })))) loud.push(`${d.id} ${d.kind} -> ${det}`);
      }
    }
    expect(loud).toEqual([]);
  });

  it('precision: every value a detector reports is a planted one (bulk and folded rows aside; known differences said)', async () => {
    const known = (JSON.parse(readFileSync(join(ROOT, 'test/known-differences-inspect.json'), 'utf8')) as { differences: { id: string }[] }).differences.map((d) => d.id);
    expect(known).toEqual(expect.arrayContaining(['gcp-service-account', 'aws-secret-separate', 'track-pan']));
    const planted = new Set(made.planted.map((p) => hmac(canonical(p))));
    // aws-secret-separate: each half of a pair is a value; track-pan: the card inside a track is a card
    for (const p of made.planted) {
      if (p.detector === 'aws_access_key') planted.add(hmac(p.value.split(':')[1]!));
      const pan = (p as { pan?: string }).pan;
      if (pan !== undefined) planted.add(hmac(pan));
    }
    const users = new Set(made.planted.filter((p) => p.user !== undefined).map((p) => hmac(p.user!)));
    const extra: string[] = [];
    for (const capture of CAPTURES) {
      for (const f of await of(capture)) {
        if (f.value_hmac === null || f.category === 'evasion' || f.detector === 'pem_private_key') continue;
        // gcp-service-account: the JSON document around a planted private key
        if (f.detector === 'gcp_credential' && (f.masked ?? '').startsWith('-----BEGIN')) continue;
        if (!planted.has(f.value_hmac) && !users.has(f.value_hmac)) extra.push(`${capture} ${f.detector} ${f.decode_path ?? ''} ${f.masked ?? ''}`);
      }
    }
    expect(extra).toEqual([]);
  });
});

/** Every planted value in the forms it can take in text: as planted, canonical, and as sent on the wire. */
function plantedForms(): string[] {
  const forms = new Set<string>();
  for (const p of made.planted) {
    if (['cleartext_credentials', 'encrypted_container'].includes(p.detector)) continue;
    for (const v of [p.value, canonical(p), ...(p.detector === 'aws_access_key' ? [p.value.split(':')[1]!] : [])]) if (v.length >= 9) forms.add(v);
  }
  return [...forms];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('inspect: redaction', () => {
  it('nothing printed by inspect, nor any row of the store, nor its export, holds a planted value in clear', async () => {
    const forms = plantedForms();
    const leaks = (where: string, text: string): string[] => forms.filter((v) => text.includes(v)).map((v) => `${where}: a value of ${v.length} characters`);
    const found: string[] = [];
    for (const c of CAPTURES) {
      const r = await cli('inspect', join(DIR, c), '--format', 'jsonl');
      expect(r.code).toBe(0);
      found.push(...leaks(`inspect ${c}`, r.out + r.err));
    }
    const dir = scratchDir('inspect-redaction');
    const db = join(dir, 'a.duckdb');
    const store = await openStore(db);
    try {
      const s = await ingest(store, CAPTURES.map((c) => join(DIR, c)), { filesDir: null });
      expect(s.files.map((f) => f.status)).toEqual(CAPTURES.map(() => 'ingested'));
    } finally {
      await store.close();
    }
    for (const table of ['findings', 'anomalies', 'http', 'smtp', 'ftp', 'pop3', 'files', 'sessions']) {
      const out = join(dir, `${table}.jsonl`);
      const e = await cli('export', table, '--db', db, '--format', 'jsonl', '-o', out);
      expect(e.code).toBe(0);
      found.push(...leaks(`export ${table}`, readFileSync(out, 'latin1') + e.err));
    }
    // the store's own files (the database, its write-ahead log)
    for (const f of filesUnder(dir).filter((p) => !p.endsWith('.jsonl'))) found.push(...leaks(`store file ${f.slice(dir.length)}`, readFileSync(f, 'latin1')));
    expect(found).toEqual([]);
  }, 120_000);
});

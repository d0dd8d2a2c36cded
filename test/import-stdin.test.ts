// `haystack import zeek|eve -`: standard input read to its end and committed as one import, known by the SHA-256
// of what it held (a second run with the same text changes nothing). Its rows equal those of the same text read
// from a file; gzip on stdin is read as in a file; bad lines are anomalies naming "standard input line N"; a
// Zeek JSON log on stdin takes its name from --log. The inputs are made here; the real CLI reads a pipe.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MAPPER } from '../src/formats/import/mappers.js';
import { importFiles, type ImportOutcome } from '../src/pipeline/import.js';
import { RECORD_SCHEMAS } from '../src/schema/registry.js';
import { openStore } from '../src/store/open.js';
import { ident } from '../src/store/sql.js';
import { scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const dir = scratchDir('import-stdin');
const T0 = 1_796_637_600; // 2026-12-07T10:00:00Z

const CONN = [
  '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-12-07-10-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\torig_pkts\tresp_pkts',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tcount\tcount',
  `${T0}.000001\tCstdin1\t10.0.0.1\t40001\t192.0.2.1\t443\ttcp\tssl\t1.500000\t100\t2000\tSF\t5\t6`,
  `${T0 + 1}.000002\tCstdin2\t10.0.0.2\t40002\t192.0.2.2\t53\tudp\tdns\t0.010000\t40\t80\tSF\t1\t1`,
  `${T0 + 2}.000003\tCstdin3\t10.0.0.3\tnot-a-port\t192.0.2.3\t80\ttcp\thttp\t0.2\t1\t2\tSF\t1\t1`,
  '#close\t2026-12-07-11-00-00',
].join('\n') + '\n';

const EVE = [
  { timestamp: '2026-12-07T10:00:00.000001+0000', flow_id: 1234567, event_type: 'flow', src_ip: '10.0.0.1', src_port: 40001, dest_ip: '192.0.2.1', dest_port: 443, proto: 'TCP', app_proto: 'tls', flow: { pkts_toserver: 5, pkts_toclient: 6, bytes_toserver: 700, bytes_toclient: 4000, start: '2026-12-07T10:00:00.000001+0000', end: '2026-12-07T10:00:01.500001+0000' } },
  { timestamp: '2026-12-07T10:00:02.000000+0000', flow_id: 7654321, event_type: 'flow', src_ip: '2001:db8::1', src_port: 5353, dest_ip: '2001:db8::2', dest_port: 53, proto: 'UDP', app_proto: 'dns', flow: { pkts_toserver: 1, pkts_toclient: 1, bytes_toserver: 90, bytes_toclient: 130, start: '2026-12-07T10:00:02.000000+0000', end: '2026-12-07T10:00:02.010000+0000' } },
].map((e) => JSON.stringify(e)).join('\n') + '\n';

/** Rows of every record table (capture_id and ingested_at left out: the id of stdin's import is its hash too). */
async function dump(db: string): Promise<Record<string, string[]>> {
  const store = await openStore(db, { readOnly: true });
  try {
    const out: Record<string, string[]> = {};
    for (const s of RECORD_SCHEMAS) {
      const cols = s.fields.filter((f) => f.name !== 'ingested_at').map((f) => ident(f.name));
      out[s.name] = (await store.select(`SELECT ${cols.join(', ')} FROM ${ident(s.name)}`)).rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    await store.close();
  }
}

async function importInto(db: string, kind: 'zeek' | 'eve', inputs: string[], stdin?: Buffer | string, log?: string): Promise<ImportOutcome[]> {
  const store = await openStore(db);
  try {
    // stdin in small chunks: lines cross chunk boundaries
    const chunks = stdin === undefined ? undefined : Readable.from(chunked(Buffer.from(stdin), 7));
    return await importFiles(store, kind, inputs, { mapper: BUILTIN_MAPPER, ...(chunks !== undefined ? { stdin: chunks } : {}), ...(log !== undefined ? { log } : {}) });
  } finally {
    await store.close();
  }
}

function* chunked(b: Buffer, n: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

const sha256 = (s: Buffer | string): string => createHash('sha256').update(s).digest('hex');

describe('import from standard input', () => {
  for (const [kind, text, name] of [['zeek', CONN, 'conn.log'], ['eve', EVE, 'eve.json']] as const) {
    it(`${kind}: the same rows as the same text in a file; known by its hash; a second run changes nothing`, async () => {
      const file = join(dir, name);
      writeFileSync(file, text);
      const [viaFile] = await importInto(join(dir, `${kind}-file.duckdb`), kind, [file]);
      const db = join(dir, `${kind}-stdin.duckdb`);
      const [viaStdin] = await importInto(db, kind, ['-'], text);
      expect(viaFile!.status).toBe('imported');
      expect(viaStdin!.status).toBe('imported');
      if (viaStdin!.status !== 'imported' || viaFile!.status !== 'imported') return;
      expect(viaStdin!.capture.sha256).toBe(sha256(text));
      expect(viaStdin!.capture.path).toBe('-');
      expect(viaStdin!.records).toEqual(viaFile!.records);
      // the file's path is in its captures row, where stdin's says "-", and in its anomalies, where stdin's say
      // "standard input"
      const named = (d: Record<string, string[]>): Record<string, string[]> => ({
        ...d,
        captures: d.captures!.map((r) => r.replace(`"path":${JSON.stringify(file)}`, '"path":"-"')),
        anomalies: d.anomalies!.map((r) => r.replace(`"detail":${JSON.stringify(`${file} line`).slice(0, -1)}`, '"detail":"standard input line')),
      });
      expect(await dump(db)).toEqual(named(await dump(join(dir, `${kind}-file.duckdb`))));
      const [again] = await importInto(db, kind, ['-'], text);
      expect(again!.status).toBe('already');
    });
  }

  it('zeek: a bad line is an anomaly naming standard input and its line; gzip on stdin reads as plain', async () => {
    const db = join(dir, 'gz.duckdb');
    const [r] = await importInto(db, 'zeek', ['-'], gzipSync(CONN));
    expect(r!.status).toBe('imported');
    if (r!.status !== 'imported') return;
    expect(r!.bad).toBe(1);
    expect(r!.capture.sha256).toBe(sha256(CONN));
    const store = await openStore(db, { readOnly: true });
    try {
      const a = await store.select(`SELECT detail FROM anomalies`);
      expect(a.rows.map((x) => x.detail)).toEqual([expect.stringMatching(/^standard input line 11: /)]);
      expect((await store.select(`SELECT uid FROM sessions ORDER BY uid`)).rows.map((x) => x.uid)).toEqual(['Cstdin1', 'Cstdin2']);
    } finally {
      await store.close();
    }
  });

  it('zeek JSON on stdin takes its log from --log (no file name to tell it)', async () => {
    const json = [
      { ts: T0 + 0.25, uid: 'Cjson1', 'id.orig_h': '10.0.0.9', 'id.orig_p': 1234, 'id.resp_h': '192.0.2.9', 'id.resp_p': 22, proto: 'tcp', conn_state: 'S0' },
    ].map((o) => JSON.stringify(o)).join('\n') + '\n';
    const [without] = await importInto(join(dir, 'json-nolog.duckdb'), 'zeek', ['-'], json);
    expect(without!.status === 'imported' && without!.unmapped).toEqual({ '-': 1 });
    const [withLog] = await importInto(join(dir, 'json-log.duckdb'), 'zeek', ['-'], json, 'conn');
    expect(withLog!.status === 'imported' && withLog!.records).toEqual({ sessions: 1 });
  });

  it('standard input named twice is refused', async () => {
    await expect(importInto(join(dir, 'twice.duckdb'), 'eve', ['-', '-'], EVE)).rejects.toThrow(/standard input \(-\) can be read once/);
  });

  it('the CLI reads a pipe: `… | haystack import eve - --db X`, and refuses --log for eve', () => {
    const db = join(dir, 'cli.duckdb');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), 'import', 'eve', '-', '--db', db], { input: gzipSync(EVE), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toMatch(/haystack import: -: 2 lines into .* sessions 2/);
    expect(r.status).toBe(0);
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), 'import', 'eve', '-', '--log', 'conn', '--db', db], { input: EVE, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--log is for Zeek logs/);
  });
});

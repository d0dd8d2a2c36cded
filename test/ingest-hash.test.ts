// A large capture is hashed on a worker thread while it is read, its rows staged under no id until the hash
// arrives; objects are written in the background. Both must give exactly what the plain path gives.
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest, type IngestOptions } from '../src/pipeline/ingest.js';
import { RECORD_SCHEMAS } from '../src/schema/registry.js';
import { openStore } from '../src/store/open.js';
import { ident } from '../src/store/sql.js';
import { scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const CAPTURES = ['mixed-home.pcap', 'smtp-attachments.pcap', 'http-put.pcap'].map((f) => join(GEN, f));
const dir = scratchDir('ingest-hash');

/** Every table's rows in a stable order, minus ingested_at (a clock reading). */
async function dump(db: string): Promise<Record<string, unknown[]>> {
  const s = await openStore(db, { readOnly: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of RECORD_SCHEMAS) {
      const r = await s.select(`SELECT * FROM ${ident(t.name)}`);
      out[t.name] = r.rows
        .map((row) => {
          const rest = { ...row };
          delete rest.ingested_at;
          return JSON.stringify(rest);
        })
        .sort();
    }
    return out;
  } finally {
    await s.close();
  }
}

async function run(name: string, opts: IngestOptions): Promise<{ db: string; statuses: string[] }> {
  const db = join(dir, `${name}.duckdb`);
  const store = await openStore(db);
  try {
    const s = await ingest(store, CAPTURES, { homeNet: ['127.0.0.0/24'], filesDir: join(dir, name), ...opts });
    return { db, statuses: s.files.map((f) => f.status) };
  } finally {
    await store.close();
  }
}

describe('ingest: hashing on a worker, objects written in the background', () => {
  it('gives the same rows, ids and stored files as hashing first', async () => {
    const plain = await run('plain', { hashOnWorkerBytes: Infinity });
    const worker = await run('worker', { hashOnWorkerBytes: 0 });
    expect(plain.statuses).toEqual(['ingested', 'ingested', 'ingested']);
    expect(worker.statuses).toEqual(plain.statuses);
    const a = await dump(plain.db);
    const b = await dump(worker.db);
    expect(b).toEqual(a);
    // each capture's rows carry its id: the first 16 hex digits of the file's SHA-256, never the staging blank
    const ids = CAPTURES.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 16)).sort();
    const s = await openStore(worker.db, { readOnly: true });
    try {
      for (const t of RECORD_SCHEMAS) {
        const r = await s.select(`SELECT DISTINCT capture_id FROM ${ident(t.name)} ORDER BY 1`);
        for (const row of r.rows) expect(ids).toContain(row.capture_id);
      }
      const files = await s.select(`SELECT stored_path, sha256, size FROM files WHERE stored_path IS NOT NULL`);
      expect(files.rows.length).toBeGreaterThan(0);
      for (const f of files.rows) {
        const p = join(dir, 'worker', String(f.stored_path));
        expect(existsSync(p), p).toBe(true);
        const data = readFileSync(p);
        expect(data.length).toBe(Number(f.size));
        expect(createHash('sha256').update(data).digest('hex')).toBe(f.sha256);
      }
    } finally {
      await s.close();
    }
  }, 60_000);

  it('notices a capture already stored once the worker\'s hash arrives, and writes nothing', async () => {
    const first = await run('again', { hashOnWorkerBytes: 0 });
    const before = await dump(first.db);
    const second = await run('again', { hashOnWorkerBytes: 0 });
    expect(second.statuses).toEqual(['already', 'already', 'already']);
    expect(await dump(first.db)).toEqual(before);
  }, 60_000);
});

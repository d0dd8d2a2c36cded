// The import's fast paths (Zeek TSV and EVE flow lines by SQL) against the line-by-line JS path they must equal:
// the same files imported into two stores, one with the fast path and one without, then every row of every record
// table and the captures rows (but ingested_at) compared whole.
import { join } from 'node:path';
import { expect } from 'vitest';
import { BUILTIN_MAPPER } from '../../src/formats/import/mappers.js';
import { importFiles, type ImportKind, type ImportOutcome } from '../../src/pipeline/import.js';
import { RECORD_SCHEMAS } from '../../src/schema/registry.js';
import { openStore } from '../../src/store/open.js';
import { ident } from '../../src/store/sql.js';

/** Every row of every record table and the captures rows (ingested_at left out), each as JSON text, sorted. */
export async function dumpStore(db: string): Promise<Record<string, string[]>> {
  const store = await openStore(db, { readOnly: true });
  const out: Record<string, string[]> = {};
  try {
    for (const s of [...RECORD_SCHEMAS]) {
      const cols = s.fields.filter((f) => f.name !== 'ingested_at').map((f) => ident(f.name));
      const r = await store.select(`SELECT ${cols.join(', ')} FROM ${ident(s.name)}`);
      out[s.name] = r.rows.map((row) => JSON.stringify(row)).sort();
    }
  } finally {
    await store.close();
  }
  return out;
}

/** Imports `files` into a new store, by SQL where it can or line by line only; the outcomes. */
export async function importAll(kind: ImportKind, db: string, files: readonly string[], sqlFastPath: boolean, sensor: string | null = null): Promise<ImportOutcome[]> {
  const store = await openStore(db);
  try {
    return await importFiles(store, kind, files, { mapper: BUILTIN_MAPPER, sqlFastPath, sensor });
  } finally {
    await store.close();
  }
}

/**
 * Imports `files` both ways into stores named after `name` in `dir` and expects the same stores; the outcomes of
 * the fast-path store.
 */
export async function importBoth(kind: ImportKind, dir: string, name: string, files: readonly string[], sensor: string | null = null): Promise<ImportOutcome[]> {
  const fast = join(dir, `${name}-sql.duckdb`);
  const slow = join(dir, `${name}-js.duckdb`);
  const got = await importAll(kind, fast, files, true, sensor);
  const want = await importAll(kind, slow, files, false, sensor);
  expect(got.map((o) => o.status)).toEqual(want.map((o) => o.status));
  for (const o of want) if (o.status === 'imported') expect(o.via).toBe('js');
  const [a, b] = [await dumpStore(fast), await dumpStore(slow)];
  for (const t of Object.keys(b)) {
    expect(a[t]!.length, `${name}: ${t} rows`).toBe(b[t]!.length);
    // the first row that differs, not 100,000 lines of diff
    const k = a[t]!.findIndex((r, i) => r !== b[t]![i]);
    expect(k < 0 ? null : { sql: a[t]![k], js: b[t]![k] }, `${name}: ${t}`).toBeNull();
  }
  return got;
}

// The output file of an export by a SQL form, which DuckDB's COPY writes into itself: an existing file keeps its
// inode and mode, a name ending in .gz is not compressed, nothing is left beside it, the bytes are the writer's.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportExternal, rowidParts } from '../src/cli/commands/export.js';
import { externalFormat } from '../src/formats/external.js';
import { schemaOf } from '../src/schema/registry.js';
import { committed, tableNamer } from '../src/store/reports.js';
import { openStore } from '../src/store/open.js';
import { ident } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('export-output-file');
const db = join(dir, 'o.duckdb');
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000;
const SESSIONS = schemaOf('sessions')!;

function selectSql(store: Store, more: readonly string[] = []): string {
  const t = tableNamer(store);
  return `SELECT ${SESSIONS.fields.map((f) => ident(f.name)).join(', ')} FROM ${t('sessions')} WHERE ${[committed(t, store.dialect), ...more].join(' AND ')}`;
}

/** Exports sessions in `format` to `file` by the SQL form (in `parts` parts when given) and to a second file by the writer. */
async function bothWays(file: string, format: string, parts = 0): Promise<{ sql: Buffer; writer: Buffer; rows: number }> {
  const store = await openStore(db, { readOnly: true, fileAccess: true, threads: 1 });
  try {
    const split = parts > 1 ? await rowidParts(store, tableNamer(store)('sessions'), (more) => selectSql(store, more), parts, 1) : [];
    expect(split.length).toBe(parts > 1 ? parts : 0);
    const ext = externalFormat(format)!;
    const rows = await exportExternal(store, SESSIONS, ext, selectSql(store), file, { now: NOW, parts: split });
    const ref = `${file}.writer`;
    expect(await exportExternal(store, SESSIONS, ext, selectSql(store), ref, { now: NOW, sqlForm: false })).toBe(rows);
    return { sql: readFileSync(file), writer: readFileSync(ref), rows };
  } finally {
    await store.close();
  }
}

describe('export by a SQL form: the output file', () => {
  it('ingests the fixture', async () => {
    expect((await cli('ingest', join(GEN, 'mixed-home.pcap'), '--db', db)).code).toBe(0);
  });

  it('an existing file is overwritten in place: same inode, its mode kept, none of its old bytes left', async () => {
    const file = join(dir, 'kept.log');
    writeFileSync(file, 'x'.repeat(1 << 20));
    chmodSync(file, 0o600);
    const before = statSync(file);
    for (const format of ['zeek', 'eve']) {
      const r = await bothWays(file, format);
      expect(r.rows).toBeGreaterThan(0);
      expect(r.sql.equals(r.writer), format).toBe(true);
      const after = statSync(file);
      expect(after.ino).toBe(before.ino);
      expect(after.mode & 0o777).toBe(0o600);
    }
  });

  it('a name ending in .gz gets the plain text (the name is the caller\'s)', async () => {
    const r = await bothWays(join(dir, 'conn.log.gz'), 'zeek');
    expect(r.sql.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
    expect(r.sql.toString('utf8').startsWith('#separator \\x09\n')).toBe(true);
    expect(r.sql.equals(r.writer)).toBe(true);
  });

  it('in three parts, the first written straight into the output: the writer\'s bytes, no scratch file left', async () => {
    const sub = join(dir, 'parts');
    for (const format of ['zeek', 'zeek-json', 'eve']) {
      mkdirSync(sub, { recursive: true });
      const file = join(sub, `sessions.${format}`);
      const r = await bothWays(file, format, 3);
      expect(r.sql.equals(r.writer), format).toBe(true);
      const lines = r.sql.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(lines.length, format).toBe(r.rows);
    }
    expect(readdirSync(sub).filter((f) => !/^sessions\.[a-z-]+(\.writer)?$/.test(f))).toEqual([]);
  });
});

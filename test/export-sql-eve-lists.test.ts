// `--format eve`'s SQL form on tls rows whose only oddity is a NULL item in an int list (ciphers, extensions,
// signature algorithms): to_json writes it `null`, the writer's join(',') nothing, so the SQL form must rebuild
// exactly those lines (lineSql's `null` test). The hostile store of export-sql-eve.test.ts cannot tell: its rows with
// NULL items hold escaped text too, which has them rebuilt anyway.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportExternal } from '../src/cli/commands/export.js';
import { externalFormat } from '../src/formats/external.js';
import { schemaOf } from '../src/schema/registry.js';
import type { DuckDbStore } from '../src/store/duckdb-store.js';
import { openStore } from '../src/store/open.js';
import { ident } from '../src/store/sql.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const dir = scratchDir('export-sql-eve-lists');
const db = join(dir, 'tls.duckdb');
const LISTS = ['cipher_suites', 'extensions', 'signature_algorithms'];

describe('the EVE SQL form of tls lines with NULL list items', () => {
  beforeAll(async () => {
    const r = await cli('ingest', join(ROOT, 'test/fixtures/gen/tls-clients.pcapng'), '--db', db);
    expect(r.code, r.err).toBe(0);
    const store = (await openStore(db)) as DuckDbStore;
    try {
      // one list per group of rows: a NULL item in the middle of it, and on other rows at its end
      for (const [i, col] of LISTS.entries()) {
        const c = ident(col);
        await store.exec(`UPDATE tls SET ${c} = list_concat(${c}[1:1], [NULL], ${c}[2:]) WHERE len(${c}) > 1 AND rowid % 7 = ${i}`);
        await store.exec(`UPDATE tls SET ${c} = list_concat(${c}, [NULL]) WHERE len(${c}) > 0 AND rowid % 7 = ${i + 3}`);
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it('writes the same bytes as the writer, the planted lines rebuilt', async () => {
    const store = await openStore(db, { readOnly: true, fileAccess: true, threads: 1 });
    try {
      const schema = schemaOf('tls')!;
      const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM tls`;
      const planted = Number((await store.select(`SELECT count(*) AS n FROM tls WHERE ${LISTS.map((l) => `list_position(${ident(l)}, NULL) > 0`).join(' OR ')}`)).rows[0]!.n);
      expect(planted).toBeGreaterThan(3);
      let copies = 0;
      const copy = store.copyLines!.bind(store);
      store.copyLines = (q, p) => {
        copies++;
        return copy(q, p);
      };
      const a = join(dir, 'tls.sql.json');
      const b = join(dir, 'tls.writer.json');
      const eve = externalFormat('eve')!;
      expect(await exportExternal(store, schema, eve, sql, a, { now: 0 })).toBe(await exportExternal(store, schema, eve, sql, b, { now: 0, sqlForm: false }));
      expect(copies).toBe(1);
      const writer = readFileSync(b, 'utf8');
      // the writer's join(',') of a NULL item: an empty place in the list; and nothing else on those lines to escape
      const emptyPlace = (l: string): boolean => [...l.matchAll(/"(?:ciphers|exts|sig_algs)":\[([^\]]*)\]/g)].some((m) => /^,|,,|,$/.test(m[1]!));
      const withEmpty = writer.split('\n').filter(emptyPlace);
      expect(withEmpty.length).toBe(planted);
      for (const l of withEmpty) expect(l).not.toContain('\\u00');
      expect(readFileSync(a, 'utf8')).toBe(writer);
    } finally {
      await store.close();
    }
  }, 120_000);
});

// Test helpers: a store's committed rows of a table, typed by its schema, and the field-by-field difference of two
// row sets paired by a key (what a round trip changed, named by table, field and key).
import { schemaOf } from '../../src/schema/registry.js';
import { openStore } from '../../src/store/open.js';
import { committed, tableNamer } from '../../src/store/reports.js';
import { typedRow } from '../../src/store/search-common.js';
import { ident } from '../../src/store/sql.js';

export type Row = Record<string, unknown>;

/** Every committed row of each table named, typed as the schema says (timestamps µs, lists as arrays). */
export async function storeRows(db: string, tables: readonly string[]): Promise<Record<string, Row[]>> {
  const store = await openStore(db, { readOnly: true });
  const out: Record<string, Row[]> = {};
  try {
    const t = tableNamer(store);
    for (const name of tables) {
      const schema = schemaOf(name)!;
      const rows: Row[] = [];
      const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(name)} WHERE ${committed(t, store.dialect)}`;
      for await (const batch of store.scan(sql)) for (const r of batch) rows.push(typedRow(schema.fields, r));
      out[name] = rows;
    }
  } finally {
    await store.close();
  }
  return out;
}

/** A value as comparable text: floats to the µs (Zeek's six decimals), lists and objects as JSON. */
function norm(v: unknown): string {
  if (v === undefined) return 'null';
  if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(6);
  return JSON.stringify(v);
}

/** One field that differs: the table's key of the row, what the first set has and what the second has. */
export interface FieldDiff { key: string; want: unknown; got: unknown }

/**
 * Pairs `want` and `got` by `key` (rows of one key ordered by their compared fields) and returns, for each field
 * of `fields` that differs somewhere, how many rows differ and the first of them; `unpaired` lists the keys
 * only one side has. Empty result: the two sets are equal on those fields.
 */
export function diffRows(want: readonly Row[], got: readonly Row[], key: (r: Row) => string, fields: readonly string[]): {
  unpaired: string[]; fields: Record<string, { rows: number; first: FieldDiff }>;
} {
  const group = (rows: readonly Row[]): Map<string, Row[]> => {
    const m = new Map<string, Row[]>();
    for (const r of rows) {
      const k = key(r);
      const g = m.get(k) ?? [];
      g.push(r);
      m.set(k, g);
    }
    const text = (r: Row): string => fields.map((f) => norm(r[f])).join('\u0001');
    for (const g of m.values()) g.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
    return m;
  };
  const w = group(want);
  const g = group(got);
  const unpaired: string[] = [];
  const diffs: Record<string, { rows: number; first: FieldDiff }> = {};
  for (const [k, ws] of w) {
    const gs = g.get(k) ?? [];
    if (gs.length !== ws.length) unpaired.push(`${k} (${ws.length} rows, ${gs.length} back)`);
    for (let i = 0; i < Math.min(ws.length, gs.length); i++) {
      for (const f of fields) {
        if (norm(ws[i]![f]) === norm(gs[i]![f])) continue;
        const d = (diffs[f] ??= { rows: 0, first: { key: k, want: ws[i]![f], got: gs[i]![f] } });
        d.rows++;
      }
    }
  }
  for (const [k, gs] of g) if (!w.has(k)) unpaired.push(`${k} (0 rows, ${gs.length} back)`);
  return { unpaired, fields: diffs };
}

// Our Zeek log of a trace against a Zeek baseline, column by column: rows paired by what identifies them (the
// connection 4-tuple and order, a certificate's fingerprint, a file's source and size), uids compared by count.
import { zeekLogsByPath } from '../../src/formats/zeek/zeek-logs.js';
import type { ZeekRow } from './zeek-log.js';
import { parseZeekText, tablesOf, writeZeekText } from './zeek-export.js';

export interface ColumnDifference {
  column: string;
  detail: string;
}

/** Columns that hold each tool's own ids: compared by how many entries they have. */
const ID_LISTS = new Set(['tunnel_parents', 'fuids', 'orig_fuids', 'resp_fuids', 'fuid', 'parent_fuid']);
const MASKED = /^X+\.X+$/;

const tuple = (r: ZeekRow): string => `${r['id.orig_h']} ${r['id.orig_p']} ${r['id.resp_h']} ${r['id.resp_p']}`;
/** the two endpoints in a fixed order: a session whose originator the tools see differently still pairs */
const endpoints = (r: ZeekRow): string => [`${r['id.orig_h']} ${r['id.orig_p']}`, `${r['id.resp_h']} ${r['id.resp_p']}`].sort().join(' ');

/** What pairs a row with the baseline's (rows sharing a key are paired in order). */
const KEYS: Record<string, (r: ZeekRow) => string> = {
  conn: (r) => `${r.proto} ${endpoints(r)}`,
  ssl: tuple,
  http: (r) => `${tuple(r)} ${r.trans_depth}`,
  smtp: (r) => `${tuple(r)} ${r.trans_depth}`,
  dns: (r) => `${tuple(r)} ${r.trans_id} ${r.query}`,
  ssh: tuple,
  x509: (r) => r.fingerprint!,
  files: (r) => `${r.source} ${r.seen_bytes}`,
  ftp: (r) => `${tuple(r)} ${r.command}`,
};

const count = (v: string | undefined): string => (v === undefined || v === '-' || v === '(empty)' ? '0' : String(v.split(',').length));

/** Every difference between our log of the trace and the baseline's rows. */
/** The traces a baseline ran on, from its MANIFEST row ("... for trace(s) a.pcap, b.pcap: ..." or "... | "). */
export function baselineTraceList(manifest: string, rel: string): string[] {
  const row = manifest.split('\n').find((l) => l.startsWith(`| ${rel} |`));
  const m = row === undefined ? null : /for trace\(s\) (.+?)(?:: | \|)/.exec(row);
  return m === null ? [] : m[1]!.split(', ').map((t) => `pcap/zeek/${t.trim()}`);
}

export async function compareLog(log: string, trace: string, baseline: ZeekRow[]): Promise<ColumnDifference[]> {
  const spec = zeekLogsByPath(log)[0]!;
  const tables = await tablesOf(trace);
  const ours = parseZeekText(writeZeekText(log, tables[spec.schema.name] ?? []));
  const key = KEYS[log]!;
  const out: ColumnDifference[] = [];
  const pool = new Map<string, ZeekRow[]>();
  for (const r of ours) {
    const k = key(r);
    const l = pool.get(k) ?? [];
    l.push(r);
    pool.set(k, l);
  }
  const types = new Map(spec.columns.map((c) => [c.name, c.type as string]));
  /** a set's order is Zeek's hash order: compared sorted */
  const norm = (c: string, v: string | undefined): string | undefined => (types.get(c)!.startsWith('set[') && v !== undefined ? v.split(',').sort().join(',') : v);
  for (const z of baseline) {
    const k = key(z);
    const r = pool.get(k)?.shift();
    if (r === undefined) {
      out.push({ column: '(row missing)', detail: k });
      continue;
    }
    if (z['id.orig_h'] !== undefined && tuple(z) !== tuple(r)) {
      out.push({ column: '(originator)', detail: `${k}: zeek ${tuple(z)} ours ${tuple(r)}` });
      continue;
    }
    for (const c of Object.keys(z)) {
      if (!types.has(c) || c === 'uid') continue;
      if (c === 'ts' && MASKED.test(z.ts!)) continue;
      const theirs = ID_LISTS.has(c) ? count(z[c]) : norm(c, z[c]);
      const mine = ID_LISTS.has(c) ? count(r[c]) : norm(c, r[c]);
      if (theirs !== mine) out.push({ column: c, detail: `${k}: zeek ${theirs} ours ${mine}` });
    }
  }
  for (const [k, l] of pool) for (let i = 0; i < l.length; i++) out.push({ column: '(row extra)', detail: k });
  return out;
}

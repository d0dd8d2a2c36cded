// Test helpers for the Zeek writers: a trace's records by table, written as a Zeek log by our writer and read back
// as text, and the pairing of our rows with a baseline's.
import { analyze } from '../../src/pipeline/api.js';
import { zeekLogsByPath } from '../../src/formats/zeek/zeek-logs.js';
import { ZeekLogWriter } from '../../src/formats/zeek/zeek-writer.js';
import { parseZeekField } from '../../src/formats/zeek/zeek-text.js';
import type { Row, ZeekType, ZeekValue } from '../../src/formats/zeek/zeek-types.js';
import type { ZeekRow } from './zeek-log.js';

export type Tables = Record<string, Row[]>;

const TABLE_OF: Record<string, string> = {
  session: 'sessions', tls: 'tls', http: 'http', smtp: 'smtp', file: 'files', dns: 'dns', ssh: 'ssh', anomaly: 'anomalies',
  ftp: 'ftp', pop3: 'pop3', imap: 'imap', finding: 'findings',
};

const runs = new Map<string, Promise<Tables>>();

/** Every record analyze() gives for a capture, by table (anomalies with their record fields). */
export function tablesOf(path: string): Promise<Tables> {
  let p = runs.get(path);
  if (p === undefined) {
    runs.set(path, (p = (async () => {
      const out: Tables = {};
      for await (const r of analyze(path, {})) {
        const t = TABLE_OF[r.type]!;
        const rec = r.type === 'anomaly' ? { ts: r.record.ts, uid: r.record.uid ?? null, name: r.record.name, detail: r.record.detail ?? null, capture_id: null } : r.record;
        (out[t] ??= []).push(rec as unknown as Row);
      }
      return out;
    })()));
  }
  return p;
}

/** Our rows of a table written as a Zeek TSV log, as text. */
export function writeZeekText(path: string, rows: readonly Row[], now = 0, json = false): string {
  let text = '';
  const log = zeekLogsByPath(path)[0]!;
  const w = new ZeekLogWriter(log, json, (s) => { text += s; }, now);
  for (const r of rows) w.row(r);
  w.end();
  return text;
}

/** A TSV Zeek log's rows as text fields (column name -> field text), from its #fields line. */
export function parseZeekText(text: string): ZeekRow[] {
  let fields: string[] = [];
  const rows: ZeekRow[] = [];
  for (const l of text.split('\n')) {
    if (l === '') continue;
    if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
    else if (!l.startsWith('#')) {
      const v = l.split('\t');
      rows.push(Object.fromEntries(fields.map((f, i) => [f, v[i]!])));
    }
  }
  return rows;
}

/** A TSV Zeek log's rows decoded by their #types (what the importer hands zeekToRecord). */
export function decodeZeekTsv(text: string): Record<string, ZeekValue>[] {
  let fields: string[] = [];
  let types: ZeekType[] = [];
  const rows: Record<string, ZeekValue>[] = [];
  for (const l of text.split('\n')) {
    if (l === '') continue;
    if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
    else if (l.startsWith('#types\t')) types = l.split('\t').slice(1) as ZeekType[];
    else if (!l.startsWith('#')) {
      const v = l.split('\t');
      rows.push(Object.fromEntries(fields.map((f, i) => [f, parseZeekField(v[i]!, types[i]!)])));
    }
  }
  return rows;
}

/** Zeek JSON lines decoded by a log's column types: times back to µs, absent columns unset. */
export function decodeZeekJson(path: string, text: string): Record<string, ZeekValue>[] {
  const log = zeekLogsByPath(path)[0]!;
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    return Object.fromEntries(log.columns.map((c) => {
      const v = o[c.name];
      if (v === undefined) return [c.name, null];
      if (c.type === 'time') return [c.name, Math.round((v as number) * 1e6)];
      if (c.type === 'vector[time]' || c.type === 'set[time]') return [c.name, (v as number[]).map((x) => Math.round(x * 1e6))];
      return [c.name, v as ZeekValue];
    }));
  });
}

// `haystack report labels`: what each label says beside what the content is, one row per file and per session
// where they disagree or the content holds what its label does not admit. Layers side by side: the port says,
// the protocol detected, Content-Type says, the extension says, the magic bytes say, the content found. A session
// has its row for a port/protocol mismatch or for content found in its own bytes (not in a file it carried).
import { extensionOf, sameType, typeByExtension } from '../core/file-type.js';
import { portRule } from '../inspect/names/port-table.js';
import { FILES } from '../schema/files.js';
import { FINDINGS } from '../schema/findings.js';
import { SESSIONS } from '../schema/sessions.js';
import { committed, tableNamer, windowSql, type Window } from './reports.js';
import { ident, inStrings, numberLiteral, quoteString, timeAsMicros } from './sql.js';
import type { Row, Store } from './store.js';
import { field, type RecordSchema } from '../schema/schema.js';

/** Files (and sessions) looked at per report, newest first: a report is read by a person. */
export const MAX_LABEL_ROWS = 10_000;
/** Ids per IN list (one query each): keeps a statement far below either store's size limit. */
const IN_CHUNK = 1000;

export interface LabelRow {
  kind: 'file' | 'session';
  ts: number;
  uid: string | null;
  fuid: string | null;
  filename: string | null;
  /** "tcp/8443" */
  port: string | null;
  /** what the port is for: its service and the protocols expected there, e.g. "https (tls, quic)" */
  port_says: string | null;
  /** app_proto, as detected from the bytes */
  protocol: string | null;
  content_type: string | null;
  extension: string | null;
  extension_says: string | null;
  magic: string | null;
  /** what inspection found, e.g. "payment_card 4000 (high); inside zip:report.pdf" */
  content: string | null;
  /** the layers that disagree, e.g. ["extension/magic", "label/content"] */
  disagree: string[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

interface Facts {
  proto: string;
  dst_port: number | null;
  app_proto: string | null;
}

function portSays(f: Facts | undefined): { port: string | null; says: string | null; expect: readonly string[] } {
  if (f === undefined || f.dst_port === null) return { port: null, says: null, expect: [] };
  const t = f.proto === 'tcp' || f.proto === 'udp' ? f.proto : null;
  const rule = t === null ? undefined : portRule(t, f.dst_port);
  return {
    port: `${f.proto}/${f.dst_port}`,
    says: rule === undefined ? null : `${rule.service}${rule.expect.length > 0 ? ` (${rule.expect.join(', ')})` : ''}`,
    expect: rule?.expect ?? [],
  };
}

/** Categories of content no label admits: a file that holds them is reported whatever its label says. */
const TELLING = new Set(['financial', 'pii', 'secret', 'credential', 'uninspectable']);

export async function labelsReport(store: Store, o: { window: Window; limit: number }): Promise<LabelRow[]> {
  const t = tableNamer(store);
  const d = store.dialect;
  const limit = Math.min(o.limit, MAX_LABEL_ROWS);
  const fileCols = ['fuid', 'uid', 'filename', 'declared_type', 'mime_type'].map(ident).join(', ');
  const files = (await store.select(`SELECT ${fileCols}, ${timeAsMicros('ts', d)} AS ${ident('t')} FROM ${t(FILES.name)} WHERE ` +
    `${[committed(t, d), ...windowSql('ts', o.window, d)].join(' AND ')} ORDER BY ${ident('ts')} DESC LIMIT ${numberLiteral(limit)}`)).rows;
  // a session's own findings: its port/protocol mismatch, and content found in its bytes that came as no file (its
  // raw streams, a message's text part, a request target, a DNS name: decode_path says where; logins made from
  // records have none)
  const sessionWhere = [
    committed(t, d), `${ident('uid')} IS NOT NULL`, `${ident('fuid')} IS NULL`,
    `(${ident('detector')} = ${quoteString('protocol_port_mismatch', d)} OR (${ident('decode_path')} IS NOT NULL AND ${inStrings('category', [...TELLING], d)}))`,
    ...windowSql('ts', o.window, d),
  ];
  const sessionFindings = (await store.select(`SELECT ${['uid', 'detector', 'category', 'confidence', 'count', 'decode_path', 'note'].map(ident).join(', ')}, ` +
    `${timeAsMicros('ts', d)} AS ${ident('t')} FROM ${t(FINDINGS.name)} WHERE ${sessionWhere.join(' AND ')} ` +
    `ORDER BY ${ident('ts')} DESC LIMIT ${numberLiteral(limit)}`)).rows;
  const uids = [...new Set([...files, ...sessionFindings].map((r) => str(r.uid)).filter((u): u is string => u !== null))];
  const fuids = files.map((r) => str(r.fuid)).filter((u): u is string => u !== null);
  const sessions = new Map<string, Facts>();
  for (const r of await selectIn(store, 'uid', uids, (w) => `SELECT ${['uid', 'proto', 'dst_port', 'app_proto'].map(ident).join(', ')} FROM ${t(SESSIONS.name)} WHERE ${w}`)) {
    sessions.set(String(r.uid), { proto: String(r.proto), dst_port: r.dst_port === null ? null : num(r.dst_port), app_proto: str(r.app_proto) });
  }
  const found = new Map<string, Row[]>();
  for (const r of await selectIn(store, 'fuid', fuids, (w) => `SELECT ${['fuid', 'detector', 'category', 'confidence', 'count', 'decode_path'].map(ident).join(', ')} FROM ${t(FINDINGS.name)} WHERE ${w}`)) {
    const k = String(r.fuid);
    const l = found.get(k);
    if (l === undefined) found.set(k, [r]);
    else l.push(r);
  }
  const out: LabelRow[] = [];
  for (const f of files) {
    const uid = str(f.uid);
    const facts = uid === null ? undefined : sessions.get(uid);
    const p = portSays(facts);
    const filename = str(f.filename);
    const declared = str(f.declared_type);
    const magic = str(f.mime_type);
    const byExt = typeByExtension(filename);
    const fs = found.get(String(f.fuid)) ?? [];
    const disagree: string[] = [];
    if (facts?.app_proto != null && p.expect.length > 0 && !p.expect.includes(facts.app_proto)) disagree.push('port/protocol');
    const telling = magic !== null && magic !== 'text/plain' && magic !== 'application/octet-stream';
    if (telling && byExt !== null && !sameType(byExt, magic) && !(byExt === 'text/plain' && magic.startsWith('text/'))) disagree.push('extension/magic');
    if (telling && declared !== null && declared !== '' && declared !== 'application/octet-stream' && !declared.startsWith('text/') && !sameType(declared, magic)) disagree.push('content-type/magic');
    if (fs.some((x) => TELLING.has(String(x.category)))) disagree.push('label/content');
    if (disagree.length === 0) continue;
    out.push({
      kind: 'file', ts: num(f.t), uid, fuid: str(f.fuid), filename, port: p.port, port_says: p.says, protocol: facts?.app_proto ?? null,
      content_type: declared, extension: extensionOf(filename), extension_says: byExt, magic, content: contentSummary(fs), disagree,
    });
  }
  const bySession = new Map<string, Row[]>();
  for (const s of sessionFindings) {
    const k = String(s.uid);
    const l = bySession.get(k);
    if (l === undefined) bySession.set(k, [s]);
    else l.push(s);
  }
  for (const [uid, fs] of bySession) {
    const facts = sessions.get(uid);
    const p = portSays(facts);
    const mismatch = fs.filter((x) => x.detector === 'protocol_port_mismatch');
    const content = fs.filter((x) => x.detector !== 'protocol_port_mismatch');
    const disagree: string[] = [];
    if (mismatch.length > 0) disagree.push('port/protocol');
    if (content.length > 0) disagree.push('label/content');
    // what was found in the session's bytes and where (its stream sides), then what the port check said
    const found = [contentSummary(content, true), ...mismatch.map((x) => `${String(x.note)} (${String(x.confidence)})`)].filter((x) => x !== null);
    out.push({
      kind: 'session', ts: Math.max(...fs.map((x) => num(x.t))), uid, fuid: null, filename: null, port: p.port, port_says: p.says, protocol: facts?.app_proto ?? null,
      content_type: null, extension: null, extension_says: null, magic: null, content: found.join('; '), disagree,
    });
  }
  return out.sort((a, b) => b.ts - a.ts || (a.uid ?? '').localeCompare(b.uid ?? '')).slice(0, limit);
}

/** Rows whose `column` is one of ids, IN_CHUNK ids a query. */
async function selectIn(store: Store, column: string, ids: readonly string[], sql: (where: string) => string): Promise<Row[]> {
  const out: Row[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) out.push(...(await store.select(sql(inStrings(column, ids.slice(i, i + IN_CHUNK), store.dialect)))).rows);
  return out;
}

/**
 * Findings of one file (or one session's bytes) as a line: each detector's count and best confidence, and the
 * containers they were in (for a session, `places`: the decode paths, e.g. "in pop3 › server").
 */
function contentSummary(fs: readonly Row[], places = false): string | null {
  if (fs.length === 0) return null;
  const rank = { high: 3, medium: 2, low: 1 } as Record<string, number>;
  const by = new Map<string, { n: number; best: string }>();
  const inside = new Set<string>();
  for (const f of fs) {
    const k = String(f.detector);
    const c = String(f.confidence);
    const x = by.get(k) ?? { n: 0, best: 'low' };
    x.n += num(f.count);
    if ((rank[c] ?? 0) > (rank[x.best] ?? 0)) x.best = c;
    by.set(k, x);
    for (const seg of String(f.decode_path ?? '').split(' › ')) if (/^(zip|gzip):/.test(seg)) inside.add(seg);
  }
  const parts = [...by].map(([k, x]) => `${k} ${x.n} (${x.best})`);
  if (inside.size > 0) parts.push(`inside ${[...inside].slice(0, 3).join(', ')}`);
  const paths = [...new Set(fs.map((f) => String(f.decode_path ?? '')).filter((x) => x !== ''))].sort();
  if (places && paths.length > 0) parts.push(`in ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`);
  return parts.join('; ');
}

/** The report's columns, as a schema (for the CLI's formats and the API). */
export const LABELS_REPORT = {
  name: 'labels',
  doc: 'Declared vs detected, layer by layer: one row per file or session where they disagree.',
  timeField: 'ts',
  fields: [
    field('kind', 'string', false, 'file | session'),
    field('ts', 'timestamp', false, 'time of the file (or of the session\'s latest finding)'),
    field('uid', 'string', true, 'session uid'),
    field('fuid', 'string', true, 'file id'),
    field('filename', 'string', true, 'file name as declared'),
    field('port', 'string', true, 'transport/port of the session, e.g. tcp/8443'),
    field('port_says', 'string', true, 'what the port is for, and the protocols expected there'),
    field('protocol', 'string', true, 'protocol detected from the bytes (app_proto)'),
    field('content_type', 'string', true, 'Content-Type as labelled'),
    field('extension', 'string', true, 'file name extension'),
    field('extension_says', 'string', true, 'the type the extension promises'),
    field('magic', 'string', true, 'the type the magic bytes say'),
    field('content', 'string', true, 'what inspection found in it'),
    field('disagree', 'string[]', false, 'the layers that disagree: port/protocol, extension/magic, content-type/magic, label/content'),
  ],
} as const satisfies RecordSchema;

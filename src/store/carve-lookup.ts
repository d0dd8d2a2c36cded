// The store side of a carve: a session by uid (committed captures only) with where its packets lie, and the
// captures row of the file they lie in.
import { HaystackError } from '../core/errors.js';
import { CAPTURES } from '../schema/captures.js';
import { SESSIONS } from '../schema/sessions.js';
import { committed, tableNamer } from './reports.js';
import { ident, quoteString } from './sql.js';
import type { Row, Store } from './store.js';

/** What a carve needs of a session and of its capture. */
export interface CarveSource {
  uid: string;
  community_id: string;
  proto: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  src_pkts: number;
  dst_pkts: number;
  /** byte range of the session's packet records in the (decompressed) capture; null: not known (older ingest) */
  pcap_start: number | null;
  pcap_end: number | null;
  capture: {
    capture_id: string;
    path: string;
    sha256: string;
    size: number;
    format: string | null;
    /** µs, null when the ingest did not record it */
    mtime: number | null;
    /** pcapng section and interface block offsets; empty when not known */
    header_blocks: number[];
  };
}

const SESSION_FIELDS = [
  'uid', 'community_id', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'src_pkts', 'dst_pkts', 'pcap_start', 'pcap_end', 'capture_id',
] as const satisfies readonly (typeof SESSIONS.fields)[number]['name'][];
const CAPTURE_FIELDS = ['capture_id', 'path', 'sha256', 'size', 'format', 'mtime', 'header_blocks'] as const satisfies readonly (typeof CAPTURES.fields)[number]['name'][];

/** A store integer (ClickHouse gives Int64 as text) as a number, null kept. */
function int(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/**
 * The session with this uid and its capture, or null when no committed capture holds it. A uid in two captures
 * (the same packets ingested twice, from two files) is ambiguous unless the capture is named (its capture_id,
 * as an alert or session row of this store carries it): HAYSTACK_BAD_ARGUMENT.
 */
export async function findCarveSource(store: Store, uid: string, capture?: string): Promise<CarveSource | null> {
  const t = tableNamer(store);
  const d = store.dialect;
  const which = capture === undefined ? '' : ` AND ${ident('capture_id')} = ${quoteString(capture, d)}`;
  const s = await store.select(
    `SELECT ${SESSION_FIELDS.map(ident).join(', ')} FROM ${t(SESSIONS.name)} WHERE ${ident('uid')} = ${quoteString(uid, d)}${which} AND ${committed(t, d)} LIMIT 2`,
  );
  if (s.rows.length === 0) return null;
  if (s.rows.length > 1) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `uid ${uid} names sessions of two captures: carve cannot tell which (name the capture: its capture_id)`);
  const r: Row = s.rows[0]!;
  const c = await store.select(
    `SELECT ${CAPTURE_FIELDS.map(ident).join(', ')} FROM ${t(CAPTURES.name)} WHERE ${ident('capture_id')} = ${quoteString(String(r.capture_id), d)} LIMIT 1`,
  );
  const cap = c.rows[0];
  if (cap === undefined) return null;
  const blocks = Array.isArray(cap.header_blocks) ? (cap.header_blocks as unknown[]).map(Number) : [];
  return {
    uid: String(r.uid),
    community_id: String(r.community_id),
    proto: String(r.proto),
    src_ip: String(r.src_ip),
    src_port: int(r.src_port)!,
    dst_ip: String(r.dst_ip),
    dst_port: int(r.dst_port)!,
    src_pkts: int(r.src_pkts)!,
    dst_pkts: int(r.dst_pkts)!,
    pcap_start: int(r.pcap_start),
    pcap_end: int(r.pcap_end),
    capture: {
      capture_id: String(cap.capture_id),
      path: String(cap.path),
      sha256: String(cap.sha256),
      size: int(cap.size)!,
      format: cap.format === null || cap.format === undefined ? null : String(cap.format),
      mtime: int(cap.mtime),
      header_blocks: blocks,
    },
  };
}

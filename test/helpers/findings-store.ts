// A store holding findings for the findings report and screen tests: the cleartext logins and port mismatches of
// test/fixtures/mailftp (vsftpd and dovecot on ports not their own), the remote-access names of
// test/fixtures/remote-access/sni.pcap through the corpus's LOLRMM directory (when the corpus is there: required
// in CI), and findings rows written by construction for the content detectors that land later (cards, SSNs,
// keys; other hosts, test values, a value seen in two flows, a finding without a host, hostile names).
import { builtinDetectors } from '../../src/inspect/builtin.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadLolrmm } from '../../src/inspect/names/remote-access.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { FINDINGS, type FindingRecord } from '../../src/schema/findings.js';
import type { FindingHostField } from '../../src/query/findings-filter.js';
import type { FindingsReport } from '../../src/store/findings.js';
import type { Row, Store } from '../../src/store/store.js';
import { corpusDir, ROOT } from './run.js';

export const MAILFTP = join(ROOT, 'test/fixtures/mailftp/mailftp-gen.pcap');
export const SNI = join(ROOT, 'test/fixtures/remote-access/sni.pcap');
const corpus = corpusDir();
/** The corpus's LOLRMM directory (null outside CI without the corpus: the remote-access part is then skipped). */
export const LOLRMM = corpus === null ? null : join(corpus, 'content/lolrmm/yaml');

/**
 * What the fixtures give by construction (make-mailftp-gen.sh, make-sni.sh): 4 FTP logins as anonymous and 2 POP3
 * and 2 IMAP logins as bob (one refused), each session on a port not its protocol's (2121, 1110, 1143); 4 TLS
 * handshakes whose certificate names *.teamviewer.com (medium), 3 of them with a tool's SNI (high).
 */
export const BY_CONSTRUCTION = {
  cleartext_credentials: { category: 'credential', rows: 8, high: 8, medium: 0, low: 0, distinct_values: 2, sessions: 8 },
  protocol_port_mismatch: { category: 'evasion', rows: 8, high: 0, medium: 0, low: 8, distinct_values: 3, sessions: 8 },
  remote_access: { category: 'remote_access', rows: 7, high: 3, medium: 4, low: 0, distinct_values: 4, sessions: 4 },
} as const;

/** The two captures into the store, inspected (sni.pcap with the LOLRMM catalogue when the corpus is there). */
export async function ingestFindingCaptures(store: Store, opts: { filesDir?: string } = {}): Promise<void> {
  const a = await ingest(store, [MAILFTP], { ...opts });
  const remoteAccess = LOLRMM === null ? null : loadLolrmm(readdirSync(LOLRMM).filter((n) => /\.ya?ml$/.test(n)).map((name) => ({ name, text: readFileSync(join(LOLRMM, name), 'utf8') }))).catalogue;
  const b = await ingest(store, [SNI], { ...opts, inspect: { remoteAccess, detectors: builtinDetectors() } });
  expect([...a.files, ...b.files].map((f) => f.status)).toEqual(['ingested', 'ingested']);
}

/** A session the synthetic content findings sit in (a real one of the store, for the screen's pivots). */
export interface Anchor {
  uid: string;
  ts: number;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  message_id: string | null;
  fuid: string | null;
}

const H = (n: number): string => n.toString(16).padStart(64, '0');
/** value_hmac of the synthetic values: one value seen in two flows shares its hash */
export const SYNTH_HMAC = { cardA: H(0xa1), cardB: H(0xb2), cardTest: H(0x7e57), ssn: H(0xc3), tunnel: H(0xd4), awsTest: H(0xe5) };
/** A detector name holding a quote, a double quote and a backslash (a gitleaks rule id is free text). */
export const HOSTILE_DETECTOR = `gitleaks:o'brien"x\\`;
/** An excerpt with markup: shown as text or not at all. */
export const HOSTILE_EXCERPT = 'card <img src=x onerror=alert(1)><script>alert(2)</script> 4111 **** **** 1111 javascript:alert(3)';
const DAY = 86_400_000_000;
/** 2026-12-05, two days before the captures */
export const SYNTH_T0 = Date.UTC(2026, 11, 5) * 1000;

/**
 * Content findings by construction. With an anchor, the first card finding is in its message and file and the
 * ones on 10.9.0.1 -> anchor.dst_ip are in its session; without, all sit on documentation addresses.
 */
export function syntheticFindings(anchor: Anchor | null): FindingRecord[] {
  const base = (o: Partial<FindingRecord> & Pick<FindingRecord, 'detector' | 'category' | 'confidence' | 'ts'>): FindingRecord => ({
    uid: null, community_id: null, src_ip: null, src_port: null, dst_ip: null, dst_port: null, direction: null, side: 'client', app_proto: 'smtp',
    fuid: null, message_id: null, part_path: null, count: 1, distinct_count: 1, validations: [], context_terms: [], test_value: false,
    decode_path: null, offset: null, masked: null, value_hmac: null, excerpt_redacted: null, note: null, capture_id: null, ...o,
  });
  const a = anchor;
  const inAnchor = a === null ? { uid: 'CsynthA', src_ip: '10.9.0.1', src_port: 40001, dst_ip: '192.0.2.25', dst_port: 25 } : { uid: a.uid, src_ip: a.src_ip, src_port: a.src_port, dst_ip: a.dst_ip, dst_port: a.dst_port };
  const t = a === null ? SYNTH_T0 : a.ts;
  const card = { detector: 'payment_card', category: 'financial', validations: ['luhn', 'iin:visa'] };
  return [
    base({
      ...card, ...inAnchor, ts: t, confidence: 'high', count: 3, distinct_count: 2, masked: '4556 **** **** 0007', value_hmac: SYNTH_HMAC.cardA,
      message_id: a?.message_id ?? '<synth-1@example.test>', fuid: a?.fuid ?? 'Fsynth1', part_path: '2', decode_path: 'smtp › 2 › base64 › invoice.txt', offset: 120,
      excerpt_redacted: HOSTILE_EXCERPT, note: null, context_terms: ['card', 'expiry'],
    }),
    // the same card in another flow a day later
    base({ ...card, uid: 'CsynthB', src_ip: '10.9.0.2', src_port: 40002, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + DAY, confidence: 'high', masked: '4556 **** **** 0007', value_hmac: SYNTH_HMAC.cardA, decode_path: 'http › body › form:card' }),
    base({ ...card, uid: 'CsynthB', src_ip: '10.9.0.2', src_port: 40002, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + DAY + 1000, confidence: 'medium', masked: '5500 **** **** 0004', value_hmac: SYNTH_HMAC.cardB }),
    // a published test number: hidden unless asked for
    base({ ...card, uid: 'CsynthC', src_ip: '10.9.0.3', src_port: 40003, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + 2000, confidence: 'high', test_value: true, masked: '4111 **** **** 1111', value_hmac: SYNTH_HMAC.cardTest }),
    base({ ...inAnchor, ts: t + 3000, detector: 'us_ssn', category: 'pii', confidence: 'low', count: 2, masked: '***-**-6789', value_hmac: SYNTH_HMAC.ssn, message_id: a?.message_id ?? '<synth-1@example.test>', part_path: '1' }),
    base({ uid: 'CsynthB', src_ip: '10.9.0.2', src_port: 40002, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + DAY + 2000, detector: 'us_ssn', category: 'pii', confidence: 'medium', masked: '***-**-6789', value_hmac: SYNTH_HMAC.ssn }),
    // over many sessions: no session, no address
    base({ ts: t + 2 * DAY, detector: 'dns_tunnel', category: 'evasion', confidence: 'medium', side: null, app_proto: 'dns', count: 400, distinct_count: 400, masked: 't.example.net', value_hmac: SYNTH_HMAC.tunnel, note: '400 subdomains in an hour' }),
    base({ uid: 'CsynthC', src_ip: '10.9.0.3', src_port: 40003, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + 4000, detector: 'aws_access_key', category: 'secret', confidence: 'high', test_value: true, masked: 'AKIA************MPLE', value_hmac: SYNTH_HMAC.awsTest }),
    // a rule without a value hash (not counted as a distinct value)
    base({ uid: 'CsynthC', src_ip: '10.9.0.3', src_port: 40003, dst_ip: '192.0.2.80', dst_port: 80, app_proto: 'http', ts: t + 5000, detector: HOSTILE_DETECTOR, category: 'secret', confidence: 'low', masked: '<b>x</b>' }),
  ];
}

/** Rows written as one capture of their own (committed: a captures row), as ingest writes findings. */
export async function writeFindings(store: Store, rows: readonly FindingRecord[], id = 'synthfindings000'): Promise<void> {
  const w = await store.begin(id);
  for (const r of rows) w.append(FINDINGS, r as unknown as Record<string, unknown>);
  await w.commit({ capture_id: id, path: 'synthetic findings', sha256: 'e'.repeat(64), size: 0, format: null, linktypes: [], first_ts: null, last_ts: null, packets: 0, ingested_at: Date.now() * 1000, stats: null, mtime: null, header_blocks: null });
}

/** The findings report counted in JS from the rows (the findings rows selected): what the SQL must give. */
export function reportOf(rows: readonly Row[], by: FindingHostField, hostsLimit: number): FindingsReport {
  const counts = (list: readonly Row[]): { rows: number; high: number; medium: number; low: number; occurrences: number; distinct_values: number; first_seen: number; last_seen: number } => ({
    rows: list.length,
    high: list.filter((r) => r.confidence === 'high').length,
    medium: list.filter((r) => r.confidence === 'medium').length,
    low: list.filter((r) => r.confidence === 'low').length,
    occurrences: list.reduce((n, r) => n + (r.count as number), 0),
    distinct_values: new Set(list.map((r) => r.value_hmac).filter((v) => v !== null)).size,
    first_seen: Math.min(...list.map((r) => r.ts as number)),
    last_seen: Math.max(...list.map((r) => r.ts as number)),
  });
  const groups = <K>(list: readonly Row[], key: (r: Row) => K): Map<string, Row[]> => {
    const m = new Map<string, Row[]>();
    for (const r of list) {
      const k = JSON.stringify(key(r));
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const byText = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const detectors = [...groups(rows, (r) => [r.detector, r.category]).values()].map((list) => ({
    detector: list[0]!.detector as string, category: list[0]!.category as string, ...counts(list),
    hosts: new Set(list.map((r) => r[by]).filter((v) => v !== null)).size, sessions: new Set(list.map((r) => r.uid).filter((v) => v !== null)).size,
  })).sort((a, b) => b.rows - a.rows || byText(a.detector, b.detector) || byText(a.category, b.category));
  const hostKey = (r: Row): string => (r[by] as string | null) ?? '';
  const all = [...groups(rows, hostKey).entries()].map(([k, list]) => ({ key: JSON.parse(k) as string, list }))
    .sort((a, b) => b.list.length - a.list.length || byText(a.key, b.key));
  const hosts = all.slice(0, hostsLimit).map(({ key, list }) => {
    const c = counts(list);
    return {
      host: key === '' ? null : key, rows: c.rows, first_seen: c.first_seen, last_seen: c.last_seen,
      detectors: [...groups(list, (r) => [r.detector, r.category]).values()].map((l) => ({ detector: l[0]!.detector as string, category: l[0]!.category as string, ...counts(l) }))
        .sort((a, b) => b.rows - a.rows || byText(a.detector, b.detector) || byText(a.category, b.category)),
    };
  });
  return { by, detectors, detectors_cut: false, hosts, hosts_total: all.length };
}

// Test helper: a capture's records (analyze(), and alerts when rules are given) and the EVE events our writer
// makes of them, each event with the record it came from.
import { readFileSync } from 'node:fs';
import { EVE_FORMAT } from '../../src/formats/eve/eve-format.js';
import { parseRules } from '../../src/detect/rules-file.js';
import { analysis } from '../../src/pipeline/analyzers.js';
import { analyze } from '../../src/pipeline/api.js';
import { detectHooks, guardedDetector } from '../../src/pipeline/detect.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { AlertRecord } from '../../src/schema/alerts.js';
import { schemaOf } from '../../src/schema/registry.js';

export type Rows = Record<string, Record<string, unknown>[]>;

/** Every record of a capture by table (sessions, tls, http, smtp, dns, files, anomalies; alerts with rule files or text). */
export async function captureRecords(path: string, ruleFiles: string[] = [], ruleText = ''): Promise<Rows> {
  const rows: Rows = { sessions: [], tls: [], http: [], smtp: [], dns: [], files: [], anomalies: [], alerts: [] };
  const TABLE: Record<string, string> = { session: 'sessions', file: 'files', anomaly: 'anomalies' };
  for await (const r of analyze(path)) {
    const table = TABLE[r.type] ?? r.type;
    if (table in rows) rows[table]!.push(table === 'anomalies' ? { ...r.record, capture_id: null } : r.record as unknown as Record<string, unknown>);
  }
  if (ruleFiles.length > 0 || ruleText !== '') {
    const rules = [...ruleFiles.map((f) => parseRules(readFileSync(f, 'utf8'), f, { vars: {} })), parseRules(ruleText, 'test.rules', { vars: {} })].flatMap((s) => s.rules);
    const alerts: AlertRecord[] = [];
    const detector = guardedDetector(rules, { emit: (a) => void alerts.push(a), anomalies: { add: (...a) => engine.anomalies.add(...a) } });
    const an = analysis({ detect: detectHooks(detector) }, () => engine);
    const engine: Engine = new Engine({ ...an.handlers }, an.options);
    await engine.run([path]);
    rows.alerts = alerts as unknown as Record<string, unknown>[];
  }
  return rows;
}

/** A table's records through the `eve` format writer, parsed back: one event per record, in order. */
export function eveOf(table: string, records: Record<string, unknown>[]): Record<string, unknown>[] {
  let text = '';
  const w = EVE_FORMAT.writer(schemaOf(table)!, (s) => void (text += s), { now: 0 });
  for (const r of records) w.row(r);
  w.end();
  return text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

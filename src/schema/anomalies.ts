// The `anomalies` record: malformed or unusual traffic and capture-file problems, counted and recorded.
import { MAX_ANOMALY_DETAIL } from '../core/anomaly.js';
import { MAX_ID_BYTES, MAX_NAME_BYTES, own } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';


export const ANOMALIES = {
  name: 'anomalies',
  doc: 'Named anomalies (Zeek weirds, Suricata decoder events) with the session they belong to.',
  timeField: 'ts',
  fields: [
    field('ts', 'timestamp', false, 'time of the packet that showed it'),
    field('uid', 'string', true, 'session uid, when it belongs to one', own(MAX_ID_BYTES)),
    field('name', 'string', false, 'snake_case, layer-prefixed (ipv4_truncated, tcp_rexmit_inconsistency)', own(MAX_NAME_BYTES)),
    field('detail', 'string', true, 'what exactly, where known', own(MAX_ANOMALY_DETAIL * 6 + 2)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type AnomalyRecord = RowOf<typeof ANOMALIES>;

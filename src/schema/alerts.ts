// The `alerts` record: one row per signature match (Snort/Suricata alert), tied to its session.
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

export const ALERTS = {
  name: 'alerts',
  doc: 'One row per signature alert, with the session it fired in.',
  timeField: 'ts',
  fields: [
    field('ts', 'timestamp', false, 'time of the packet that completed the match'),
    field('uid', 'string', true, 'session uid'),
    field('community_id', 'string', true, 'Community ID v1 of the session'),
    field('src_ip', 'string', false, 'packet source address'),
    field('src_port', 'int', true, 'packet source port'),
    field('dst_ip', 'string', false, 'packet destination address'),
    field('dst_port', 'int', true, 'packet destination port'),
    field('proto', 'string', false, 'tcp, udp, icmp, or the IP protocol number'),
    field('app_proto', 'string', true, 'application protocol of the session'),
    field('gid', 'int', false, 'generator id'),
    field('sid', 'int', false, 'signature id'),
    field('rev', 'int', false, 'signature revision'),
    field('msg', 'string', false, 'rule message'),
    field('classtype', 'string', true, 'classification'),
    field('priority', 'int', false, 'priority (1 highest)'),
    field('action', 'string', false, 'rule action (alert, log, pass, drop, reject)'),
    field('payload_excerpt', 'string', true, 'printable excerpt of the matched buffer'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)'),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type AlertRecord = RowOf<typeof ALERTS>;

// The `captures` record: one row per ingested capture file, written last (its presence means "complete").
import { field, type RowOf } from './schema.js';

export const CAPTURES = {
  name: 'captures',
  doc: 'One row per ingested input; written after all its records, so a capture without a row is incomplete.',
  timeField: 'ingested_at',
  fields: [
    field('capture_id', 'string', false, 'first 16 hex digits of sha256'),
    field('path', 'string', false, 'absolute path of the file at ingest'),
    field('sha256', 'string', false, 'SHA-256 of the file as stored (compressed or not)'),
    field('size', 'int', false, 'file bytes'),
    field('format', 'string', true, 'pcap | pcapng | log | zeek | zeek-json | eve (imported logs)'),
    field('linktypes', 'string[]', false, 'link types seen'),
    field('first_ts', 'timestamp', true, 'first packet'),
    field('last_ts', 'timestamp', true, 'last packet'),
    field('packets', 'int', false, 'packets read'),
    field('ingested_at', 'timestamp', false, 'wall-clock time the ingest completed'),
    field('stats', 'json', true, 'records per table, anomalies, damage, sensor'),
    // fields added after the first release go last: a store made before gets them by ALTER TABLE ADD COLUMN
    field('mtime', 'timestamp', true, 'modification time of the file at ingest (the carve\'s quick identity check)'),
    field('header_blocks', 'int[]', true, 'pcapng: offsets of its section header and interface blocks (read before a carved range); empty: walk the file'),
  ],
} as const;

export type CaptureRecord = RowOf<typeof CAPTURES>;

// The `files` record: one row per object taken out of traffic (a MIME part, an HTTP body).
import { field, type RowOf } from './schema.js';

export const FILES = {
  name: 'files',
  doc: 'One row per extracted object: hashes, declared and real type, where it is stored.',
  timeField: 'ts',
  fields: [
    field('fuid', 'string', false, 'file id ("F" + 17 base62)'),
    field('uid', 'string', false, 'session uid'),
    field('ts', 'timestamp', false, 'time the object was complete'),
    field('source', 'string', false, 'smtp | http'),
    field('message_id', 'string', true, 'Message-ID of the message it belongs to (smtp)'),
    field('part_path', 'string', true, 'MIME part number, e.g. 1.2 (smtp)'),
    field('filename', 'string', true, 'file name as declared (RFC 2231 / 2047 decoded)'),
    field('declared_type', 'string', true, 'Content-Type as labelled'),
    field('mime_type', 'string', true, 'type from the content (magic bytes)'),
    field('size', 'int', false, 'bytes'),
    field('missing_bytes', 'int', false, 'bytes lost to capture gaps'),
    field('md5', 'string', false, 'MD5 of the content, hex'),
    field('sha1', 'string', false, 'SHA-1 of the content, hex'),
    field('sha256', 'string', false, 'SHA-256 of the content, hex'),
    field('stored_path', 'string', true, 'content-addressed path under the files directory (files/ab/abcd...)'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)'),
  ],
} as const;

export type FileRecord = RowOf<typeof FILES>;

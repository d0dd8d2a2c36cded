// The `files` record: one row per object taken out of traffic (a MIME part, an HTTP body).
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A declared file name: file systems take 255 bytes; RFC 2231 and RFC 2047 names decode to about as much. */
export const FILE_MAX_NAME_BYTES = 16 * 1024;
/** The declared type (a Content-Type's media type): at most 127 + 1 + 127 characters (RFC 6838 §4.2). */
export const FILE_MAX_DECLARED_TYPE_BYTES = 4 * 1024;
/** The Message-ID a mail part belongs to: the smtp record's bound for it. */
export const FILE_MAX_MESSAGE_ID_BYTES = 8 * 1024;
/** Part numbers: "response." or a MIME path of at most 20 levels (mime-tree MAX_MIME_DEPTH) of up to 4 digits. */
export const FILE_MAX_PART_PATH_BYTES = 1024;

const LABEL = 'file_label_truncated';

export const FILES = {
  name: 'files',
  doc: 'One row per extracted object: hashes, declared and real type, where it is stored.',
  timeField: 'ts',
  fields: [
    field('fuid', 'string', false, 'file id ("F" + 17 base62)', own(MAX_ID_BYTES)),
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time the object was complete'),
    field('source', 'string', false, 'smtp | http | ftp | pop3 | imap (pop3/imap: a part of a message fetched from a mailbox)', own(MAX_NAME_BYTES)),
    field('message_id', 'string', true, 'Message-ID of the message it belongs to (smtp)', text(FILE_MAX_MESSAGE_ID_BYTES, LABEL)),
    field('part_path', 'string', true, 'MIME part number, e.g. 1.2 (smtp)', own(FILE_MAX_PART_PATH_BYTES)),
    field('filename', 'string', true, 'file name as declared (RFC 2231 / 2047 decoded)', text(FILE_MAX_NAME_BYTES, LABEL)),
    field('declared_type', 'string', true, 'Content-Type as labelled', text(FILE_MAX_DECLARED_TYPE_BYTES, LABEL)),
    field('mime_type', 'string', true, 'type from the content (magic bytes)', own(MAX_NAME_BYTES)),
    field('size', 'int', false, 'bytes'),
    field('missing_bytes', 'int', false, 'bytes lost to capture gaps'),
    field('md5', 'string', false, 'MD5 of the content, hex', own(MAX_ID_BYTES)),
    field('sha1', 'string', false, 'SHA-1 of the content, hex', own(MAX_ID_BYTES)),
    field('sha256', 'string', false, 'SHA-256 of the content, hex', own(MAX_ID_BYTES)),
    field('stored_path', 'string', true, 'content-addressed path under the files directory (files/ab/abcd...)', own(MAX_NAME_BYTES)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type FileRecord = RowOf<typeof FILES>;

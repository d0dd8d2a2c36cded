// The `http` record: one row per HTTP/1.x request/response pair (Zeek http.log).
import { list, MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** Request method: the analyzer takes methods of 1 to 32 characters. */
export const HTTP_MAX_METHOD_BYTES = 256;
/**
 * Request target: the request line is part of the header block, at most 64 KiB (http-analyzer MAX_HEADER_BYTES);
 * servers refuse far shorter ones (8 KiB for Apache and nginx). 128 KiB keeps any 64 KiB target of ASCII.
 */
export const HTTP_MAX_URI_BYTES = 128 * 1024;
/** Host, User-Agent, Referer (a Referer is a URI), the version token, the reason phrase: each inside the block. */
export const HTTP_MAX_HEADER_VALUE_BYTES = 64 * 1024;
/**
 * The request's header names and values as JSON text, written into the row as a JSON string: a 64 KiB block
 * comes to at most ~7 bytes per byte when every byte needs escaping twice, so 1 MiB keeps any whole block of
 * printable text and cuts (keeping the first headers whole) only blocks of control bytes.
 */
export const HTTP_MAX_HEADERS_JSON_BYTES = 1024 * 1024;
/**
 * Files named per request or response body: a form upload is split into at most 1000 parts (mime-tree
 * MAX_MIME_PARTS); 4096 file ids of 18 characters.
 */
export const HTTP_MAX_FILES = 4096;

const HEADER = 'http_header_truncated';
/** JA4H is 51 characters (`ge11cr11enus_` and three 12-digit hashes); a 2-letter method of any bytes stays well inside. */
export const JA4H_MAX_BYTES = 256;

export const HTTP = {
  name: 'http',
  doc: 'One row per HTTP request and its response, in the order of the session.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the request'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('trans_depth', 'int', false, '1 for the first request of the session, 2 for the next, ...'),
    field('method', 'string', true, 'request method', text(HTTP_MAX_METHOD_BYTES, 'http_request_line_truncated')),
    field('host', 'string', true, 'Host header', text(HTTP_MAX_HEADER_VALUE_BYTES, HEADER)),
    field('uri', 'string', true, 'request target as sent', text(HTTP_MAX_URI_BYTES, 'http_request_line_truncated')),
    field('version', 'string', true, 'HTTP version of the request', text(HTTP_MAX_HEADER_VALUE_BYTES, 'http_request_line_truncated')),
    field('user_agent', 'string', true, 'User-Agent header', text(HTTP_MAX_HEADER_VALUE_BYTES, HEADER)),
    field('referer', 'string', true, 'Referer header', text(HTTP_MAX_HEADER_VALUE_BYTES, HEADER)),
    field('request_headers', 'json', true, 'request header names and values, in order', text(HTTP_MAX_HEADERS_JSON_BYTES, HEADER)),
    field('request_body_len', 'int', false, 'request body bytes after transfer decoding'),
    field('status_code', 'int', true, 'response status'),
    field('status_msg', 'string', true, 'response reason phrase', text(HTTP_MAX_HEADER_VALUE_BYTES, 'http_status_line_truncated')),
    field('response_body_len', 'int', false, 'response body bytes after transfer decoding'),
    field('request_fuids', 'string[]', false, 'files records of the request body',
      list(HTTP_MAX_FILES, HTTP_MAX_FILES * 21 + 2, 'http_too_many_files', MAX_ID_BYTES)),
    field('response_fuids', 'string[]', false, 'files records of the response body',
      list(HTTP_MAX_FILES, HTTP_MAX_FILES * 21 + 2, 'http_too_many_files', MAX_ID_BYTES)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    // fields added after the first release go last: a store made before gets them by ALTER TABLE ADD COLUMN
    field('info_code', 'int', true, 'last interim (1xx) response status before the final one: 100 Continue, 103 Early Hints (Zeek info_code)'),
    field('info_msg', 'string', true, 'its reason phrase (Zeek info_msg)', text(HTTP_MAX_HEADER_VALUE_BYTES, 'http_status_line_truncated')),
    ...PROVENANCE_FIELDS,
    field('ja4h', 'string', true, 'JA4H fingerprint of the request (FoxIO): method, version, header names, cookie names and values (computed before cookie values are redacted)', text(JA4H_MAX_BYTES, 'http_ja4h_truncated')),
  ],
} as const;

export type HttpRecord = RowOf<typeof HTTP>;

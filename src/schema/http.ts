// The `http` record: one row per HTTP/1.x request/response pair (Zeek http.log).
import { field, type RowOf } from './schema.js';

export const HTTP = {
  name: 'http',
  doc: 'One row per HTTP request and its response, in the order of the session.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid'),
    field('ts', 'timestamp', false, 'time of the request'),
    field('src_ip', 'string', false, 'client address'),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address'),
    field('dst_port', 'int', false, 'server port'),
    field('trans_depth', 'int', false, '1 for the first request of the session, 2 for the next, ...'),
    field('method', 'string', true, 'request method'),
    field('host', 'string', true, 'Host header'),
    field('uri', 'string', true, 'request target as sent'),
    field('version', 'string', true, 'HTTP version of the request'),
    field('user_agent', 'string', true, 'User-Agent header'),
    field('referer', 'string', true, 'Referer header'),
    field('request_headers', 'json', true, 'request header names and values, in order'),
    field('request_body_len', 'int', false, 'request body bytes after transfer decoding'),
    field('status_code', 'int', true, 'response status'),
    field('status_msg', 'string', true, 'response reason phrase'),
    field('response_body_len', 'int', false, 'response body bytes after transfer decoding'),
    field('request_fuids', 'string[]', false, 'files records of the request body'),
    field('response_fuids', 'string[]', false, 'files records of the response body'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)'),
  ],
} as const;

export type HttpRecord = RowOf<typeof HTTP>;

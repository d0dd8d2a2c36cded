// `haystack dns <capture...>`: one row per DNS query/response transaction, over UDP and TCP, on any port.
import { DNS } from '../../schema/dns.js';
import type { CliIo } from '../io.js';
import { runRecordVerb } from './record-verb.js';

export const usage = `haystack dns <capture...> [--fields query,qtype_name,answers,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'transport', 'trans_id', 'query', 'qtype_name', 'rcode_name', 'answers', 'rtt'];

export function run(argv: string[], io: CliIo): Promise<number> {
  return runRecordVerb({ name: 'dns', schema: DNS, usage, tableFields: TABLE_FIELDS }, argv, io);
}

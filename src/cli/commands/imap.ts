// `haystack imap <capture...>`: one row per IMAP command and its tagged completion, on any port.
import { IMAP } from '../../schema/imap.js';
import type { CliIo } from '../io.js';
import { runRecordVerb } from './record-verb.js';

export const usage = `haystack imap <capture...> [--fields user,command,arg,status,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'user', 'tag', 'command', 'arg', 'status', 'reply_msg'];

export function run(argv: string[], io: CliIo): Promise<number> {
  return runRecordVerb({ name: 'imap', schema: IMAP, usage, tableFields: TABLE_FIELDS }, argv, io);
}

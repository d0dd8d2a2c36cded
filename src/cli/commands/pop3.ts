// `haystack pop3 <capture...>`: one row per POP3 command and its +OK/-ERR reply, on any port.
import { POP3 } from '../../schema/pop3.js';
import type { CliIo } from '../io.js';
import { runRecordVerb } from './record-verb.js';

export const usage = `haystack pop3 <capture...> [--fields user,command,arg,status,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'user', 'command', 'arg', 'status', 'reply_msg'];

export function run(argv: string[], io: CliIo): Promise<number> {
  return runRecordVerb({ name: 'pop3', schema: POP3, usage, tableFields: TABLE_FIELDS }, argv, io);
}

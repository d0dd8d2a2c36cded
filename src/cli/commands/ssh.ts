// `haystack ssh <capture...>`: one row per SSH session on any port: versions, HASSH, the algorithms chosen, the
// server's host key, authentication as inferred from packet sizes.
import { SSH } from '../../schema/ssh.js';
import type { CliIo } from '../io.js';
import { runRecordVerb } from './record-verb.js';

export const usage = `haystack ssh <capture...> [--fields client,server,hassh,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'client', 'server', 'hassh', 'kex_alg', 'auth_success', 'auth_attempts'];

export function run(argv: string[], io: CliIo): Promise<number> {
  return runRecordVerb({ name: 'ssh', schema: SSH, usage, tableFields: TABLE_FIELDS }, argv, io);
}

// ssh.log from `ssh`: Zeek's default columns (base/protocols/ssh), one line per session.
import { SSH } from '../../../schema/ssh.js';
import { computed, connColumns, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';

const BOTH = /^To server: (.*), to client: (.*)$/;

/** Zeek's one value for an algorithm chosen per direction (find_bidirectional_alg): the name, or both. */
function composed(c2s: string, s2c: string) {
  return (r: Row): ZeekValue => {
    const a = r[c2s] as string | null;
    const b = r[s2c] as string | null;
    if (a === null || b === null) return null;
    return a === b ? a : `To server: ${a}, to client: ${b}`;
  };
}

function composedSql(c2s: string, s2c: string) {
  return (s: SqlParts): string => {
    const [a, b] = [s.col(c2s), s.col(s2c)];
    // || is NULL when either is (concat() would skip it)
    return `CASE WHEN ${a} = ${b} THEN ${a} ELSE ${s.lit('To server: ')} || ${a} || ${s.lit(', to client: ')} || ${b} END`;
  };
}

function split(c2s: string, s2c: string) {
  return (v: ZeekValue, o: Row): void => {
    const m = BOTH.exec(v as string);
    o[c2s] = m === null ? v : m[1];
    o[s2c] = m === null ? v : m[2];
  };
}

export const SSH_LOG: ZeekLog = {
  path: 'ssh',
  schema: SSH,
  columns: [
    ...connColumns('ts'),
    same('version', 'count', 'version'),
    same('auth_success', 'bool', 'auth_success'),
    same('auth_attempts', 'count', 'auth_attempts'),
    // INBOUND/OUTBOUND needs the home network, which the ssh record does not hold (sessions.direction does)
    unfilled('direction', 'enum'),
    same('client', 'string', 'client'),
    same('server', 'string', 'server'),
    computed('cipher_alg', 'string', composed('cipher_c2s', 'cipher_s2c'), composedSql('cipher_c2s', 'cipher_s2c'), split('cipher_c2s', 'cipher_s2c'), ['cipher_c2s', 'cipher_s2c']),
    computed('mac_alg', 'string', composed('mac_c2s', 'mac_s2c'), composedSql('mac_c2s', 'mac_s2c'), split('mac_c2s', 'mac_s2c'), ['mac_c2s', 'mac_s2c']),
    computed('compression_alg', 'string', composed('compression_c2s', 'compression_s2c'), composedSql('compression_c2s', 'compression_s2c'), split('compression_c2s', 'compression_s2c'), ['compression_c2s', 'compression_s2c']),
    same('kex_alg', 'string', 'kex_alg'),
    same('host_key_alg', 'string', 'host_key_alg'),
    same('host_key_fingerprint', 'string', 'host_key_fingerprint'),
  ],
};

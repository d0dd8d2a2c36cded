// The `ssh` record: one row per SSH session (Zeek ssh.log), found by content on any port.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/**
 * A version line: at most 255 characters with its CR LF (RFC 4253 §4.2); the analyzer reads lines of up to
 * SSH_MAX_BANNER_LINE bytes (src/analyzers/ssh), so 8 KiB keeps any of them whole even with every byte escaped.
 */
export const SSH_MAX_BANNER_BYTES = 8 * 1024;
/** A negotiated algorithm name: at most 64 characters (RFC 4251 §6); a hostile one is cut here. */
export const SSH_MAX_ALGORITHM_BYTES = 1024;
/**
 * The HASSH input strings: four of the KEXINIT's name-lists joined; real clients send 1-2 KB, Zeek's
 * kex-quadratic trace ~60 KB. 256 KiB keeps those whole; the hash is always of the whole string.
 */
export const SSH_MAX_HASSH_STRING_BYTES = 256 * 1024;

const CUT = 'ssh_field_truncated';

export const SSH = {
  name: 'ssh',
  doc: 'One row per SSH session (any port, by its version lines): versions, HASSH, the algorithms chosen, the host key, authentication as inferred from packet sizes.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the first version line seen'),
    field('src_ip', 'string', false, 'originator address (the SSH client, as Zeek takes it)', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'originator port'),
    field('dst_ip', 'string', false, 'responder address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'responder port'),
    field('version', 'int', true, 'protocol major version the two version lines agree on: 2, 1, or 0 when they cannot talk (Zeek); null without both'),
    field('client', 'string', true, "originator's version line, e.g. SSH-2.0-OpenSSH_9.2p1", text(SSH_MAX_BANNER_BYTES, CUT)),
    field('server', 'string', true, "responder's version line", text(SSH_MAX_BANNER_BYTES, CUT)),
    field('hassh', 'string', true, "HASSH: MD5 of hassh_algorithms (the client's KEXINIT)", own(MAX_ID_BYTES)),
    field('hassh_algorithms', 'string', true, "client's kex;ciphers c2s;MACs c2s;compression c2s name-lists", text(SSH_MAX_HASSH_STRING_BYTES, CUT)),
    field('hassh_server', 'string', true, "HASSHServer: MD5 of hassh_server_algorithms (the server's KEXINIT)", own(MAX_ID_BYTES)),
    field('hassh_server_algorithms', 'string', true, "server's kex;ciphers s2c;MACs s2c;compression s2c name-lists", text(SSH_MAX_HASSH_STRING_BYTES, CUT)),
    field('kex_alg', 'string', true, 'key exchange chosen: the first of the client\'s that the server offers (RFC 4253 §7.1); null when none', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('host_key_alg', 'string', true, 'server host key algorithm chosen', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('cipher_c2s', 'string', true, 'cipher chosen, client to server', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('cipher_s2c', 'string', true, 'cipher chosen, server to client', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('mac_c2s', 'string', true, 'MAC chosen, client to server (as negotiated; an AEAD cipher ignores it)', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('mac_s2c', 'string', true, 'MAC chosen, server to client', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('compression_c2s', 'string', true, 'compression chosen, client to server', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('compression_s2c', 'string', true, 'compression chosen, server to client', text(SSH_MAX_ALGORITHM_BYTES, CUT)),
    field('host_key_fingerprint', 'string', true, "server host key from its key exchange reply: SHA256: and the digest's base64 (as ssh-keygen -l prints it)", own(MAX_NAME_BYTES)),
    field('auth_success', 'bool', true, 'authentication succeeded, inferred from encrypted packet sizes as Zeek does; null when it cannot be (see auth_reason)'),
    field('auth_attempts', 'int', false, 'authentication attempts inferred (Zeek counts the same way)'),
    field('auth_reason', 'string', true, 'why auth_success is null: ssh1, no_kex, compression, gap, undecided', own(MAX_NAME_BYTES)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type SshRecord = RowOf<typeof SSH>;

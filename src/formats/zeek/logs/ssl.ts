// ssl.log from `tls`: Zeek's default columns (base/protocols/ssl), one line per ClientHello row.
import { TLS } from '../../../schema/tls.js';
import { cipherCode, cipherName, cipherNameSql } from '../cipher-names.js';
import { computed, connColumns, same, unfilled } from '../columns.js';
import type { ZeekLog } from '../zeek-types.js';

export const SSL_LOG: ZeekLog = {
  path: 'ssl',
  schema: TLS,
  columns: [
    ...connColumns('ts'),
    same('version', 'string', 'version'),
    computed('cipher', 'string', (r) => (r.cipher === null ? null : cipherName(r.cipher as number)), (s) => cipherNameSql(s.col('cipher'), s.lit), (v, o) => { o.cipher = cipherCode(v as string); }, ['cipher']),
    // the key share group the server chose is not kept
    unfilled('curve', 'string'),
    same('server_name', 'string', 'sni'),
    // session resumption is not told apart
    unfilled('resumed', 'bool'),
    same('last_alert', 'string', 'last_alert'),
    same('next_protocol', 'string', 'server_alpn'),
    // whether the handshake finished is not kept
    unfilled('established', 'bool'),
    unfilled('ssl_history', 'string'),
    // the chain beyond the server's own certificate is not kept: its fingerprint only (x509.log's)
    computed('cert_chain_fps', 'vector[string]', (r) => (r.cert_sha256 === null ? null : [r.cert_sha256 as string]),
      (s) => `CASE WHEN ${s.col('cert_sha256')} IS NOT NULL THEN [${s.col('cert_sha256')}] END`, (v, o) => {
      o.cert_sha256 = (v as string[])[0] ?? null;
    }, ['cert_sha256']),
    unfilled('client_cert_chain_fps', 'vector[string]'),
    unfilled('sni_matches_cert', 'bool'),
  ],
};

// Which stream analyzers a run attaches to TCP sessions (one place for the CLI verbs and the library API).
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import type { AnomalyLog } from '../core/anomaly.js';
import type { Session } from '../flow/session.js';
import type { StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../schema/tls.js';
import { decodeCertificate } from './x509.js';

/**
 * The `streams` factory for an Engine that wants tls records: a TLS analyzer per TCP session (it detaches
 * itself from sessions that are not TLS or whose handshake is done).
 * @param anomalies the engine's anomaly log (analyzers record their anomalies there)
 */
export function tlsStreams(emit: (r: TlsRecord) => void, anomalies: () => AnomalyLog): (s: Session) => StreamAnalyzer {
  const cache = new HashCache();
  return (s) => new TlsAnalyzer({ session: s, anomalies: anomalies(), emit, cache, certificate: decodeCertificate });
}

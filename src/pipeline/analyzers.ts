// Which analyzers a run attaches (one place for the CLI verbs and the library API).
import { QuicTls } from '../analyzers/quic/quic-tls.js';
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import { IPPROTO_UDP } from '../decode/constants.js';
import type { TlsRecord } from '../schema/tls.js';
import type { Engine, EngineHandlers, EngineOptions } from './engine.js';
import { nodeQuicCrypto } from './quic-crypto.js';
import { decodeCertificate } from './x509.js';

/**
 * Handlers and options for an Engine that wants tls records: a TLS analyzer per TCP session (it detaches
 * itself from sessions that are not TLS or whose handshake is done) and QUIC Initials of UDP sessions.
 * @param engine called lazily: the engine the handlers are given to
 */
export function tlsAnalysis(
  emit: (r: TlsRecord) => void,
  engine: () => Engine,
): { handlers: Required<Pick<EngineHandlers, 'packet' | 'sessionEnd'>>; options: Required<Pick<EngineOptions, 'streams'>> } {
  const cache = new HashCache();
  let quic: QuicTls | null = null;
  const q = (): QuicTls => (quic ??= new QuicTls({ crypto: nodeQuicCrypto, anomalies: engine().anomalies, cache, emit }));
  return {
    options: {
      streams: (s) => new TlsAnalyzer({ session: s, anomalies: engine().anomalies, emit, cache, certificate: decodeCertificate }),
    },
    handlers: {
      packet: (_rec, m, s) => {
        if (s !== null && m.ipProto === IPPROTO_UDP && m.payloadLen > 0) {
          q().datagram(s, engine().flows.lastDir, m.buf, m.payloadOff, m.payloadOff + m.payloadLen);
        }
      },
      sessionEnd: (s) => {
        if (s.proto === IPPROTO_UDP) quic?.sessionEnded(s);
      },
    },
  };
}

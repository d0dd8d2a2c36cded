// Which analyzers a run attaches (one place for the CLI verbs and the library API).
import { QuicTls } from '../analyzers/quic/quic-tls.js';
import { DtlsTls } from '../analyzers/tls/dtls.js';
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import { IPPROTO_UDP } from '../decode/constants.js';
import type { TlsRecord } from '../schema/tls.js';
import type { Engine, EngineHandlers, EngineOptions } from './engine.js';
import { nodeQuicCrypto } from './quic-crypto.js';
import { decodeCertificate } from './x509.js';

/**
 * Handlers and options for an Engine that wants tls records: a TLS analyzer per TCP session (it detaches
 * itself from sessions that are not TLS or whose handshake is done), QUIC Initials and DTLS hellos of UDP
 * sessions.
 * @param engine called lazily: the engine the handlers are given to
 */
export function tlsAnalysis(
  emit: (r: TlsRecord) => void,
  engine: () => Engine,
): { handlers: Required<Pick<EngineHandlers, 'packet' | 'sessionEnd'>>; options: Required<Pick<EngineOptions, 'streams'>> } {
  const cache = new HashCache();
  let quic: QuicTls | null = null;
  let dtls: DtlsTls | null = null;
  const q = (): QuicTls => (quic ??= new QuicTls({ crypto: nodeQuicCrypto, anomalies: engine().anomalies, cache, emit }));
  const d = (): DtlsTls => (dtls ??= new DtlsTls({ anomalies: engine().anomalies, cache, emit }));
  return {
    options: {
      streams: (s) => new TlsAnalyzer({ session: s, anomalies: engine().anomalies, emit, cache, certificate: decodeCertificate }),
    },
    handlers: {
      packet: (_rec, m, s) => {
        if (s !== null && m.ipProto === IPPROTO_UDP && m.payloadLen > 0) {
          const dir = engine().flows.lastDir;
          const end = m.payloadOff + m.payloadLen;
          // a UDP session is QUIC, DTLS or neither; each analyzer decides on the client's first datagram
          q().datagram(s, dir, m.buf, m.payloadOff, end);
          d().datagram(s, dir, m.buf, m.payloadOff, end);
        }
      },
      sessionEnd: (s) => {
        if (s.proto === IPPROTO_UDP) {
          quic?.sessionEnded(s);
          dtls?.sessionEnded(s);
        }
      },
    },
  };
}

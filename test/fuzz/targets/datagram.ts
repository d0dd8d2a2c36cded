// UDP payloads the pipeline parses: DNS messages of the gen captures (question names for dns.query, and whole
// transactions over UDP and over TCP, cut at odd places, for the dns record), DTLS
// ClientHellos made from the capture's TLS hellos, and QUIC v1 Initial headers, mutated (counts, lengths,
// compression pointers, varints first), each given to its parser as the pipeline gives it. Contract: never
// throws; a DNS name never exceeds 255 bytes.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DnsTcp, DnsUdp } from '../../../src/analyzers/dns/dns-analyzer.js';
import { dnsQuestions, parseDnsMessage } from '../../../src/analyzers/dns/dns-message.js';
import { ROOT } from '../../helpers/run.js';
import { QuicTls } from '../../../src/analyzers/quic/quic-tls.js';
import { DtlsTls } from '../../../src/analyzers/tls/dtls.js';
import { HashCache } from '../../../src/analyzers/tls/fingerprints.js';
import { AnomalyLog } from '../../../src/core/anomaly.js';
import { Decoder } from '../../../src/decode/decoder.js';
import { Session } from '../../../src/flow/session.js';
import { nodeQuicCrypto } from '../../../src/pipeline/quic-crypto.js';
import { conversations, fixture, frames } from '../seeds.js';
import { ContractError, concat, mustNotThrow, mutatedBytes, type FuzzTarget } from '../target.js';

interface Input {
  kind: 'dns' | 'dtls' | 'quic';
  payloads: Uint8Array[];
}

const KINDS = ['dns', 'dtls', 'quic'] as const;

function dnsSeeds(): Uint8Array[] {
  const d = new Decoder(new AnomalyLog(() => undefined));
  const out: Uint8Array[] = [];
  for (const f of frames(fixture('mixed-home.pcap'))) {
    d.decode(f.data, new DataView(f.data.buffer), 0, f.data.length, 0, f.linktype);
    const m = d.meta;
    if (m.l4 && m.ipProto === 17 && (m.sport === 53 || m.dport === 53)) out.push(m.buf.slice(m.payloadOff, m.payloadOff + m.payloadLen));
  }
  // the dns gen capture: every type the record shows (HTTPS with ECH, CAA, SOA, ...), EDNS subnet and cookies
  for (const f of frames(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/dns/dns-gen.pcap'))))) {
    d.decode(f.data, new DataView(f.data.buffer), 0, f.data.length, 0, f.linktype);
    const m = d.meta;
    if (m.l4 && m.ipProto === 17 && m.payloadLen > 0) out.push(m.buf.slice(m.payloadOff, m.payloadOff + m.payloadLen));
  }
  // a name that points back into itself, and one at the 255-byte limit
  out.push(Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]));
  out.push(concat(Uint8Array.from([0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...Array.from({ length: 4 }, () => Uint8Array.from([63, ...new Array<number>(63).fill(0x61)])), Uint8Array.from([0, 0, 1, 0, 1])));
  return out;
}

/** A TLS ClientHello record turned into a DTLS 1.2 one (record sequence, message_seq, fragment fields, cookie). */
function dtlsFromTls(rec: Uint8Array): Uint8Array | null {
  if (rec.length < 48 || rec[0] !== 0x16 || rec[5] !== 1) return null;
  const body = rec.subarray(9);
  const sidLen = body[34]!;
  const hello = concat(Uint8Array.from([0xfe, 0xfd]), body.subarray(2, 35 + sidLen), Uint8Array.from([0]), body.subarray(35 + sidLen));
  const n = hello.length;
  const hs = concat(Uint8Array.from([1, n >> 16, (n >> 8) & 0xff, n & 0xff, 0, 0, 0, 0, 0, n >> 16, (n >> 8) & 0xff, n & 0xff]), hello);
  return concat(Uint8Array.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, hs.length >> 8, hs.length & 0xff]), hs);
}

function quicSeeds(): Uint8Array[] {
  const dcid = Uint8Array.from([0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);
  const payload = new Uint8Array(1162).map((_, i) => (i * 37) & 0xff);
  const len = payload.length + 4;
  return [
    concat(Uint8Array.from([0xc3, 0, 0, 0, 1, 8]), dcid, Uint8Array.from([0, 0, 0x40 | (len >> 8), len & 0xff, 0, 0, 0, 2]), payload),
    concat(Uint8Array.from([0xd3, 0x6b, 0x33, 0x43, 0xcf, 8]), dcid, Uint8Array.from([4, 1, 2, 3, 4, 0, 0x40 | (len >> 8), len & 0xff, 0, 0, 0, 2]), payload),
  ];
}

export async function make(): Promise<FuzzTarget<Input>> {
  const hellos = (await conversations(fixture('tls-clients.pcapng'))).flatMap((c) => c.flatMap((s) => ('data' in s && s.dir === 0 ? [s.data] : [])));
  const dtls = hellos.map(dtlsFromTls).filter((x): x is Uint8Array => x !== null).slice(0, 12);
  const seeds = { dns: dnsSeeds(), dtls, quic: quicSeeds() };
  const payloadsOf = (k: Input['kind']): fc.Arbitrary<Uint8Array[]> =>
    fc.array(mutatedBytes(seeds[k], { hot: [4, 5, 6, 11, 12, 13, 14, 17, 18, 19, 22, 25] }), { minLength: 1, maxLength: 4 });
  return {
    name: 'datagram',
    about: 'dnsQuestions, parseDnsMessage, DnsUdp/DnsTcp, DtlsTls and QuicTls on mutated DNS/DTLS/QUIC datagrams: no throw, names within 255 bytes',
    arbitrary: fc.constantFrom(...KINDS).chain((kind) => fc.record({ kind: fc.constant(kind), payloads: payloadsOf(kind) })),
    check: ({ kind, payloads }) => {
      const anomalies = new AnomalyLog(() => undefined);
      const s = new Session();
      s.uid = 'Cfuzz';
      s.proto = 17;
      const cache = new HashCache();
      const dtls = new DtlsTls({ anomalies, cache, emit: () => undefined });
      const quic = new QuicTls({ crypto: nodeQuicCrypto, anomalies, cache, emit: () => undefined });
      s.aPort = 40000;
      s.bPort = 53;
      s.a6 = s.b6 = null;
      const dnsUdp = new DnsUdp({ anomalies, emit: () => undefined });
      const dnsTcp = new DnsTcp({ session: s, anomalies, emit: () => undefined });
      for (const [i, p] of payloads.entries()) {
        if (kind === 'dns') {
          const q = mustNotThrow('dnsQuestions()', () => dnsQuestions(p));
          for (const n of q?.names ?? []) if (n.length > 255) throw new ContractError(`a DNS name of ${n.length} bytes`);
          mustNotThrow('parseDnsMessage()', () => parseDnsMessage(p));
          // the same messages as one session's transactions, over UDP and (length-prefixed, cut every 7 bytes) TCP
          const dir = (i & 1) as 0 | 1;
          mustNotThrow('DnsUdp.datagram()', () => dnsUdp.datagram(s, dir, p, 0, p.length, i));
          const framed = concat(Uint8Array.from([p.length >> 8, p.length & 0xff]), p);
          for (let o = 0; o < framed.length; o += 7) mustNotThrow('DnsTcp.deliver()', () => dnsTcp.deliver(dir, framed.subarray(o, o + 7)));
        } else if (kind === 'dtls') {
          mustNotThrow('DtlsTls.datagram()', () => dtls.datagram(s, i === 0 ? 0 : (i & 1) as 0 | 1, p, 0, p.length));
        } else {
          mustNotThrow('QuicTls.datagram()', () => quic.datagram(s, 0, p, 0, p.length));
        }
      }
      mustNotThrow('sessionEnded()', () => {
        dtls.sessionEnded(s);
        quic.sessionEnded(s);
        dnsUdp.sessionEnded(s);
        dnsTcp.end(0);
        dnsTcp.end(1);
      });
    },
    // the corpus form: the kind's name, then per datagram a 32-bit big-endian length and its bytes
    encode: (i) => ({ bin: concat(...i.payloads.flatMap((p) => [Uint8Array.from([p.length >>> 24, (p.length >> 16) & 0xff, (p.length >> 8) & 0xff, p.length & 0xff]), p])), extra: { kind: i.kind } }),
    decode: (e) => {
      const payloads: Uint8Array[] = [];
      const v = new DataView(e.bin.buffer, e.bin.byteOffset, e.bin.byteLength);
      for (let p = 0; p + 4 <= e.bin.length;) {
        const n = v.getUint32(p);
        payloads.push(e.bin.slice(p + 4, p + 4 + n));
        p += 4 + n;
      }
      return { kind: ((e.extra ?? {}) as { kind?: Input['kind'] }).kind ?? 'dns', payloads };
    },
  };
}

// TLS over TCP: ClientHello / ServerHello / Certificate streams of the gen capture, mutated (record and
// handshake length fields first), through the TLS analyzer with the X.509 decoder the pipeline uses.
// Contract: never throws; the same records and anomalies however the stream is cut.
import { HashCache } from '../../../src/analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../../../src/analyzers/tls/tls-analyzer.js';
import { decodeCertificate } from '../../../src/pipeline/x509.js';
import type { TlsRecord } from '../../../src/schema/tls.js';
import { conversations, fixture } from '../seeds.js';
import { decodeStream, deliver, encodeStream, session, streamInput, type StreamInput } from '../stream.js';
import { canon, sameRecords, type FuzzTarget } from '../target.js';

/** record length (3), handshake length (6, 24-bit), ClientHello session id length (43) and cipher list (44) */
const HOT = [3, 6, 43, 44, 76];

function run(input: StreamInput, split: boolean): unknown {
  const { s, anomalies, events } = session();
  const records: TlsRecord[] = [];
  const hellos: TlsRecord[] = [];
  let certs = 0;
  const a = new TlsAnalyzer({
    session: s, anomalies, cache: new HashCache(), certificate: decodeCertificate,
    emit: (r) => records.push(r), hello: (r) => hellos.push(r), certificates: (ders) => void (certs += ders.length),
  });
  deliver(a, input, split);
  return canon({ records, hellos, certs, anomalies: events.map((e) => e.name) });
}

export async function make(): Promise<FuzzTarget<StreamInput>> {
  const seeds = await conversations(fixture('tls-clients.pcapng'));
  return {
    name: 'tls',
    about: 'TlsAnalyzer (+ X.509) on mutated TLS conversations: no throw, chunking-invariant records',
    arbitrary: streamInput(seeds, HOT),
    check: (input) => sameRecords('tls', run(input, false), run(input, true)),
    encode: encodeStream,
    decode: decodeStream,
  };
}

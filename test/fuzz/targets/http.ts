// HTTP/1.x: the gen capture's PUT exchanges and synthetic ones (chunked, gzip/deflate/br, pipelined, HEAD,
// 0.9, close-delimited), mutated, through the HTTP analyzer and then the record builder that undoes content
// codings and types bodies. Contract: never throws; the same transactions however the stream is cut.
import { HttpAnalyzer, type HttpTransaction } from '../../../src/analyzers/http/http-analyzer.js';
import { httpRecords } from '../../../src/pipeline/http.js';
import { conversations, fixture, httpDialogues } from '../seeds.js';
import { streamTarget, type StreamInput } from '../stream.js';
import type { FuzzTarget } from '../target.js';

export async function make(): Promise<FuzzTarget<StreamInput>> {
  return streamTarget<HttpTransaction>({
    name: 'http',
    about: 'HttpAnalyzer + httpRecords (content codings, file typing) on mutated HTTP conversations: no throw, chunking-invariant',
    seeds: [...await conversations(fixture('http-put.pcap')), ...httpDialogues()],
    analyzer: (session, anomalies, emit) => new HttpAnalyzer({ session, anomalies, emit }),
    records: (t, anomalies) => httpRecords(t, { anomalies, filesDir: null }),
  });
}

// HTTP/1.x: the gen capture's PUT exchanges and synthetic ones (chunked, gzip/deflate/br, pipelined, HEAD,
// 0.9, close-delimited), mutated, through the HTTP analyzer and then the record builder that undoes content
// codings and types bodies. Contract: never throws; the same transactions however the stream is cut.
import { HttpAnalyzer, type HttpTransaction } from '../../../src/analyzers/http/http-analyzer.js';
import { httpRecords } from '../../../src/pipeline/http.js';
import { conversations, fixture, httpDialogues } from '../seeds.js';
import { decodeStream, deliver, encodeStream, session, streamInput, type StreamInput } from '../stream.js';
import { canon, mustNotReject, sameRecords, type FuzzTarget } from '../target.js';

function run(input: StreamInput, split: boolean): { out: unknown; txs: HttpTransaction[]; anomalies: ReturnType<typeof session>['anomalies'] } {
  const { s, anomalies, events } = session();
  const txs: HttpTransaction[] = [];
  deliver(new HttpAnalyzer({ session: s, anomalies, emit: (t) => txs.push(t) }), input, split);
  return { out: canon({ txs, anomalies: events.map((e) => e.name) }), txs, anomalies };
}

export async function make(): Promise<FuzzTarget<StreamInput>> {
  const seeds = [...await conversations(fixture('http-put.pcap')), ...httpDialogues()];
  return {
    name: 'http',
    about: 'HttpAnalyzer + httpRecords (content codings, file typing) on mutated HTTP conversations: no throw, chunking-invariant',
    arbitrary: streamInput(seeds),
    check: async (input) => {
      const whole = run(input, false);
      sameRecords('http', whole.out, run(input, true).out);
      for (const t of whole.txs) await mustNotReject('httpRecords()', () => httpRecords(t, { anomalies: whole.anomalies, filesDir: null }));
    },
    encode: encodeStream,
    decode: decodeStream,
  };
}

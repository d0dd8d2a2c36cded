// The capture reader: pcap (µs, ns, both byte orders) and pcapng (both byte orders, several interfaces and
// time resolutions) made from the gen captures' packets, and the gen captures themselves, mutated (file and
// record header length fields first), pushed whole and again in arbitrary chunks. Contract: never throws;
// a damaged file ends in a HaystackError in the summary; chunking changes no packet and no summary field.
import { CaptureReader, type CaptureSummary } from '../../../src/capture/capture-reader.js';
import { writePcap, writePcapng } from '../../../src/capture/pcap-writer.js';
import { isHaystackError } from '../../../src/core/errors.js';
import { fixture, frames, GEN_FILES, syntheticCaptures } from '../seeds.js';
import { ContractError, cutsArb, mustNotThrow, mutatedBytes, sameRecords, splitAt, throughScratch, type FuzzTarget } from '../target.js';
import fc from 'fast-check';

interface Input {
  bytes: Uint8Array;
  cuts: number[];
}

/** pcap: snaplen 16, linktype 20, first record caplen 32 / origlen 36; pcapng: SHB length 4, BOM 8, IDB 28.. */
const HOT = [4, 8, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60];

function read(input: Input, split: boolean): unknown {
  const packets: string[] = [];
  let h = 0;
  const r = new CaptureReader({
    packet: (rec) => {
      h = 0x811c9dc5;
      for (let i = rec.off; i < rec.off + rec.caplen; i++) h = Math.imul(h ^ rec.buf[i]!, 0x01000193);
      packets.push(`${rec.index}/${rec.ts}/${rec.linktype}/${rec.caplen}/${rec.origLen}/${h >>> 0}`);
    },
    anomaly: (name, detail, off) => void packets.push(`anomaly ${name} ${detail} @${off}`),
  }, { file: 'fuzz' });
  throughScratch(split ? splitAt(input.bytes, input.cuts) : [input.bytes], (c) => mustNotThrow('CaptureReader.push()', () => r.push(c)));
  const s: CaptureSummary = mustNotThrow('CaptureReader.end()', () => r.end());
  if (s.error !== null && !isHaystackError(s.error)) throw new ContractError(`summary.error is not a HaystackError: ${String(s.error)}`);
  return { packets, s: { ...s, error: s.error === null ? null : { code: s.error.code, message: s.error.message, offset: s.error.offset } } };
}

export function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const f of GEN_FILES) {
    const fs = frames(fixture(f)).slice(0, 24);
    const ts = 1_768_212_000_000_000;
    const pkts = fs.map((x, i) => ({ ts: ts + i * 1234, data: x.data, iface: i % 2 }));
    const lt = fs[0]?.linktype ?? 1;
    out.push(writePcap(pkts, { linktype: lt }), writePcap(pkts, { linktype: lt, littleEndian: false, nanos: true }));
    out.push(writePcapng(pkts, [{ linktype: lt }, { linktype: lt, tsresol: 9, tsoffset: 10 }]), writePcapng(pkts, [{ linktype: lt }, { linktype: lt, tsresol: 0x83 }], false));
  }
  out.push(fixture('tls-clients.pcapng').subarray(0, 20_000), fixture('http-put.pcap').subarray(0, 20_000), ...syntheticCaptures());
  return out;
}

export function make(): FuzzTarget<Input> {
  return {
    name: 'capture',
    about: 'CaptureReader on mutated pcap/pcapng: no throw, errors are HaystackErrors, chunking-invariant packets and summary',
    arbitrary: fc.record({ bytes: mutatedBytes(seeds(), { hot: HOT }), cuts: cutsArb(60) }),
    check: (input) => sameRecords('capture', read(input, false), read(input, true)),
    encode: (i) => ({ bin: i.bytes, extra: { cuts: i.cuts } }),
    decode: (e) => ({ bytes: e.bin, cuts: ((e.extra ?? {}) as { cuts?: number[] }).cuts ?? [] }),
  };
}

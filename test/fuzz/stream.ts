// Shared by the stream analyzer targets (TLS, HTTP, SMTP): mutated conversations, delivered whole and again
// cut at arbitrary points, through a reused scratch buffer, with the corpus form of such an input.
import fc from 'fast-check';
import { AnomalyLog, type AnomalyEvent } from '../../src/core/anomaly.js';
import { Session } from '../../src/flow/session.js';
import { ORIG, RESP, type StreamAnalyzer } from '../../src/reassembly/stream-analyzer.js';
import { editSteps, packConversation, unpackConversation, type Conversation, type StepEdit } from './seeds.js';
import { canon, cutsArb, mustNotReject, mustNotThrow, mutation, mutate, sameRecords, throughScratch, type Encoded, type FuzzTarget, type Mutation } from './target.js';

export interface StreamInput {
  conv: Conversation;
  /** cut points over the conversation's data bytes taken in order (each step is split where they fall) */
  cuts: number[];
}

const stepEdit: fc.Arbitrary<StepEdit> = fc.oneof(
  fc.record({ t: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('turn' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('gap' as const), at: fc.nat(), len: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.constant(0x7fffffff)) }),
);

/**
 * A seed conversation with a few steps' bytes mutated and, now and then, steps dropped, repeated, turned
 * around or preceded by a gap.
 * @param hot offsets inside a step where length fields sit (TLS record and handshake headers)
 */
export function streamInput(seeds: readonly Conversation[], hot: readonly number[] = []): fc.Arbitrary<StreamInput> {
  const all = seeds.flatMap((c) => c.flatMap((s) => ('data' in s ? [s.data] : [])));
  const byteEdits = fc.array(fc.tuple(fc.nat(), fc.array(mutation(hot), { minLength: 1, maxLength: 4 })), { maxLength: 3 });
  return fc.record({
    k: fc.nat({ max: seeds.length - 1 }),
    steps: fc.array(stepEdit, { maxLength: 2 }),
    bytes: byteEdits,
    cuts: cutsArb(),
  }).map(({ k, steps, bytes, cuts }) => ({ conv: mutateSteps(editSteps(seeds[k]!, steps), bytes, all), cuts }));
}

function mutateSteps(c: Conversation, edits: readonly [number, Mutation[]][], others: readonly Uint8Array[]): Conversation {
  const out = c.slice();
  const data = out.flatMap((s, i) => ('data' in s ? [i] : []));
  if (data.length === 0) return out;
  for (const [at, ms] of edits) {
    const i = data[at % data.length]!;
    const s = out[i]!;
    if ('data' in s) out[i] = { dir: s.dir, data: mutate(s.data, ms, others) };
  }
  return out;
}

/**
 * Delivers a conversation to an analyzer as the flow table does: in order, with each direction's stream
 * offset, cut at the given points (none: each step in one delivery), through a scratch buffer overwritten
 * after each call; an analyzer that turns inactive is ended and gets nothing more. Then both sides end.
 */
export function deliver(a: StreamAnalyzer, input: StreamInput, split: boolean): void {
  let total = 0;
  for (const s of input.conv) if ('data' in s) total += s.data.length;
  const cuts = split && total > 1 ? [...new Set(input.cuts.map((c) => c % total))].sort((x, y) => x - y) : [];
  const offset = [0, 0];
  let pos = 0;
  let k = 0;
  let detached = false;
  const after = (): void => {
    if (a.active === false) detached = true;
  };
  for (const s of input.conv) {
    if (detached) break;
    if ('gap' in s) {
      mustNotThrow('gap()', () => a.gap(s.dir, s.gap, offset[s.dir]!));
      offset[s.dir]! += s.gap;
      after();
      continue;
    }
    const pieces: Uint8Array[] = [];
    let from = 0;
    while (k < cuts.length && cuts[k]! < pos + s.data.length) {
      const at = cuts[k++]! - pos;
      if (at > from) {
        pieces.push(s.data.subarray(from, at));
        from = at;
      }
    }
    pieces.push(s.data.subarray(from));
    pos += s.data.length;
    throughScratch(pieces.filter((p) => p.length > 0), (chunk) => {
      if (detached) return;
      mustNotThrow('deliver()', () => a.deliver(s.dir, chunk, offset[s.dir]!));
      offset[s.dir]! += chunk.length;
      after();
    });
  }
  mustNotThrow('end()', () => {
    a.end(ORIG);
    a.end(RESP);
  });
}

/** A fresh TCP session for an analyzer, and an anomaly log that keeps what it was given. */
export function session(): { s: Session; anomalies: AnomalyLog; events: AnomalyEvent[] } {
  const s = new Session();
  s.uid = 'Cfuzz';
  s.proto = 6;
  s.aPort = 40000;
  s.bPort = 443;
  const events: AnomalyEvent[] = [];
  return { s, anomalies: new AnomalyLog((e) => events.push(e)), events };
}

export function encodeStream(i: StreamInput): Encoded {
  return { bin: packConversation(i.conv), extra: { cuts: i.cuts } };
}

export function decodeStream(e: Encoded): StreamInput {
  const extra = (e.extra ?? {}) as { cuts?: number[] };
  return { conv: unpackConversation(e.bin), cuts: extra.cuts ?? [] };
}

/**
 * A target over one stream analyzer: the conversation delivered whole and cut (same messages and anomalies),
 * then each message of the whole run through the record builder the pipeline gives it.
 */
export function streamTarget<M>(o: {
  name: string;
  about: string;
  seeds: readonly Conversation[];
  analyzer: (s: Session, anomalies: AnomalyLog, emit: (m: M) => void) => StreamAnalyzer;
  records: (m: M, anomalies: AnomalyLog) => Promise<unknown>;
}): FuzzTarget<StreamInput> {
  const run = (input: StreamInput, split: boolean): { out: unknown; msgs: M[]; anomalies: AnomalyLog } => {
    const { s, anomalies, events } = session();
    const msgs: M[] = [];
    deliver(o.analyzer(s, anomalies, (m) => msgs.push(m)), input, split);
    return { out: canon({ msgs, anomalies: events.map((e) => e.name) }), msgs, anomalies };
  };
  return {
    name: o.name,
    about: o.about,
    arbitrary: streamInput(o.seeds),
    check: async (input) => {
      const whole = run(input, false);
      sameRecords(o.name, whole.out, run(input, true).out);
      for (const m of whole.msgs) await mustNotReject(`${o.name} records`, () => o.records(m, whole.anomalies));
    },
    encode: encodeStream,
    decode: decodeStream,
  };
}

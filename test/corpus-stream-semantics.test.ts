// Stream reassembly semantics that suricata-verify asserts through tcp-stream / tcp-pkt rules: overlapping
// retransmissions keep the first copy (GOOD, never EVIL or XXX, in the stream), a hole is a gap rendered as
// "[N bytes missing]", and every packet keeps its own payload for packet-level inspection.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/pipeline/engine.js';
import { readPackets } from '../src/pipeline/api.js';
import { corpusDir, readJson } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string;
  kind: string;
  test?: string;
  rules?: string[];
  expect: { count: number; match: Record<string, unknown> };
}

const TESTS = ['eve-overlap-payload-01', 'eve-payload-04-partial-overlap', 'eve-payload-05-tcp-data-gap'];

/** Renders each direction of every TCP session as Suricata prints a stream payload. */
async function streams(path: string): Promise<string[]> {
  const out: string[] = [];
  const engine = new Engine({}, {
    streams: () => {
      const text = ['', ''];
      let ended = 0;
      return {
        deliver: (dir, data) => void (text[dir] += new TextDecoder('latin1').decode(data)),
        gap: (dir, len) => void (text[dir] += `[${len} bytes missing]`),
        end: () => {
          if (++ended === 2) out.push(...text.filter((t) => t !== ''));
        },
      };
    },
  });
  await engine.run([path]);
  return out;
}

describe.skipIf(corpus === null)('suricata-verify stream overlap and gap cases', () => {
  const dir = corpus!;
  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries
    .filter((e) => e.kind === 'alert' && TESTS.includes(e.test ?? ''));

  it('has the cases', () => expect(entries.length).toBe(15));

  for (const e of entries) {
    const rules = readFileSync(`${dir}/${e.rules![0]!}`, 'utf8');
    const sid = Number(e.expect.match['alert.signature_id']);
    const rule = rules.split('\n').find((l) => l.includes(`sid:${sid};`))!;
    const content = /content:"([^"]+)"/.exec(rule)![1]!;
    const onStream = rule.startsWith('alert tcp-stream');
    it(`${e.test}: sid ${sid} ${onStream ? 'stream' : 'packet'} "${content}" x${e.expect.count}`, async () => {
      const path = `${dir}/${e.file}`;
      if (onStream) {
        const rendered = await streams(path);
        // the engine matches content on the bytes, not on the gap marker
        const hits = rendered.filter((r) => r.split(/\[\d+ bytes missing\]/).some((part) => part.includes(content)));
        expect(hits.length, rendered.join(' | ')).toBe(e.expect.count);
        const printable = e.expect.match.payload_printable;
        if (e.expect.count > 0 && typeof printable === 'string') expect(rendered).toContain(printable);
      } else {
        const dec = new TextDecoder('latin1');
        const hits = [];
        for await (const p of readPackets(path)) if (dec.decode(p.payload).includes(content)) hits.push(p);
        expect(hits.length).toBeGreaterThanOrEqual(e.expect.count);
        if (e.expect.count === 0) expect(hits.length).toBe(0);
      }
    });
  }
});

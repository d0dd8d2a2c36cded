// `import eve`'s fast path over a file read in many chunks and loaded in many spool segments (segments made small
// here by HAYSTACK_EVE_SEGMENT_BYTES): lines cut by the reader's 1 MiB chunks (a taken one, a refused one, a long
// refused one cut inside a two-byte character, the last line without its newline) and every segment's load give
// the rows of the line-by-line JS path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { scratchDir } from './helpers/cli.js';
import { importBoth } from './helpers/import-both.js';

/** The spool segment size of this file's imports: far below the file, so that it takes ~16 loads (set before the modules load: they read it then). */
const SEGMENT_BYTES = vi.hoisted(() => {
  const n = 256 * 1024;
  process.env.HAYSTACK_EVE_SEGMENT_BYTES = String(n);
  return n;
});
/** The reader's chunk size (import-eve-sql.ts reads the file 1 MiB at a time). */
const CHUNK = 1 << 20;
/** Bytes of the long refused line's note (150,000 two-byte characters). */
const LONG = 300_000;

const dir = scratchDir('import-eve-sql-segments');

/** A flow line of our EVE export's form (the scan takes it); `i` varies its ids, ports and counters. */
function flowLine(i: number, unknown = ''): string {
  const s = `2026-12-07T03:23:${String(10 + (i % 40)).padStart(2, '0')}.${String(100000 + i).slice(-6)}+0000`;
  return `{${unknown}"timestamp":"${s}","flow_id":${1000003 * i + 7},"event_type":"flow","src_ip":"10.0.${i % 250}.${(i >> 8) % 250}","src_port":${1024 + (i % 60000)},` +
    `"dest_ip":"192.168.1.${i % 200}","dest_port":443,"proto":"TCP","app_proto":"tls","community_id":"1:${String(i).padStart(27, 'A')}=",` +
    `"flow":{"pkts_toserver":${i % 97},"pkts_toclient":${i % 89},"bytes_toserver":${i % 9973},"bytes_toclient":${i % 99991},"start":"${s}","end":"${s}","age":0,"state":"closed"},` +
    `"tcp":{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true}}`;
}

describe('import eve by SQL over many chunks and segments', () => {
  it('lines cut by the chunks, refused lines among taken ones, ~16 segment loads: the rows of the JS path', async () => {
    /** the kind of the line that spans each chunk boundary */
    const spans = new Map<number, 'taken' | 'refused' | 'long'>([[CHUNK, 'taken'], [2 * CHUNK, 'refused'], [3 * CHUNK, 'long']]);
    const end = 4 * CHUNK;
    const lines: string[] = [];
    const kinds: string[] = [];
    let off = 0;
    /** the boundary the line about to be placed must span, and its kind (a long line is placed with the boundary in its middle) */
    const spanned = (len: number): number | undefined => [...spans].find(([x, k]) => off < x && off + (k === 'long' ? LONG / 2 : len + 1) > x)?.[0];
    const make = (kind: string, i: number): string => {
      if (kind === 'taken') return flowLine(i);
      if (kind === 'refused') return flowLine(i, '"pcap_cnt":5,');
      // a refused line of two-byte characters (under the line limit), placed so that the chunk boundary inside it
      // falls between the two bytes of one character
      const b = spanned(LONG)!;
      const head = '{"note":"';
      const pad = (b - off - head.length) % 2 === 1 ? '' : 'x';
      return flowLine(i, `"note":"${pad}${'é'.repeat(LONG / 2)}",`);
    };
    for (let i = 0; ; i++) {
      let kind = i % 37 === 5 ? 'refused' : 'taken';
      let line = make(kind, i);
      const b = spanned(Buffer.byteLength(line));
      if (b !== undefined && spans.get(b) !== kind) {
        kind = spans.get(b)!;
        line = make(kind, i);
      }
      const n = Buffer.byteLength(line) + 1;
      lines.push(line);
      kinds.push(kind);
      // the last line crosses the end's boundary and has no newline: the last chunk holds none
      if (off + n > end) break;
      off += n;
    }
    // what the construction promised: each boundary inside a line of its kind, the last line past the 4th MiB
    const starts: number[] = [];
    let at = 0;
    for (const l of lines) {
      starts.push(at);
      at += Buffer.byteLength(l) + 1;
    }
    for (const [b, kind] of spans) {
      const k = starts.findLastIndex((s) => s < b);
      expect(kinds[k], `the line across ${b}`).toBe(kind);
      expect(starts[k]! + Buffer.byteLength(lines[k]!)).toBeGreaterThan(b);
    }
    const longAt = kinds.indexOf('long');
    expect(Buffer.from(lines[longAt]!).subarray(0, 3 * CHUNK - starts[longAt]!).toString('utf8')).toMatch(/\ufffd$/);
    expect(starts.at(-1)).toBeLessThan(end);
    const file = join(dir, 'chunks.json');
    writeFileSync(file, lines.join('\n'));
    const taken = kinds.filter((k) => k === 'taken').length;
    expect(taken * 500).toBeGreaterThan(12 * SEGMENT_BYTES);

    const [o] = await importBoth('eve', dir, 'chunks', [file]);
    expect(o?.status === 'imported' && o.via).toBe('sql');
    if (o?.status !== 'imported') return;
    expect(o.lines).toBe(lines.length);
    expect(o.sqlRows).toBe(taken);
    expect(o.records.sessions).toBe(lines.length);
  }, 180_000);
});

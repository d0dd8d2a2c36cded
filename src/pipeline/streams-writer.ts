// tcpflow-style stream files (one per direction, named SRC.SPORT-DST.DPORT, gaps left as holes at their
// offsets), an index (jsonl) and optional Sguil-style interleaved transcripts.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cannotWrite } from '../core/errors.js';
import { formatIpv4, formatIpv4Padded, formatIpv6 } from '../core/ip.js';
import { isoMicros } from '../core/time.js';
import type { Session } from '../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';

/** Bytes buffered per direction before they go to disk: keeps small streams at one write, big ones bounded. */
export const STREAM_FLUSH_BYTES = 128 * 1024;
/** Buffers of finished directions kept for the next ones: no allocation per stream, 16 MiB at most. */
const MAX_POOLED_BUFFERS = 128;
const NO_BYTES = new Uint8Array(0);
/** Transcripts are for reading: past this many bytes a session's transcript is cut (and says so). */
export const MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024;

export interface StreamIndexEntry {
  uid: string;
  file: string;
  dir: 'orig' | 'resp';
  /** sender of this direction's bytes */
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  bytes: number;
  gaps: { offset: number; len: number }[];
}

function endpointName(s: Session, dir: Dir): string {
  const fromA = dir === ORIG;
  const ip = (v4: number, v6: Uint8Array | null): string => (s.v6 ? formatIpv6(v6!) : formatIpv4Padded(v4));
  const a = `${ip(s.a4, s.a6)}.${String(s.aPort).padStart(5, '0')}`;
  const b = `${ip(s.b4, s.b6)}.${String(s.bPort).padStart(5, '0')}`;
  return fromA ? `${a}-${b}` : `${b}-${a}`;
}

function ipText(s: Session, a: boolean): string {
  if (s.v6) return formatIpv6(a ? s.a6! : s.b6!);
  return formatIpv4(a ? s.a4 : s.b4);
}

/** One file operation; a failure (a full disk) ends the run with the file named, never as an internal error. */
function output<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

class DirectionFile {
  /** contiguous bytes waiting for disk, starting at stream offset `start` (a pooled buffer once data came) */
  buf: Uint8Array = NO_BYTES;
  start = 0;
  buffered = 0;
  bytes = 0;
  written = false;
  gaps: { offset: number; len: number }[] = [];
  constructor(readonly name: string) {}
}

export class StreamsWriter {
  private readonly dir: string;
  private readonly transcripts: boolean;
  private readonly used = new Map<string, number>();
  readonly index: StreamIndexEntry[] = [];
  private readonly buffers: Uint8Array[] = [];
  files = 0;

  constructor(dir: string, opts: { transcripts?: boolean } = {}) {
    this.dir = dir;
    this.transcripts = opts.transcripts === true;
    output(dir, () => mkdirSync(dir, { recursive: true }));
    if (this.transcripts) output(join(dir, 'transcripts'), () => mkdirSync(join(dir, 'transcripts'), { recursive: true }));
  }

  /** The stream consumer for a new TCP session (FlowTable's `streams` factory). */
  forSession(s: Session): StreamAnalyzer {
    const files: (DirectionFile | null)[] = [null, null];
    const transcript: string[] | null = this.transcripts ? [] : null;
    let transcriptBytes = 0;
    let lastDir = -1;
    let ended = 0;
    const file = (dir: Dir): DirectionFile => {
      let f = files[dir];
      if (f === null || f === undefined) {
        f = new DirectionFile(this.uniqueName(endpointName(s, dir)));
        files[dir] = f;
      }
      return f;
    };
    return {
      deliver: (dir, data, offset) => {
        const f = file(dir);
        // a gap leaves the buffer non-contiguous: write what is there, continue at the new offset
        if (f.buffered > 0 && offset !== f.start + f.buffered) this.flush(f);
        if (f.buffered === 0) f.start = offset;
        if (f.buf.length === 0) f.buf = this.buffers.pop() ?? new Uint8Array(STREAM_FLUSH_BYTES);
        let from = 0;
        while (from < data.length) {
          if (f.buffered === f.buf.length) this.flush(f);
          const n = Math.min(data.length - from, f.buf.length - f.buffered);
          f.buf.set(data.subarray(from, from + n), f.buffered);
          f.buffered += n;
          from += n;
        }
        f.bytes += data.length;
        if (transcript !== null && transcriptBytes < MAX_TRANSCRIPT_BYTES) {
          transcriptBytes += data.length;
          const text = printable(data);
          const tag = dir === ORIG ? 'SRC: ' : 'DST: ';
          const lines = text.split('\n');
          if (lines[lines.length - 1] === '') lines.pop();
          if (lastDir === dir && transcript.length > 0 && !transcript[transcript.length - 1]!.endsWith('\n')) {
            transcript[transcript.length - 1] += lines.shift() ?? '';
            if (lines.length > 0) transcript[transcript.length - 1] += '\n';
          }
          for (let i = 0; i < lines.length; i++) {
            transcript.push(`${tag}${lines[i]}${i < lines.length - 1 || text.endsWith('\n') ? '\n' : ''}`);
          }
          lastDir = dir;
          if (transcriptBytes >= MAX_TRANSCRIPT_BYTES) transcript.push(`\n[transcript cut at ${MAX_TRANSCRIPT_BYTES} bytes]\n`);
        }
      },
      gap: (dir, len, offset) => {
        file(dir).gaps.push({ offset, len });
        if (transcript !== null) transcript.push(`${dir === ORIG ? 'SRC' : 'DST'}: [${len} bytes missing]\n`);
      },
      end: () => {
        if (++ended < 2) return;
        for (const d of [0, 1] as const) {
          const f = files[d];
          if (f === null || f === undefined) continue;
          this.flush(f);
          if (f.buf.length > 0 && this.buffers.length < MAX_POOLED_BUFFERS) this.buffers.push(f.buf);
          f.buf = NO_BYTES;
          // the index lists files; a direction that only ever had gaps has none (its session record counts them)
          if (f.bytes === 0) continue;
          this.index.push({
            uid: s.uid, file: f.name, dir: d === ORIG ? 'orig' : 'resp',
            ...(d === ORIG
              ? { src_ip: ipText(s, true), src_port: s.aPort, dst_ip: ipText(s, false), dst_port: s.bPort }
              : { src_ip: ipText(s, false), src_port: s.bPort, dst_ip: ipText(s, true), dst_port: s.aPort }),
            bytes: f.bytes, gaps: f.gaps,
          });
        }
        if (transcript !== null && transcript.length > 0) {
          // a Sguil-style header: who, when, which ports
          const head = [
            `Session: ${s.uid}`,
            `Start:   ${isoMicros(s.start)}`,
            `End:     ${isoMicros(s.last)}`,
            `Src IP:  ${ipText(s, true)} (port ${s.aPort})`,
            `Dst IP:  ${ipText(s, false)} (port ${s.bPort})`,
            '',
            '',
          ].join('\n');
          const path = join(this.dir, 'transcripts', `${s.uid}.txt`);
          const fd = output(path, () => openSync(path, 'w'));
          try {
            output(path, () => writeSync(fd, head + transcript.join('')));
          } finally {
            closeSync(fd);
          }
        }
      },
    };
  }

  /** tcpflow appends c1, c2, ... when a 4-tuple is reused. */
  private uniqueName(base: string): string {
    const n = this.used.get(base);
    this.used.set(base, (n ?? 0) + 1);
    return n === undefined ? base : `${base}c${n}`;
  }

  private flush(f: DirectionFile): void {
    if (f.buffered === 0) return;
    const path = join(this.dir, f.name);
    const fd = output(path, () => openSync(path, f.written ? 'r+' : 'w'));
    try {
      // written at its stream offset, so a gap stays a hole of the right size, as tcpflow does
      output(path, () => writeSync(fd, f.buf, 0, f.buffered, f.start));
    } finally {
      closeSync(fd);
    }
    this.files += f.written ? 0 : 1;
    f.written = true;
    f.start += f.buffered;
    f.buffered = 0;
  }
}

/** Transcript text: printable ASCII, tabs and newlines kept; everything else as '.'. */
function printable(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 13 && b[i + 1] === 10) continue;
    s += (c >= 32 && c < 127) || c === 10 || c === 9 ? String.fromCharCode(c) : '.';
  }
  return s;
}

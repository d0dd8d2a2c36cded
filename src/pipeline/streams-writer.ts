// tcpflow-style stream files (one per direction, named SRC.SPORT-DST.DPORT, gaps left as holes at their
// offsets), an index (jsonl, written as sessions end) and optional Sguil-style interleaved transcripts.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cannotWrite } from '../core/errors.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { isoMicros } from '../core/time.js';
import type { Session } from '../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import { StreamNameReuse, streamFileName } from './stream-file-name.js';

/** Bytes buffered per direction before they go to disk: keeps small streams at one write, big ones bounded. */
export const STREAM_FLUSH_BYTES = 128 * 1024;
/** Buffers of finished directions kept for the next ones: no allocation per stream, 16 MiB at most. */
const MAX_POOLED_BUFFERS = 128;
const NO_BYTES = new Uint8Array(0);
/** Transcripts are for reading: past this many bytes a session's transcript is cut (and says so). */
export const MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024;
/** Index lines collected before they are written: ~300 streams' lines per write, none kept past it. */
const INDEX_FLUSH_BYTES = 64 * 1024;

/** One line of index.jsonl: a stream file and what it holds. */
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

function ipText(s: Session, a: boolean): string {
  if (s.v6) return formatIpv6(a ? s.a6! : s.b6!);
  return formatIpv4(a ? s.a4 : s.b4);
}

function fileName(s: Session, f: DirectionFile): string {
  return (f.name ??= streamFileName(s, f.dir, f.reuse));
}

/** One file operation; a failure (a full disk) ends the run with the file named, never as an internal error. */
function output<T>(path: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw cannotWrite(path, e);
  }
}

/**
 * One direction's file, made on its first byte or gap (that is when tcpflow names it: reuse suffixes follow it).
 * Its name is made when the file is first opened and dropped with it at the end of the session's streams.
 */
class DirectionFile {
  /** contiguous bytes waiting for disk, starting at stream offset `start` (a pooled buffer once data came) */
  buf: Uint8Array = NO_BYTES;
  start = 0;
  buffered = 0;
  bytes = 0;
  written = false;
  /** flattened (offset, len) pairs; null until the first gap (most streams never have one) */
  gaps: number[] | null = null;
  /** the file name, once the file was opened (or indexed) */
  name: string | null = null;
  constructor(
    readonly dir: Dir,
    /** times the tuple was named before (tcpflow's "c1", "c2", ... suffix) */
    readonly reuse: number,
  ) {}
}

/**
 * The stream consumer of one session: one object holding both directions (no closures, no per-call objects),
 * what a session keeps while it waits out TCP's close delay in the flow table.
 */
class SessionStreams implements StreamAnalyzer {
  private orig: DirectionFile | null = null;
  private resp: DirectionFile | null = null;
  private ended = 0;
  private transcriptBytes = 0;
  private lastDir = -1;

  constructor(
    private readonly w: StreamsWriter,
    private readonly s: Session,
    private readonly transcript: string[] | null,
  ) {}

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    const f = this.file(dir);
    const w = this.w;
    // a gap leaves the buffer non-contiguous: write what is there, continue at the new offset
    if (f.buffered > 0 && offset !== f.start + f.buffered) w.flush(this.s, f);
    if (f.buffered === 0) f.start = offset;
    if (f.buf.length === 0) f.buf = w.takeBuffer();
    let from = 0;
    while (from < data.length) {
      if (f.buffered === f.buf.length) w.flush(this.s, f);
      const n = Math.min(data.length - from, f.buf.length - f.buffered);
      f.buf.set(from === 0 && n === data.length ? data : data.subarray(from, from + n), f.buffered);
      f.buffered += n;
      from += n;
    }
    f.bytes += data.length;
    if (this.transcript !== null && this.transcriptBytes < MAX_TRANSCRIPT_BYTES) this.transcribe(dir, data);
  }

  gap(dir: Dir, len: number, offset: number): void {
    const f = this.file(dir);
    (f.gaps ??= []).push(offset, len);
    if (this.transcript !== null) this.transcript.push(`${dir === ORIG ? 'SRC' : 'DST'}: [${len} bytes missing]\n`);
  }

  end(): void {
    if (++this.ended < 2) return;
    if (this.orig !== null) this.finishFile(this.orig);
    if (this.resp !== null) this.finishFile(this.resp);
    // what the session keeps in the flow table until it ends is this object alone
    this.orig = null;
    this.resp = null;
    const t = this.transcript;
    if (t !== null && t.length > 0) this.w.writeTranscript(this.s, t);
  }

  private finishFile(f: DirectionFile): void {
    const w = this.w;
    w.flush(this.s, f);
    w.returnBuffer(f.buf);
    f.buf = NO_BYTES;
    // the index lists files; a direction that only ever had gaps has none (its session record counts them)
    if (f.bytes > 0) w.indexLine(this.s, f);
  }

  private file(dir: Dir): DirectionFile {
    let f = dir === ORIG ? this.orig : this.resp;
    if (f === null) {
      f = new DirectionFile(dir, this.w.reuse.next(this.s, dir));
      if (dir === ORIG) this.orig = f;
      else this.resp = f;
    }
    return f;
  }

  private transcribe(dir: Dir, data: Uint8Array): void {
    const transcript = this.transcript!;
    this.transcriptBytes += data.length;
    const text = printable(data);
    const tag = dir === ORIG ? 'SRC: ' : 'DST: ';
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (this.lastDir === dir && transcript.length > 0 && !transcript[transcript.length - 1]!.endsWith('\n')) {
      transcript[transcript.length - 1] += lines.shift() ?? '';
      if (lines.length > 0) transcript[transcript.length - 1] += '\n';
    }
    for (let i = 0; i < lines.length; i++) {
      transcript.push(`${tag}${lines[i]}${i < lines.length - 1 || text.endsWith('\n') ? '\n' : ''}`);
    }
    this.lastDir = dir;
    if (this.transcriptBytes >= MAX_TRANSCRIPT_BYTES) transcript.push(`\n[transcript cut at ${MAX_TRANSCRIPT_BYTES} bytes]\n`);
  }
}

/**
 * Writes the streams of a run into a directory: call forSession() for each TCP session (FlowTable's `streams`
 * factory), then close() once the run ended (the last index lines, the index file closed).
 */
export class StreamsWriter {
  private readonly dir: string;
  /** `dir` and a separator: a stream's path is one concatenation, made only when its file is opened */
  private readonly prefix: string;
  private readonly transcripts: boolean;
  /** tcpflow appends c1, c2, ... to the name when a 4-tuple is reused */
  readonly reuse = new StreamNameReuse();
  private readonly buffers: Uint8Array[] = [];
  private readonly indexPath: string;
  private indexFd: number;
  /** index lines not yet written, as latin1 (the lines are ASCII: uids, addresses, names, numbers) */
  private readonly indexBuf = Buffer.alloc(INDEX_FLUSH_BYTES);
  private indexLen = 0;
  /** stream files written */
  files = 0;
  /** lines in the index */
  indexed = 0;

  constructor(dir: string, opts: { transcripts?: boolean } = {}) {
    this.dir = dir;
    this.prefix = join(dir, 'x').slice(0, -1);
    this.transcripts = opts.transcripts === true;
    output(dir, () => mkdirSync(dir, { recursive: true }));
    if (this.transcripts) output(join(dir, 'transcripts'), () => mkdirSync(join(dir, 'transcripts'), { recursive: true }));
    this.indexPath = join(dir, 'index.jsonl');
    this.indexFd = output(this.indexPath, () => openSync(this.indexPath, 'w'));
  }

  /** The stream consumer for a new TCP session (FlowTable's `streams` factory). */
  forSession(s: Session): StreamAnalyzer {
    return new SessionStreams(this, s, this.transcripts ? [] : null);
  }

  /** Writes the index lines still waiting and closes the index (once, after the run). */
  close(): void {
    if (this.indexFd < 0) return;
    this.writeIndex();
    const fd = this.indexFd;
    this.indexFd = -1;
    output(this.indexPath, () => closeSync(fd));
  }

  takeBuffer(): Uint8Array {
    return this.buffers.pop() ?? new Uint8Array(STREAM_FLUSH_BYTES);
  }

  returnBuffer(buf: Uint8Array): void {
    if (buf.length > 0 && this.buffers.length < MAX_POOLED_BUFFERS) this.buffers.push(buf);
  }

  flush(s: Session, f: DirectionFile): void {
    if (f.buffered === 0) return;
    const path = this.prefix + fileName(s, f);
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

  /** The index line of a finished direction, as JSON.stringify would print its StreamIndexEntry. */
  indexLine(s: Session, f: DirectionFile): void {
    const a = f.dir === ORIG;
    let gaps = '';
    const g = f.gaps;
    if (g !== null) {
      for (let i = 0; i < g.length; i += 2) gaps += `${i > 0 ? ',' : ''}{"offset":${g[i]},"len":${g[i + 1]}}`;
    }
    const line =
      `{"uid":"${s.uid}","file":"${fileName(s, f)}","dir":"${a ? 'orig' : 'resp'}",` +
      `"src_ip":"${ipText(s, a)}","src_port":${a ? s.aPort : s.bPort},` +
      `"dst_ip":"${ipText(s, !a)}","dst_port":${a ? s.bPort : s.aPort},"bytes":${f.bytes},"gaps":[${gaps}]}\n`;
    this.indexed++;
    if (this.indexLen + line.length > this.indexBuf.length) this.writeIndex();
    if (line.length > this.indexBuf.length) {
      output(this.indexPath, () => writeSync(this.indexFd, line, null, 'latin1'));
      return;
    }
    this.indexLen += this.indexBuf.write(line, this.indexLen, 'latin1');
  }

  writeTranscript(s: Session, transcript: string[]): void {
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

  private writeIndex(): void {
    let at = 0;
    while (at < this.indexLen) at += output(this.indexPath, () => writeSync(this.indexFd, this.indexBuf, at, this.indexLen - at));
    this.indexLen = 0;
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

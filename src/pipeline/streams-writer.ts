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
    // one try per file rather than output()'s closures: two fewer objects for each of ~40,000 files
    let fd = -1;
    try {
      fd = openSync(path, f.written ? 'r+' : 'w');
      // written at its stream offset, so a gap stays a hole of the right size, as tcpflow does
      writeSync(fd, f.buf, 0, f.buffered, f.start);
    } catch (e) {
      throw cannotWrite(path, e);
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    this.files += f.written ? 0 : 1;
    f.written = true;
    f.start += f.buffered;
    f.buffered = 0;
  }

  /**
   * The index line of a finished direction, as JSON.stringify would print its StreamIndexEntry, written as bytes
   * straight into the index buffer (a template-built line was ~1 KB of strings per stream: 40 MB a perf-big run).
   * Every value is ASCII (uids, addresses, names, integers): no escaping, one byte a character. A line that might
   * not fit the buffer goes as text.
   */
  indexLine(s: Session, f: DirectionFile): void {
    const a = f.dir === ORIG;
    const name = fileName(s, f);
    const g = f.gaps;
    const gapPairs = g === null ? 0 : g.length / 2;
    // fixed text and six integers (<= 16 digits each), two addresses (<= 45), the uid and name; per gap its text
    const bound = INDEX_LINE_FIXED + s.uid.length + name.length + (s.v6 ? 90 : 30) + gapPairs * INDEX_GAP_MAX;
    this.indexed++;
    if (bound > this.indexBuf.length) {
      this.writeIndex();
      const line = indexLineText(s, f, name);
      output(this.indexPath, () => writeSync(this.indexFd, line, null, 'latin1'));
      return;
    }
    if (this.indexLen + bound > this.indexBuf.length) this.writeIndex();
    const b = this.indexBuf;
    let at = this.indexLen;
    at = ascii(b, at, UID_OPEN);
    at = text(b, at, s.uid);
    at = ascii(b, at, FILE_OPEN);
    at = text(b, at, name);
    at = ascii(b, at, a ? DIR_ORIG : DIR_RESP);
    at = ip(b, at, s, a);
    at = ascii(b, at, SRC_PORT);
    at = uint(b, at, a ? s.aPort : s.bPort);
    at = ascii(b, at, DST_IP);
    at = ip(b, at, s, !a);
    at = ascii(b, at, DST_PORT);
    at = uint(b, at, a ? s.bPort : s.aPort);
    at = ascii(b, at, BYTES);
    at = uint(b, at, f.bytes);
    at = ascii(b, at, GAPS_OPEN);
    if (g !== null) {
      for (let i = 0; i < g.length; i += 2) {
        if (i > 0) b[at++] = 0x2c;
        at = ascii(b, at, GAP_OFFSET);
        at = uint(b, at, g[i]!);
        at = ascii(b, at, GAP_LEN);
        at = uint(b, at, g[i + 1]!);
        b[at++] = 0x7d;
      }
    }
    at = ascii(b, at, LINE_CLOSE);
    this.indexLen = at;
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

/** The index line as text (a line too long for the index buffer: thousands of gaps). */
function indexLineText(s: Session, f: DirectionFile, name: string): string {
  const a = f.dir === ORIG;
  let gaps = '';
  const g = f.gaps;
  if (g !== null) {
    for (let i = 0; i < g.length; i += 2) gaps += `${i > 0 ? ',' : ''}{"offset":${g[i]},"len":${g[i + 1]}}`;
  }
  return (
    `{"uid":"${s.uid}","file":"${name}","dir":"${a ? 'orig' : 'resp'}",` +
    `"src_ip":"${ipText(s, a)}","src_port":${a ? s.aPort : s.bPort},` +
    `"dst_ip":"${ipText(s, !a)}","dst_port":${a ? s.bPort : s.aPort},"bytes":${f.bytes},"gaps":[${gaps}]}\n`
  );
}

const latin1 = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
const UID_OPEN = latin1('{"uid":"');
const FILE_OPEN = latin1('","file":"');
const DIR_ORIG = latin1('","dir":"orig","src_ip":"');
const DIR_RESP = latin1('","dir":"resp","src_ip":"');
const SRC_PORT = latin1('","src_port":');
const DST_IP = latin1(',"dst_ip":"');
const DST_PORT = latin1('","dst_port":');
const BYTES = latin1(',"bytes":');
const GAPS_OPEN = latin1(',"gaps":[');
const GAP_OFFSET = latin1('{"offset":');
const GAP_LEN = latin1(',"len":');
const LINE_CLOSE = latin1(']}\n');
/** The fixed text of a line and its three integers at their longest (16 digits: past 2^53 a number is not exact). */
const INDEX_LINE_FIXED = UID_OPEN.length + FILE_OPEN.length + DIR_ORIG.length + SRC_PORT.length + DST_IP.length +
  DST_PORT.length + BYTES.length + GAPS_OPEN.length + LINE_CLOSE.length + 3 * 16;
/** One gap's text at its longest: `,{"offset":N,"len":N}` with 16-digit numbers. */
const INDEX_GAP_MAX = 1 + GAP_OFFSET.length + GAP_LEN.length + 1 + 2 * 16;

function ascii(b: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) b[at + i] = bytes[i]!;
  return at + bytes.length;
}

/** A string of one-byte characters (as its latin1 encoding). */
function text(b: Uint8Array, at: number, t: string): number {
  for (let i = 0; i < t.length; i++) b[at + i] = t.charCodeAt(i);
  return at + t.length;
}

/** A non-negative integer in decimal, as JSON prints it. */
function uint(b: Uint8Array, at: number, x: number): number {
  if (x < 10) {
    b[at] = 0x30 + x;
    return at + 1;
  }
  let n = 0;
  for (let y = x; y >= 1; y = Math.floor(y / 10)) n++;
  for (let i = at + n - 1; i >= at; i--) {
    b[i] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return at + n;
}

/** One end's address as text: IPv4 dotted, IPv6 as formatIpv6 prints it. */
function ip(b: Uint8Array, at: number, s: Session, a: boolean): number {
  if (s.v6) return text(b, at, formatIpv6(a ? s.a6! : s.b6!));
  const v = a ? s.a4 : s.b4;
  at = uint(b, at, v >>> 24);
  b[at++] = 0x2e;
  at = uint(b, at, (v >>> 16) & 255);
  b[at++] = 0x2e;
  at = uint(b, at, (v >>> 8) & 255);
  b[at++] = 0x2e;
  return uint(b, at, v & 255);
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

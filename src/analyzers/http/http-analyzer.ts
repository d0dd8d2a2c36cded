// HTTP/1.x over a reassembled TCP stream (RFC 9112): requests and responses matched in order (keep-alive and
// pipelining), bodies framed by Content-Length, chunked coding or the end of the connection, no body for
// HEAD, 1xx, 204 and 304, interim 1xx responses (100 Continue, 103 Early Hints) noted on their transaction,
// the bytes after a CONNECT's 2xx read as a new stream (HTTP inside the tunnel; anything else is left alone);
// detection by content.
// Bodies are kept (bounded) as sent on the wire after chunked decoding; content codings are undone at the
// edge. Malformed input is an anomaly, never an exception.
import type { AnomalyLog } from '../../core/anomaly.js';
import { latin1 } from '../../core/latin1.js';
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import { DecodeAllowance, DecodeBudget, MAX_DECODED_PER_CAPTURE, MAX_DECODED_PER_SESSION } from './decode-budget.js';

/** Header block size limit per message (request line or status line included). */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Body bytes kept per message for extraction; longer bodies are counted, and kept up to here. */
export const MAX_BODY = 64 * 1024 * 1024;
/**
 * A body's first buffer (up to BODY_BLOCK) grows to its Content-Length in one step once the bytes received are at
 * least half of it (a 48 KiB body: doubled up to 32 KiB, then one allocation of 48 KiB, not 64); a false claim
 * holds at most twice the bytes that came, as doubling does.
 */
const DECLARED_TRUSTED = 2;
/** Requests waiting for their responses; beyond this the dialogue is not HTTP any more. */
const MAX_PENDING = 1000;

export interface HttpMessage {
  /** request or status line */
  line: string;
  headers: [string, string][];
  /** body after chunked decoding (content codings still applied), up to MAX_BODY */
  body: Uint8Array;
  /** body bytes seen (also beyond MAX_BODY) */
  bodyLen: number;
  /** body bytes lost to gaps */
  missing: number;
  /** the body was cut short (the connection ended or broke before its end) */
  truncated: boolean;
  /** the body with its content codings undone, once something asked (records and signatures share it) */
  decoded?: { body: Uint8Array; problems: [string, string][] };
}

export interface HttpTransaction {
  session: Session;
  /** 1 for the first request of the session */
  transDepth: number;
  /** time of the request's last header byte */
  ts: number;
  /** time the response (or what there is of it) ended */
  endTs: number;
  method: string;
  uri: string;
  version: string;
  request: HttpMessage;
  response: HttpMessage | null;
  statusCode: number | null;
  statusMsg: string | null;
  /** the last interim (1xx) response before the final one: 100 Continue, 103 Early Hints (Zeek's info_code) */
  infoCode: number | null;
  infoMsg: string | null;
  /** what undoing the content codings of this session's bodies may still produce */
  budget: DecodeBudget;
}

export interface HttpAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(t: HttpTransaction): void;
  /** the capture's allowance of decoded bytes, shared by its sessions (default: one of this session's own) */
  decodeAllowance?: DecodeAllowance;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
}

type Phase = 'line' | 'headers' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done';

/** A request line with a version (any method bytes: servers answer them, so analysts must see them). */
const REQUEST = /^(\S{1,32}) (\S+) (HTTP\/\S*)$/;
/** HTTP/0.9 (RFC 1945 §4.1): a method token and a path, no version; the response is the raw body. */
const REQUEST_09 = /^([A-Za-z][A-Za-z0-9_-]{0,31}) ((?:\/|https?:\/\/)\S*)$/;
const STATUS = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/;

/** One direction's message parser. */
class Side {
  phase: Phase = 'line';
  line = '';
  /** header bytes of the current message so far */
  headerBytes = 0;
  partial: number[] = [];
  msg: HttpMessage | null = null;
  bodyLeft = 0;
  body = new Body();
  /** lines arrive split across deliveries: the bytes of the current line so far */
  lineBuf: Uint8Array = new Uint8Array(256);
  lineLen = 0;
}

/**
 * A body is gathered in one growing buffer up to this size; the bytes past it go into blocks of this size, taken
 * from and given back to BLOCKS, and are joined once, into a buffer of the body's exact size, when the body is
 * taken. Without the blocks a 4 MiB body left ~4 MiB of outgrown buffers (4 KiB doubled to 2 MiB) as garbage
 * ArrayBuffers, freed only by the next full collection: a burst of large bodies raised RSS by twice its size.
 */
const BODY_BLOCK = 64 * 1024;
/** Blocks kept for reuse between bodies: at most 8 MiB (what large bodies in flight hold beyond it is dropped). */
const MAX_FREE_BLOCKS = 128;
const BLOCKS: Uint8Array[] = [];

/** Growing byte buffer for one body. */
class Body {
  /** the first BODY_BLOCK bytes */
  buf = new Uint8Array(0);
  /** the bytes past BODY_BLOCK, BODY_BLOCK each (the last one partly filled) */
  blocks: Uint8Array[] = [];
  len = 0;
  total = 0;
  /** the length the framing announced (Content-Length), 0 when unknown */
  declared = 0;
  push(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.total += n;
    let keep = Math.min(n, MAX_BODY - this.len);
    if (keep <= 0) return;
    if (this.len < BODY_BLOCK) {
      const head = Math.min(keep, BODY_BLOCK - this.len);
      if (this.len + head > this.buf.length) {
        const need = this.len + head;
        // the announced length at once when the bytes already seen make it credible (a claim costs at most
        // DECLARED_TRUSTED times what came): the buffer sized exactly; otherwise double
        const want = this.declared >= need && this.declared <= need * DECLARED_TRUSTED ? this.declared : Math.max(need, this.buf.length * 2, 4096);
        const next = new Uint8Array(Math.min(BODY_BLOCK, want));
        next.set(this.buf.subarray(0, this.len));
        this.buf = next;
      }
      this.buf.set(b.subarray(start, start + head), this.len);
      this.len += head;
      start += head;
      keep -= head;
    }
    while (keep > 0) {
      const at = (this.len - BODY_BLOCK) % BODY_BLOCK;
      if (at === 0) this.blocks.push(BLOCKS.pop() ?? new Uint8Array(BODY_BLOCK));
      const k = Math.min(keep, BODY_BLOCK - at);
      this.blocks[this.blocks.length - 1]!.set(b.subarray(start, start + k), at);
      this.len += k;
      start += k;
      keep -= k;
    }
  }
  take(): Uint8Array {
    let out: Uint8Array;
    if (this.blocks.length === 0) {
      // a mostly full buffer goes with the message (no copy); a mostly empty one is trimmed
      out = this.len * 2 >= this.buf.length ? this.buf.subarray(0, this.len) : this.buf.slice(0, this.len);
    } else {
      // one buffer of the exact size (not zeroed first: every byte is written below); the blocks go back
      const whole = Buffer.allocUnsafeSlow(this.len);
      out = new Uint8Array(whole.buffer, whole.byteOffset, this.len);
      out.set(this.buf);
      let at = BODY_BLOCK;
      for (const block of this.blocks) {
        const k = Math.min(BODY_BLOCK, this.len - at);
        out.set(k === BODY_BLOCK ? block : block.subarray(0, k), at);
        at += k;
        if (BLOCKS.length < MAX_FREE_BLOCKS) BLOCKS.push(block);
      }
      this.blocks = [];
    }
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.total = 0;
    this.declared = 0;
    return out;
  }
}

export class HttpAnalyzer implements StreamAnalyzer {
  private readonly o: HttpAnalyzerOptions;
  private decided: boolean | null = null;
  private readonly sides: [Side, Side] = [new Side(), new Side()];
  /** requests sent, oldest first, waiting for their responses */
  private pending: HttpTransaction[] = [];
  private depth = 0;
  private readonly ended = [false, false];
  /** a 101 Switching Protocols: the rest is another protocol */
  private tunnel = false;
  private readonly budget: DecodeBudget;

  constructor(o: HttpAnalyzerOptions) {
    this.o = o;
    this.budget = new DecodeBudget(
      new DecodeAllowance(MAX_DECODED_PER_SESSION),
      o.decodeAllowance ?? new DecodeAllowance(MAX_DECODED_PER_CAPTURE),
      (detail) => this.anomaly('http_decode_budget_exhausted', detail),
    );
  }

  get active(): boolean {
    return this.decided !== false && !this.tunnel && !(this.sides[0]!.phase === 'done' && this.sides[1]!.phase === 'done');
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.decided === false || this.tunnel) return;
    if (this.decided === null && dir !== ORIG) return; // the server does not speak first in HTTP
    let p = 0;
    // (a server's bytes after a CONNECT's 2xx wait, like any server's, for the client to start the tunnelled stream)
    while (p < data.length && !this.stopped() && (this.decided !== null || dir === ORIG)) {
      const before = p;
      p = this.step(dir, data, p);
      if (p === before && this.sides[dir]!.phase === 'done') return;
    }
  }

  /** Not HTTP, or a tunnel now: nothing more to read (a method: the state changes while data is read). */
  private stopped(): boolean {
    return this.decided === false || this.tunnel;
  }

  gap(dir: Dir, len: number): void {
    const s = this.sides[dir]!;
    if (this.decided !== true) {
      this.decided = false;
      return;
    }
    if (s.phase === 'body' && s.msg !== null) {
      // a known length: the hole is counted and the framing kept
      const n = Math.min(len, s.bodyLeft);
      s.msg.missing += n;
      s.body.total += n;
      s.bodyLeft -= n;
      if (s.bodyLeft === 0) this.finishMessage(dir);
      if (len <= n) return;
    }
    if (s.phase === 'until-close' && s.msg !== null) {
      s.msg.missing += len;
      return;
    }
    this.anomaly('http_gap', `${len} bytes of the ${dir === ORIG ? 'client' : 'server'} stream missing`);
    if (s.msg !== null) {
      s.msg.truncated = true;
      s.msg.missing += len;
      this.finishMessage(dir);
    }
    s.phase = 'done';
  }

  end(dir: Dir): void {
    this.ended[dir] = true;
    const s = this.sides[dir]!;
    if (s.msg !== null && s.phase !== 'line') {
      // a body delimited by the end of the connection is complete now; any other is cut short
      if (s.phase !== 'until-close') s.msg.truncated = true;
      this.finishMessage(dir);
    }
    s.phase = 'done';
    if (this.ended[0] && this.ended[1]) {
      for (const t of this.pending) this.o.emit(t);
      this.pending = [];
    }
  }

  /** Processes data from p in the direction's current phase; returns where it stopped. */
  private step(dir: Dir, b: Uint8Array, p: number): number {
    const s = this.sides[dir]!;
    switch (s.phase) {
      case 'line':
      case 'headers':
      case 'chunk-size':
      case 'chunk-crlf':
      case 'trailers': {
        const nl = b.indexOf(0x0a, p);
        const stop = nl < 0 ? b.length : nl;
        if (!this.collect(dir, s, b, p, stop)) return b.length;
        if (nl < 0) return b.length;
        const line = this.takeLine(s);
        this.line(dir, s, line);
        return nl + 1;
      }
      case 'body': {
        const n = Math.min(s.bodyLeft, b.length - p);
        s.body.push(b, p, p + n);
        s.bodyLeft -= n;
        if (s.bodyLeft === 0) this.finishMessage(dir);
        return p + n;
      }
      case 'chunk-data': {
        const n = Math.min(s.bodyLeft, b.length - p);
        s.body.push(b, p, p + n);
        s.bodyLeft -= n;
        if (s.bodyLeft === 0) s.phase = 'chunk-crlf';
        return p + n;
      }
      case 'until-close':
        s.body.push(b, p, b.length);
        return b.length;
      case 'done':
        return b.length;
    }
  }

  /** Adds line bytes; false when the header block grew past its limit (the side stops). */
  private collect(dir: Dir, s: Side, b: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    s.headerBytes += n + 1;
    if (s.headerBytes > MAX_HEADER_BYTES) {
      if (this.decided === true) this.anomaly('http_header_too_long', `${dir === ORIG ? 'request' : 'response'} header over ${MAX_HEADER_BYTES} bytes`);
      else this.decided = false;
      s.phase = 'done';
      return false;
    }
    if (s.lineLen + n > s.lineBuf.length) {
      const next = new Uint8Array(Math.max(s.lineLen + n, s.lineBuf.length * 2));
      next.set(s.lineBuf.subarray(0, s.lineLen));
      s.lineBuf = next;
    }
    s.lineBuf.set(b.subarray(start, end), s.lineLen);
    s.lineLen += n;
    return true;
  }

  private takeLine(s: Side): string {
    let n = s.lineLen;
    if (n > 0 && s.lineBuf[n - 1] === 0x0d) n--;
    s.lineLen = 0;
    return latin1(s.lineBuf, 0, n);
  }

  private line(dir: Dir, s: Side, text: string): void {
    switch (s.phase) {
      case 'line':
        if (text === '') return; // blank lines between messages are tolerated (RFC 9112 §2.2)
        this.startLine(dir, s, text);
        return;
      case 'headers':
        if (text !== '') {
          this.header(s, text);
          return;
        }
        this.headersDone(dir, s);
        return;
      case 'chunk-size': {
        const m = /^([0-9A-Fa-f]{1,15})[ \t]*(;.*)?$/.exec(text);
        if (m === null) {
          this.anomaly('http_bad_chunk_size', text.slice(0, 40));
          s.msg!.truncated = true;
          this.finishMessage(dir);
          s.phase = 'done';
          return;
        }
        s.bodyLeft = parseInt(m[1]!, 16);
        s.phase = s.bodyLeft === 0 ? 'trailers' : 'chunk-data';
        // the header limit bounds each chunk-size line and the trailer block, not the body's framing as a whole
        s.headerBytes = 0;
        return;
      }
      case 'chunk-crlf':
        if (text !== '') this.anomaly('http_bad_chunk_end', text.slice(0, 40));
        s.phase = 'chunk-size';
        s.headerBytes = 0;
        return;
      case 'trailers':
        if (text === '') this.finishMessage(dir);
        else this.header(s, text);
        return;
      case 'body':
      case 'chunk-data':
      case 'until-close':
      case 'done':
        return; // not line-oriented phases
    }
  }

  private startLine(dir: Dir, s: Side, text: string): void {
    if (dir === ORIG) {
      const m = REQUEST.exec(text) ?? REQUEST_09.exec(text);
      if (m === null) {
        if (this.decided === null) this.decided = false;
        else {
          this.anomaly('http_bad_request_line', text.slice(0, 100));
          s.phase = 'done';
        }
        return;
      }
      if (this.decided === null) {
        this.decided = true;
        this.o.session.appProto ??= 'http';
        if (this.o.probe === true) {
          this.sides[0]!.phase = 'done';
          this.sides[1]!.phase = 'done';
          return;
        }
      }
      if (this.pending.length >= MAX_PENDING) {
        this.anomaly('http_too_many_pending', `${MAX_PENDING} requests without responses`);
        s.phase = 'done';
        return;
      }
      this.pending.push({
        session: this.o.session, transDepth: ++this.depth, ts: this.o.session.last, endTs: this.o.session.last,
        method: m[1]!, uri: m[2]!, version: m[3] ?? 'HTTP/0.9', request: newMessage(text), response: null, statusCode: null, statusMsg: null,
        infoCode: null, infoMsg: null, budget: this.budget,
      });
      if (m[3] === undefined) {
        // HTTP/0.9: whatever the server sends until it closes is the response body (header lines the client
        // may still send are read, as Zeek does)
        const srv = this.sides[1]!;
        srv.msg = newMessage('');
        srv.phase = 'until-close';
      }
    } else {
      const m = STATUS.exec(text);
      if (m === null) {
        this.anomaly('http_bad_status_line', text.slice(0, 100));
        s.phase = 'done';
        return;
      }
    }
    s.msg = dir === ORIG ? this.pending[this.pending.length - 1]!.request : newMessage(text);
    s.phase = 'headers';
  }

  private header(s: Side, text: string): void {
    const m = s.msg!;
    if ((text[0] === ' ' || text[0] === '\t') && m.headers.length > 0) {
      m.headers[m.headers.length - 1]![1] += ` ${text.trim()}`; // obsolete line folding
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) {
      this.anomaly('http_bad_header', text.slice(0, 100));
      return;
    }
    m.headers.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()]);
  }

  /** The header block ended: how long is the body? */
  private headersDone(dir: Dir, s: Side): void {
    const m = s.msg!;
    s.headerBytes = 0;
    const te = headerOf(m, 'transfer-encoding');
    const cl = headerOf(m, 'content-length');
    if (dir === ORIG) {
      // the server may have answered before this header block ended (an early 400 or 408): its transaction
      // is then complete and gone from `pending`; the request is still read to its end to find the next one
      const t = this.pending[this.pending.length - 1];
      if (t !== undefined && t.request === m) t.ts = this.o.session.last;
      if (REQUEST.exec(m.line) === null) this.finishMessage(dir); // HTTP/0.9: no header block, no body
      else if (te !== null && /chunked\s*$/i.test(te)) s.phase = 'chunk-size';
      else if (cl !== null) this.fixedBody(dir, s, cl);
      else this.finishMessage(dir);
      return;
    }
    const st = STATUS.exec(m.line)!;
    const code = Number(st[2]);
    const t = this.pending[0];
    if (code >= 100 && code < 200) {
      // interim (100 Continue, 103 Early Hints; 101 Switching Protocols): the request waits for its real
      // response; the transaction keeps the last one (as Zeek's info_code and info_msg)
      if (t !== undefined) {
        t.infoCode = code;
        t.infoMsg = st[3] ?? '';
      }
      s.msg = null;
      s.phase = code === 101 ? 'done' : 'line';
      if (code === 101) this.tunnel = true;
      return;
    }
    const noBody = code === 204 || code === 304 || (t !== undefined && t.method.toUpperCase() === 'HEAD');
    if (t !== undefined && t.method.toUpperCase() === 'CONNECT' && code >= 200 && code < 300) {
      this.finishMessage(dir);
      this.throughTunnel();
      return;
    }
    if (noBody) this.finishMessage(dir);
    else if (te !== null && /chunked\s*$/i.test(te)) s.phase = 'chunk-size';
    else if (cl !== null) this.fixedBody(dir, s, cl);
    else s.phase = 'until-close';
  }

  /**
   * A CONNECT was answered 2xx: what follows is the tunnelled stream, read as a new one (HTTP when its first
   * client line is a request; anything else, TLS mostly, ends the analysis). Transactions keep counting.
   */
  private throughTunnel(): void {
    this.sides[0] = new Side();
    this.sides[1] = new Side();
    this.decided = null;
    for (const t of this.pending) this.o.emit(t);
    this.pending = [];
  }

  private fixedBody(dir: Dir, s: Side, cl: string): void {
    if (!/^\d{1,15}$/.test(cl.trim())) {
      this.anomaly('http_bad_content_length', cl.slice(0, 40));
      s.msg!.truncated = true;
      this.finishMessage(dir);
      s.phase = 'done';
      return;
    }
    s.bodyLeft = Number(cl.trim());
    s.body.declared = s.body.len + s.bodyLeft;
    if (s.bodyLeft === 0) this.finishMessage(dir);
    else s.phase = 'body';
  }

  /** The current message of a side is complete (or cut short): its transaction may be complete too. */
  private finishMessage(dir: Dir): void {
    const s = this.sides[dir]!;
    const m = s.msg;
    if (m !== null) {
      m.bodyLen = s.body.total;
      m.body = s.body.take();
      this.budget.credit(m.body.length);
    }
    s.msg = null;
    s.headerBytes = 0;
    if (s.phase !== 'done') s.phase = 'line';
    if (dir === ORIG || m === null) return;
    const t = this.pending.shift();
    if (t === undefined) {
      this.anomaly('http_response_without_request', m.line.slice(0, 100));
      return;
    }
    const st = STATUS.exec(m.line);
    t.response = m;
    t.statusCode = st === null ? null : Number(st[2]);
    t.statusMsg = st === null ? null : (st[3] ?? '');
    t.endTs = this.o.session.last;
    this.o.emit(t);
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}

function newMessage(line: string): HttpMessage {
  return { line, headers: [], body: new Uint8Array(0), bodyLen: 0, missing: 0, truncated: false };
}

/** The last value of a header (names compared without case), or null. */
export function headerOf(m: HttpMessage, name: string): string | null {
  let v: string | null = null;
  for (const [n, x] of m.headers) if (n.toLowerCase() === name) v = x;
  return v;
}

// Proxy preludes before an application stream: SOCKS4 and SOCKS4a (the SOCKS 4 protocol note and its 4A
// extension), SOCKS5 (RFC 1928, username/password sub-negotiation RFC 1929) and HTTP CONNECT (RFC 9110 §9.3.6).
// One reader per stream consumer takes each side's prelude off (parsed by its framing, not searched for) and
// hands the rest on, so every analyzer (SMTP, HTTP, TLS, and the protocol probes; POP3/IMAP/FTP the same way)
// reads the tunnelled protocol from its first byte. A stream that does not open with a prelude costs one test
// of its first client byte; a prelude that breaks off or is refused leaves the analyzer nothing to read.
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';

/** Bytes of a side's prelude buffered while it is parsed (a SOCKS5 request is at most 262, a CONNECT block a few hundred). */
export const MAX_PRELUDE = 8 * 1024;

export type PreludeKind = 'socks4' | 'socks4a' | 'socks5' | 'http-connect';

/** What a prelude said, once the client's side of it was read. */
export interface Prelude {
  kind: PreludeKind;
  /** where the proxy was asked to connect: host:port ([v6]:port) */
  target: string;
}

/** The session field's text: "socks5 mail.example:25". */
export function preludeText(p: Prelude): string {
  return `${p.kind} ${p.target}`;
}

type SideState = 'prelude' | 'open' | 'closed';
/** How a stream opens: a prelude (SOCKS4 or 4a is known at its user id's end), or false for none. */
type Opening = PreludeKind | 'socks4?' | false;

/**
 * One side's prelude parser: gathers the side's bytes until its part of the prelude is complete, then says
 * where the tunnelled stream starts. Incremental: where the capture cut the stream into segments changes nothing.
 */
class Side {
  buf = new Uint8Array(64);
  len = 0;
  state: SideState = 'prelude';

  push(data: Uint8Array, start: number): void {
    const n = data.length - start;
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(data.subarray(start), this.len);
    this.len += n;
  }
}

/** The result of a parse attempt: the prelude needs more bytes (-1), is malformed (-2), or ends at this offset. */
const MORE = -1;
const BAD = -2;

/**
 * The prelude of one stream, both sides. `take` is given each delivery and returns the offset in it where the
 * tunnelled bytes start (data.length: all of it was prelude), or -1 when the side has nothing more to hand on.
 */
export class PreludeReader {
  /** null: the first client byte has not come; false: no prelude (everything passes) */
  private kind: Opening | null = null;
  private readonly sides = [new Side(), new Side()];
  private info: Prelude | null = null;
  /** SOCKS5: the method the server chose (username/password adds a sub-negotiation on both sides) */
  private socks5Methods: number[] = [];

  constructor(private readonly onPrelude?: (p: Prelude) => void) {}

  /** The prelude as the client stated it (null before, or without one). */
  get prelude(): Prelude | null {
    return this.info;
  }

  /** No prelude: the stream is the application's from its first byte. */
  get none(): boolean {
    return this.kind === false;
  }

  /** Nothing was delivered yet: the stream is taken as having no prelude. */
  decideNone(): void {
    if (this.kind === null) this.kind = false;
  }

  /** The side's prelude is over and its application bytes are handed on. */
  open(dir: Dir): boolean {
    return this.sides[dir]!.state === 'open';
  }

  /** Is this an HTTP CONNECT prelude (an HTTP analyzer reads those itself)? */
  get connect(): boolean {
    return this.kind === 'http-connect';
  }

  /**
   * Where the application's bytes start in this delivery: 0 without a prelude, data.length while the prelude
   * goes on, -1 when the side is closed (the prelude was refused or malformed: nothing of it is handed on).
   */
  take(dir: Dir, data: Uint8Array): number {
    if (this.kind === false) return 0;
    if (this.kind === null) {
      if (data.length === 0) return 0;
      // the client speaks first in every prelude: a server that speaks first (an SMTP greeting) means none
      this.kind = dir === ORIG ? firstKind(data) : false;
      if (this.kind === false) return 0;
    }
    const s = this.sides[dir]!;
    if (s.state === 'open') return 0;
    if (s.state === 'closed') return -1;
    const before = s.len;
    s.push(data, 0);
    const end = dir === ORIG ? this.client(s.buf, s.len) : this.server(s.buf, s.len);
    if (end === MORE) {
      if (s.len > MAX_PRELUDE) this.close();
      return this.sides[dir]!.state === 'closed' ? -1 : data.length;
    }
    if (end === BAD) {
      this.close();
      return -1;
    }
    s.state = 'open';
    s.buf = new Uint8Array(0);
    s.len = 0;
    return end - before;
  }

  /** The prelude failed (refused, malformed, too long): neither side hands anything on. */
  private close(): void {
    for (const s of this.sides) {
      s.state = 'closed';
      s.buf = new Uint8Array(0);
      s.len = 0;
    }
  }

  private found(kind: PreludeKind, target: string): void {
    if (this.info !== null) return;
    this.info = { kind, target };
    this.onPrelude?.(this.info);
  }

  /** The client's part: where it ends in b[0, n), MORE or BAD. */
  private client(b: Uint8Array, n: number): number {
    switch (this.kind) {
      case 'socks4?': {
        // VN=4, CD=1 (connect) or 2 (bind), DSTPORT(2), DSTIP(4), USERID, NUL [, HOST, NUL when DSTIP is 0.0.0.x]
        if (n < 9) return MORE;
        if (b[1] !== 1 && b[1] !== 2) return BAD;
        const user = b.indexOf(0, 8);
        if (user < 0 || user >= n) return n > 8 + 256 ? BAD : MORE;
        const port = (b[2]! << 8) | b[3]!;
        const a4 = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
        if (!a4) {
          this.kind = 'socks4';
          this.found('socks4', `${b[4]}.${b[5]}.${b[6]}.${b[7]}:${port}`);
          return user + 1;
        }
        const host = b.indexOf(0, user + 1);
        if (host < 0 || host >= n) return n - user > 256 ? BAD : MORE;
        this.kind = 'socks4a';
        this.found('socks4a', `${ascii(b, user + 1, host)}:${port}`);
        return host + 1;
      }
      case 'socks5': {
        // greeting: VER=5 NMETHODS METHODS...
        if (n < 2) return MORE;
        const nm = b[1]!;
        if (nm === 0) return BAD;
        let p = 2 + nm;
        if (n < p) return MORE;
        this.socks5Methods = Array.from(b.subarray(2, p));
        // username/password sub-negotiation (RFC 1929): VER=1 ULEN UNAME PLEN PASSWD, when offered
        if (n <= p) return MORE;
        if (b[p] === 1 && this.socks5Methods.includes(2)) {
          if (n < p + 2) return MORE;
          const ulen = b[p + 1]!;
          if (n < p + 3 + ulen) return MORE;
          const plen = b[p + 2 + ulen]!;
          p += 3 + ulen + plen;
          if (n <= p) return MORE;
        }
        // request: VER=5 CMD RSV=0 ATYP DST.ADDR DST.PORT
        if (b[p] !== 5) return BAD;
        const a = socks5Address(b, p + 3, n);
        if (a === MORE_ADDR) return MORE;
        if (a === null || b[p + 1]! < 1 || b[p + 1]! > 3) return BAD;
        this.found('socks5', a.text);
        return a.end;
      }
      case 'http-connect': {
        // the request line names the target as soon as it is complete (an HTTP analyzer decides on it)
        const nl = b.indexOf(0x0a);
        if (nl < 0 || nl >= n) return n > MAX_PRELUDE ? BAD : MORE;
        const m = /^CONNECT (\S+) HTTP\/\d\.\d$/i.exec(ascii(b, 0, nl > 0 && b[nl - 1] === 0x0d ? nl - 1 : nl));
        if (m === null) return BAD;
        this.found('http-connect', m[1]!);
        const end = headerEnd(b, n);
        return end === MORE && n > MAX_PRELUDE ? BAD : end;
      }
      case 'socks4':
      case 'socks4a':
      case false:
      case null:
        return BAD; // read already, or no prelude
    }
  }

  /** The server's part: where it ends in b[0, n), MORE or BAD (a refusal is BAD: nothing was tunnelled). */
  private server(b: Uint8Array, n: number): number {
    switch (this.kind) {
      case 'socks4?':
      case 'socks4':
      case 'socks4a':
        // VN=0 CD=90 (granted) DSTPORT DSTIP
        if (n < 8) return MORE;
        return b[0] === 0 && b[1] === 90 ? 8 : BAD;
      case 'socks5': {
        if (n < 2) return MORE;
        if (b[0] !== 5 || b[1] === 0xff) return BAD;
        let p = 2;
        if (b[1] === 2) {
          // the sub-negotiation's status: VER=1 STATUS=0 for success
          if (n < 4) return MORE;
          if (b[3] !== 0) return BAD;
          p = 4;
        } else if (b[1] !== 0) {
          return BAD; // GSSAPI and private methods encapsulate what follows: not readable
        }
        // reply: VER=5 REP RSV ATYP BND.ADDR BND.PORT
        if (n < p + 4) return MORE;
        if (b[p] !== 5 || b[p + 1] !== 0) return BAD;
        const a = socks5Address(b, p + 3, n);
        if (a === MORE_ADDR) return MORE;
        return a === null ? BAD : a.end;
      }
      case 'http-connect': {
        const end = headerEnd(b, n);
        if (end === MORE) return n > MAX_PRELUDE ? BAD : MORE;
        const nl = b.indexOf(0x0a);
        const m = /^HTTP\/\d\.\d (\d{3})/.exec(ascii(b, 0, nl < 0 ? 0 : nl));
        return m !== null && m[1]!.startsWith('2') ? end : BAD;
      }
      case false:
      case null:
        return BAD;
    }
  }
}

/** How a stream's first client byte opens: a prelude kind, or false. */
function firstKind(b: Uint8Array): Opening {
  const c = b[0]!;
  if (c === 4) return 'socks4?';
  if (c === 5) return 'socks5';
  if ((c === 0x43 || c === 0x63) && startsConnect(b)) return 'http-connect';
  return false;
}

/** "CONNECT " (case-insensitive) at the start, as far as the delivery goes (a one-byte segment "C" still counts). */
function startsConnect(b: Uint8Array): boolean {
  const w = 'CONNECT ';
  for (let i = 0; i < w.length && i < b.length; i++) {
    const c = b[i]! & (i < 7 ? 0xdf : 0xff);
    if (c !== w.charCodeAt(i)) return false;
  }
  return true;
}

const MORE_ADDR = 'more' as const;

/** A SOCKS5 ATYP + address + port at b[p]: its text and where it ends, MORE_ADDR, or null when malformed. */
function socks5Address(b: Uint8Array, p: number, n: number): { text: string; end: number } | typeof MORE_ADDR | null {
  if (n <= p) return MORE_ADDR;
  const atyp = b[p]!;
  let host: string;
  let q: number;
  if (atyp === 1) {
    q = p + 5;
    if (n < q + 2) return MORE_ADDR;
    host = `${b[p + 1]}.${b[p + 2]}.${b[p + 3]}.${b[p + 4]}`;
  } else if (atyp === 3) {
    if (n < p + 2) return MORE_ADDR;
    q = p + 2 + b[p + 1]!;
    if (n < q + 2) return MORE_ADDR;
    host = ascii(b, p + 2, q);
  } else if (atyp === 4) {
    q = p + 17;
    if (n < q + 2) return MORE_ADDR;
    const g: string[] = [];
    for (let i = 0; i < 8; i++) g.push(((b[p + 1 + 2 * i]! << 8) | b[p + 2 + 2 * i]!).toString(16));
    host = `[${g.join(':')}]`;
  } else {
    return null;
  }
  return { text: `${host}:${(b[q]! << 8) | b[q + 1]!}`, end: q + 2 };
}

/** Where a header block (lines up to an empty one, CRLF or LF) ends in b[0, n), or MORE. */
function headerEnd(b: Uint8Array, n: number): number {
  let p = 0;
  while (p < n) {
    const nl = b.indexOf(0x0a, p);
    if (nl < 0 || nl >= n) return MORE;
    const empty = nl === p || (nl === p + 1 && b[p] === 0x0d);
    if (empty && p > 0) return nl + 1;
    p = nl + 1;
  }
  return MORE;
}

/** Printable ASCII of b[start, end) (anything else as "?"), for names in the session record. */
function ascii(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < start + 255; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?';
  }
  return s;
}

export interface PreludeOptions {
  session: Session;
  /**
   * The analyzer reads HTTP CONNECT itself (the HTTP analyzer: a CONNECT is an HTTP transaction, and it
   * reads the tunnel after the 2xx as a new stream): only SOCKS preludes are taken off for it.
   */
  seesConnect?: boolean;
}

/**
 * A stream analyzer behind a proxy prelude: the analyzer is handed each side's bytes from where the prelude
 * ends (its stream offsets shift by the prelude's length), and the session's `proxy` names the prelude.
 * Without a prelude every delivery goes straight through.
 */
export class PreludeSkipper implements StreamAnalyzer {
  /** made on the first client byte that can open a prelude: a stream without one never has a reader */
  private reader: PreludeReader | null = null;
  /** decided on the first delivery (or gap): the stream has no prelude, every delivery goes straight through */
  private none = false;
  private readonly inner: StreamAnalyzer;
  private readonly session: Session;
  private readonly seesConnect: boolean;
  /** bytes of each side taken off as prelude (the inner analyzer's offsets start after them) */
  private readonly skipped = [0, 0];
  private closed = false;

  constructor(inner: StreamAnalyzer, o: PreludeOptions) {
    this.inner = inner;
    this.session = o.session;
    this.seesConnect = o.seesConnect === true;
  }

  get active(): boolean {
    return !this.closed && this.inner.active !== false;
  }

  /** The stream offset of the side's byte the inner analyzer sees at `inner` (its offsets start after the prelude). */
  outer(dir: Dir, inner: number): number {
    return inner + this.skipped[dir]!;
  }

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    if (this.none) {
      this.inner.deliver(dir, data, offset);
      return;
    }
    let r = this.reader;
    if (r === null) {
      if (data.length === 0) return;
      // the one check a stream without a prelude pays: the server speaks first, or the client's first byte
      // opens none (PreludeReader.take decides the same way)
      if (dir !== ORIG || firstKind(data) === false) {
        this.none = true;
        this.inner.deliver(dir, data, offset);
        return;
      }
      const s = this.session;
      r = this.reader = new PreludeReader((p) => {
        s.proxy ??= preludeText(p);
      });
    }
    const at = r.take(dir, data);
    if (r.none || (this.seesConnect && r.connect)) {
      // no prelude after all (or one the analyzer reads itself): the bytes go through as they are
      this.inner.deliver(dir, data, offset);
      return;
    }
    if (at < 0) {
      this.closed = true;
      return;
    }
    this.skipped[dir]! += at;
    if (at < data.length) this.inner.deliver(dir, data.subarray(at), offset + at - this.skipped[dir]!);
  }

  gap(dir: Dir, len: number, offset: number): void {
    const r = this.reader;
    // a hole before anything was read: whether a prelude came is unknown, so the stream is taken as it is
    if (r === null) this.none = true;
    if (this.none || r === null || (this.seesConnect && r.connect) || r.open(dir)) {
      this.inner.gap(dir, len, offset - this.skipped[dir]!);
      return;
    }
    // a hole in an unfinished prelude: where it ends is unknown, so nothing after it can be read
    this.closed = true;
  }

  end(dir: Dir): void {
    this.inner.end(dir);
  }
}

/**
 * The analyzer as every stream consumer attaches it: behind the prelude skipper (pass `seesConnect` for an
 * analyzer that reads HTTP CONNECT itself). The one entry point for analyzers added later (POP3, IMAP, FTP).
 */
export function preluded(analyzer: StreamAnalyzer, session: Session, seesConnect = false): PreludeSkipper {
  return new PreludeSkipper(analyzer, { session, seesConnect });
}

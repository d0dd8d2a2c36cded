// TLS ClientHello and ServerHello bodies (RFC 8446 §4.1.2-4.1.3, RFC 5246 §7.4.1): the fields fingerprints
// and records need. Pure syntax over one complete handshake message; malformation is reported, not thrown.
import { latin1 } from '../../core/latin1.js';

/** Record content types (RFC 8446 §5.1) and handshake message types (§4) the analyzers look at. */
export const CT_CHANGE_CIPHER_SPEC = 20;
export const CT_ALERT = 21;
export const CT_HANDSHAKE = 22;
export const CT_APPLICATION_DATA = 23;
export const HT_CLIENT_HELLO = 1;
export const HT_SERVER_HELLO = 2;
export const HT_CERTIFICATE = 11;
export const HT_SERVER_HELLO_DONE = 14;

export const EXT_SERVER_NAME = 0x0000;
export const EXT_SUPPORTED_GROUPS = 0x000a;
export const EXT_EC_POINT_FORMATS = 0x000b;
export const EXT_SIGNATURE_ALGORITHMS = 0x000d;
export const EXT_ALPN = 0x0010;
export const EXT_SUPPORTED_VERSIONS = 0x002b;

/** RFC 8701 GREASE values: 0x?a?a with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

export interface ClientHello {
  legacyVersion: number;
  sessionIdLen: number;
  ciphers: number[];
  /** extension types in wire order */
  extensions: number[];
  sni: string | null;
  alpn: string[];
  /** raw bytes of the first ALPN protocol (JA4 looks at its first and last byte) */
  alpnFirst: Uint8Array | null;
  supportedVersions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
}

export interface ServerHello {
  legacyVersion: number;
  cipher: number;
  extensions: number[];
  /** the version chosen in supported_versions (TLS 1.3), else null */
  selectedVersion: number | null;
  alpn: string | null;
  /** a HelloRetryRequest (RFC 8446 §4.1.3: the special random) */
  retry: boolean;
}

/** What went wrong, if anything; parsing keeps what it could read. */
export interface ParseProblem {
  anomaly: string | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** SHA-256("HelloRetryRequest"), the ServerHello.random of a HelloRetryRequest. */
const HRR_RANDOM = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/** Reads big-endian integers and lengths inside [pos, end); every overrun sets `bad` and reads as 0. */
class Reader {
  pos: number;
  bad = false;
  constructor(readonly b: Uint8Array, pos: number, readonly end: number) {
    this.pos = pos;
  }
  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.b[this.pos++]!;
  }
  u16(): number {
    if (this.pos + 2 > this.end) return this.fail();
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  skip(n: number): boolean {
    if (this.pos + n > this.end) {
      this.fail();
      return false;
    }
    this.pos += n;
    return true;
  }
  private fail(): number {
    this.bad = true;
    this.pos = this.end;
    return 0;
  }
}

function u16List(b: Uint8Array, start: number, end: number): number[] {
  // sized once: pushing grew the array several times per list (cipher suites: ~16-40), garbage per hello
  const out = new Array<number>(Math.max(0, (end - start) >> 1));
  for (let p = start, i = 0; p + 1 < end; p += 2) out[i++] = (b[p]! << 8) | b[p + 1]!;
  return out;
}

/**
 * Walks an extensions block (u16 length, then (u16 type, u16 length, data)*) from r.pos: returns the types in
 * wire order and hands each complete extension's data range to `each`. A truncated block or extension is
 * reported; its type still counts (fingerprints see what was offered).
 */
function extensions(r: Reader, end: number, problem: ParseProblem, each: (type: number, start: number, end: number) => void): number[] {
  const types: number[] = [];
  const extLen = r.u16();
  const extEnd = Math.min(end, r.pos + extLen);
  if (r.pos + extLen > end) problem.anomaly = 'tls_extensions_truncated';
  while (r.pos + 4 <= extEnd) {
    const type = r.u16();
    const len = r.u16();
    const s = r.pos;
    types.push(type);
    if (s + len > extEnd) {
      problem.anomaly = 'tls_extension_truncated';
      break;
    }
    each(type, s, s + len);
    r.pos = s + len;
  }
  return types;
}

/**
 * Parses a ClientHello body b[off, end) (after the 4-byte handshake header).
 * @param b valid only for the duration of the call (everything returned is copied)
 */
export function parseClientHello(b: Uint8Array, off: number, end: number, problem: ParseProblem, dtls = false): ClientHello {
  const r = new Reader(b, off, end);
  const ch: ClientHello = {
    legacyVersion: r.u16(), sessionIdLen: 0, ciphers: [], extensions: [], sni: null, alpn: [], alpnFirst: null,
    supportedVersions: [], groups: [], pointFormats: [], sigAlgs: [],
  };
  r.skip(32); // random
  ch.sessionIdLen = r.u8();
  r.skip(ch.sessionIdLen);
  if (dtls) r.skip(r.u8()); // DTLS cookie (RFC 6347 §4.2.1)
  const cs = r.u16();
  const csStart = r.pos;
  if (r.skip(cs)) ch.ciphers = u16List(b, csStart, csStart + cs);
  const comp = r.u8();
  r.skip(comp);
  if (r.bad) {
    problem.anomaly = 'tls_client_hello_truncated';
    return ch;
  }
  if (r.pos === end) return ch; // no extensions (SSLv3-style hello)
  ch.extensions = extensions(r, end, problem, (type, s, e) => parseClientExtension(ch, type, b, s, e, problem));
  return ch;
}

function parseClientExtension(ch: ClientHello, type: number, b: Uint8Array, s: number, e: number, problem: ParseProblem): void {
  switch (type) {
    case EXT_SERVER_NAME: {
      // server_name_list: u16 length, then (u8 type, u16 length, name)*; host_name is type 0
      let p = s + 2;
      while (p + 3 <= e) {
        const nt = b[p]!;
        const nl = (b[p + 1]! << 8) | b[p + 2]!;
        if (p + 3 + nl > e) {
          problem.anomaly = 'tls_sni_truncated';
          break;
        }
        if (nt === 0 && ch.sni === null) ch.sni = utf8.decode(b.subarray(p + 3, p + 3 + nl));
        p += 3 + nl;
      }
      return;
    }
    case EXT_ALPN: {
      let p = s + 2;
      while (p + 1 <= e) {
        const l = b[p]!;
        if (p + 1 + l > e) {
          problem.anomaly = 'tls_alpn_truncated';
          break;
        }
        const v = b.subarray(p + 1, p + 1 + l);
        if (ch.alpnFirst === null) ch.alpnFirst = v.slice();
        ch.alpn.push(latin1(v));
        p += 1 + l;
      }
      return;
    }
    case EXT_SUPPORTED_VERSIONS:
      if (e > s) ch.supportedVersions = u16List(b, s + 1, Math.min(e, s + 1 + b[s]!));
      return;
    case EXT_SUPPORTED_GROUPS:
      if (e - s >= 2) ch.groups = u16List(b, s + 2, Math.min(e, s + 2 + ((b[s]! << 8) | b[s + 1]!)));
      return;
    case EXT_EC_POINT_FORMATS:
      if (e > s) ch.pointFormats = Array.from(b.subarray(s + 1, Math.min(e, s + 1 + b[s]!)));
      return;
    case EXT_SIGNATURE_ALGORITHMS:
      if (e - s >= 2) ch.sigAlgs = u16List(b, s + 2, Math.min(e, s + 2 + ((b[s]! << 8) | b[s + 1]!)));
      return;
    default:
      return;
  }
}

/** Parses a ServerHello body b[off, end). */
export function parseServerHello(b: Uint8Array, off: number, end: number, problem: ParseProblem): ServerHello {
  const r = new Reader(b, off, end);
  const sh: ServerHello = { legacyVersion: r.u16(), cipher: 0, extensions: [], selectedVersion: null, alpn: null, retry: false };
  if (r.pos + 32 <= end) sh.retry = HRR_RANDOM.every((x, i) => b[r.pos + i] === x);
  r.skip(32);
  // TLS 1.3 drafts (0x7fNN, and 0x0304 itself before draft 16, whose ServerHello had no supported_versions)
  // had no legacy_session_id_echo and no compression method in the ServerHello
  const draft = sh.legacyVersion >> 8 === 0x7f || sh.legacyVersion === 0x0304;
  if (!draft) r.skip(r.u8());
  sh.cipher = r.u16();
  if (!draft) r.u8(); // compression method
  if (r.bad) {
    problem.anomaly = 'tls_server_hello_truncated';
    return sh;
  }
  if (r.pos === end) return sh;
  sh.extensions = extensions(r, end, problem, (type, s, e) => {
    if (type === EXT_SUPPORTED_VERSIONS && e - s >= 2) sh.selectedVersion = (b[s]! << 8) | b[s + 1]!;
    if (type === EXT_ALPN && e - s >= 3) {
      const l = b[s + 2]!;
      if (s + 3 + l <= e) sh.alpn = latin1(b, s + 3, s + 3 + l);
    }
  });
  return sh;
}

/**
 * The first certificate (the server's own) of a TLS <= 1.2 Certificate message body: certificate_list
 * u24 length, then (u24 length, DER)*. Returns a view into b, or null when it does not fit. With `partial`, b
 * may hold just the start of the message (a long chain is not buffered whole).
 */
export function firstCertificate(b: Uint8Array, off: number, end: number, partial = false): Uint8Array | null {
  if (end - off < 6) return null;
  const listLen = (b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!;
  const len = (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!;
  // partial: only the start of a (long) message is here; the list may go on past `end`
  if ((!partial && off + 3 + listLen > end) || len === 0 || 3 + len > listLen || off + 6 + len > end) return null;
  return b.subarray(off + 6, off + 6 + len);
}

/**
 * Every certificate of a Certificate message body (TLS <= 1.2: a 3-byte list length, then 3-byte length +
 * DER each), as far as [off, end) holds them (a long chain's start is enough for its first ones).
 */
export function certificateList(b: Uint8Array, off: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (end - off < 3) return out;
  const listEnd = Math.min(end, off + 3 + ((b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!));
  let p = off + 3;
  while (listEnd - p >= 3) {
    const len = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
    if (len === 0 || p + 3 + len > listEnd) break;
    out.push(b.subarray(p + 3, p + 3 + len));
    p += 3 + len;
  }
  return out;
}

/**
 * An SSLv2-compatible ClientHello (RFC 5246 Appendix E.2) body after its 2-byte record header:
 * msg_type 1, version, cipher_spec/session_id/challenge lengths, then 3-byte cipher specs. Specs whose first
 * byte is 0 are TLS cipher suites; the others are SSLv2 kinds and are kept as 24-bit values.
 */
export function parseSslv2ClientHello(b: Uint8Array, off: number, end: number, problem: ParseProblem): ClientHello | null {
  if (end - off < 9 || b[off] !== 1) return null;
  const version = (b[off + 1]! << 8) | b[off + 2]!;
  const csLen = (b[off + 3]! << 8) | b[off + 4]!;
  const sidLen = (b[off + 5]! << 8) | b[off + 6]!;
  const chLen = (b[off + 7]! << 8) | b[off + 8]!;
  const ch: ClientHello = {
    legacyVersion: version, sessionIdLen: sidLen, ciphers: [], extensions: [], sni: null, alpn: [], alpnFirst: null,
    supportedVersions: [], groups: [], pointFormats: [], sigAlgs: [],
  };
  const cs = off + 9;
  if (csLen % 3 !== 0 || cs + csLen + sidLen + chLen > end) problem.anomaly = 'tls_sslv2_client_hello_truncated';
  for (let p = cs; p + 3 <= Math.min(end, cs + csLen); p += 3) {
    ch.ciphers.push((b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!);
  }
  return ch;
}

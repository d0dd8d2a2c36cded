// JA3 / JA3S (Salesforce, BSD-3) and JA4 (FoxIO, BSD-3; JA4+ others are under the FoxIO licence and not here).
import { md5 } from '../../core/md5.js';
import { hex } from '../../core/sha1.js';
import { sha256 } from '../../core/sha256.js';
import { EXT_ALPN, EXT_SERVER_NAME, isGrease, type ClientHello, type ServerHello } from './hello.js';

const enc = new TextEncoder();

/**
 * Hash results by input string. Clients repeat themselves (a capture holds a handful of distinct hellos per
 * client build), so most fingerprints are found here instead of hashed again. Bounded: cleared when full.
 */
/** Inputs longer than this are hashed without being remembered (the caches stay small: 4096 x 4 KB at most). */
const MAX_CACHED_INPUT = 4096;

export class HashCache {
  /**
   * @param wanted false when nothing in the run prints or reads JA3, JA4 or JA3S (a verb's --fields and
   *   --filter): fingerprints() then gives empty texts without formatting or hashing anything
   */
  constructor(readonly wanted = true) {}

  private readonly md5s = new Map<string, string>();
  private readonly sha12s = new Map<string, string>();
  /** whole fingerprints by the fields they are made of (see fingerprints()) */
  readonly hellos = new Map<string, Fingerprints>();
  static readonly MAX = 4096;

  md5(s: string): string {
    if (s.length > MAX_CACHED_INPUT) return hex(md5(enc.encode(s)));
    let h = this.md5s.get(s);
    if (h === undefined) {
      if (this.md5s.size >= HashCache.MAX) this.md5s.clear();
      this.md5s.set(s, (h = hex(md5(enc.encode(s)))));
    }
    return h;
  }

  /** first 12 hex digits of SHA-256; "000000000000" for the empty string (JA4) */
  sha12(s: string): string {
    if (s === '') return '000000000000';
    if (s.length > MAX_CACHED_INPUT) return hex(sha256(enc.encode(s))).slice(0, 12);
    let h = this.sha12s.get(s);
    if (h === undefined) {
      if (this.sha12s.size >= HashCache.MAX) this.sha12s.clear();
      this.sha12s.set(s, (h = hex(sha256(enc.encode(s))).slice(0, 12)));
    }
    return h;
  }
}

/** The fingerprints of a run that wants none (HashCache.wanted): nothing prints or reads them. */
const UNWANTED: Fingerprints = Object.freeze({ ja3: '', ja3String: '', ja4: '', ja4R: '' });

const dec = (list: readonly number[]): string => list.filter((v) => !isGrease(v)).join('-');

export interface Fingerprints {
  ja3: string;
  ja3String: string;
  ja4: string;
  ja4R: string;
}

/**
 * JA3 and JA4 of a ClientHello, remembered by the hello's fingerprinted fields: a capture repeats a handful of
 * client builds thousands of times, so the lists are formatted, sorted and hashed once per build.
 */
export function fingerprints(ch: ClientHello, transport: 't' | 'q' | 'd', cache: HashCache): Fingerprints {
  if (!cache.wanted) return UNWANTED;
  const key = helloKey(ch, transport);
  let fp = key === null ? undefined : cache.hellos.get(key);
  if (fp === undefined) {
    const j3 = ja3(ch, cache);
    const j4 = ja4(ch, transport, cache);
    fp = { ja3: j3.ja3, ja3String: j3.ja3String, ja4: j4.ja4, ja4R: j4.ja4R };
    if (key !== null) {
      if (cache.hellos.size >= HashCache.MAX) cache.hellos.clear();
      cache.hellos.set(key, fp);
    }
  }
  return fp;
}

/**
 * The fingerprinted fields as one string: each list with its length in front, 16-bit values as characters.
 * null (not cached) for hellos too big to repeat, or with 24-bit SSLv2 cipher specs.
 */
function helloKey(ch: ClientHello, transport: string): string | null {
  const lists = [ch.ciphers, ch.extensions, ch.groups, ch.pointFormats, ch.sigAlgs, ch.supportedVersions];
  let n = 0;
  for (const l of lists) n += l.length;
  if (n > MAX_KEYED_VALUES || ch.ciphers.some((v) => v > 0xffff)) return null;
  let key = `${transport}${ch.legacyVersion}`;
  for (const l of lists) key += `|${l.length}:${String.fromCharCode(...l)}`;
  return `${key}|${ch.alpnFirst === null ? 'N' : `A${ch.alpnFirst.length}:${String.fromCharCode(...ch.alpnFirst)}`}`;
}

/** Hellos with more list values than this are fingerprinted without the cache (they do not repeat). */
const MAX_KEYED_VALUES = 512;

/** JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats in decimal, GREASE removed. */
export function ja3(ch: ClientHello, cache: HashCache): { ja3: string; ja3String: string } {
  const s = `${ch.legacyVersion},${dec(ch.ciphers)},${dec(ch.extensions)},${dec(ch.groups)},${ch.pointFormats.join('-')}`;
  return { ja3: cache.md5(s), ja3String: s };
}

/** JA3S: SSLVersion,Cipher,Extensions of the ServerHello. */
export function ja3s(sh: ServerHello, cache: HashCache): string {
  return cache.md5(`${sh.legacyVersion},${sh.cipher},${dec(sh.extensions)}`);
}

const JA4_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'], [0x0303, '12'], [0x0302, '11'], [0x0301, '10'], [0x0300, 's3'], [0x0002, 's2'],
  [0xfeff, 'd1'], [0xfefd, 'd2'], [0xfefc, 'd3'],
]);

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const count2 = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
const alnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * The two ALPN characters: first and last of the first protocol; "99" when either is not alphanumeric, as
 * FoxIO's reference implementations (ja4.py and the rust CLI at the corpus commit) both print for
 * tls-non-ascii-alpn.pcapng. (Later spec text prints the hex form's first and last digit instead.)
 */
function alpnChars(first: Uint8Array | null): string {
  if (first === null || first.length === 0) return '00';
  const a = first[0]!;
  const z = first[first.length - 1]!;
  if (alnum(a) && alnum(z)) return String.fromCharCode(a) + String.fromCharCode(z);
  return '99';
}

/**
 * JA4 (FoxIO JA4 spec): protocol, version (highest supported_versions, else the legacy version), SNI d/i,
 * cipher and extension counts (capped at 99), ALPN first/last character; sorted cipher hash; sorted
 * extension hash without SNI and ALPN, followed by the signature algorithms in wire order.
 */
export function ja4(ch: ClientHello, transport: 't' | 'q' | 'd', cache: HashCache): { ja4: string; ja4R: string } {
  const versions = ch.supportedVersions.filter((v) => !isGrease(v));
  const version = versions.length > 0 ? Math.max(...versions) : ch.legacyVersion;
  const ciphers = ch.ciphers.filter((v) => !isGrease(v));
  const exts = ch.extensions.filter((v) => !isGrease(v));
  const a = `${transport}${JA4_VERSIONS.get(version) ?? '00'}${ch.extensions.includes(EXT_SERVER_NAME) ? 'd' : 'i'}` +
    `${count2(ciphers.length)}${count2(exts.length)}${alpnChars(ch.alpnFirst)}`;
  const sortedCiphers = ciphers.map(hex4).sort().join(',');
  const sortedExts = exts.filter((v) => v !== EXT_SERVER_NAME && v !== EXT_ALPN).map(hex4).sort().join(',');
  const sigs = ch.sigAlgs.filter((v) => !isGrease(v)).map(hex4).join(',');
  const c = sigs === '' ? sortedExts : `${sortedExts}_${sigs}`;
  return {
    ja4: `${a}_${cache.sha12(sortedCiphers)}_${sortedExts === '' && sigs === '' ? '000000000000' : cache.sha12(c)}`,
    ja4R: `${a}_${sortedCiphers}_${c}`,
  };
}

const NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, 'SSLv2'], [0x0300, 'SSLv3'], [0x0301, 'TLSv10'], [0x0302, 'TLSv11'], [0x0303, 'TLSv12'],
  [0x0304, 'TLSv13'], [0xfeff, 'DTLSv10'], [0xfefd, 'DTLSv12'], [0xfefc, 'DTLSv13'],
]);

/** Version names as Zeek's ssl.log writes them; drafts and unknown values in hex. */
export function versionName(v: number): string {
  return NAMES.get(v) ?? (v >> 8 === 0x7f ? `TLSv13-draft${v & 0xff}` : `0x${hex4(v)}`);
}

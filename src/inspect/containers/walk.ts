// The container walk: one object's bytes (an HTTP body after content coding, a decoded MIME part, an FTP file) to
// the leaves a detector should read (through zip, OOXML, tar, gzip, PDF), each with its decode path (`smtp › 1.2 › base64 › zip:report.xlsx ›
// xl/sharedStrings.xml`), plus what could not be inspected (encrypted, unsupported, cut by a limit) and the
// anomalies met. The format is found by magic, never by the label (labels lie). Every step is bounded
// (limits.ts); hostile input is reported, never thrown.
import { cfbNames, isEncryptedOoxml, isCfb } from './cfb.js';
import { readGzipHeader, gzipTrailerSize, isGzip } from './gzip.js';
import { boundedInflate, type InflateRaw, type InflateResult } from './inflate.js';
import { containerLimits, LIMIT_ANOMALY, MAX_CFB_DIRECTORY_SECTORS, type ContainerLimits } from './limits.js';
import { unsupportedArchive } from './magic.js';
import { isPdf, pdfEncryption, pdfText } from './pdf.js';
import { isTar, readTar } from './tar.js';
import { textShape } from './text.js';
import { appendedZipStart, isZip, readZip, type ZipEntry } from './zip.js';

/** Joins decode-path segments. */
export const PATH_SEPARATOR = ' › ';

/** One piece of content to inspect. */
export interface Leaf {
  /** the decode path: the base path, then one segment per container and entry */
  readonly path: string;
  /** the leaf as extracted (a view into the object for stored entries); leafText() gives what to scan */
  readonly bytes: Uint8Array;
  /** text (8-bit/UTF-8 or UTF-16), xml (scan its text), binary (scan raw) */
  readonly kind: 'text' | 'xml' | 'binary';
  /** the entry's name in its archive (or the object's file name, a gzip member's FNAME), or null */
  readonly name: string | null;
  /** UTF-16 text (leafText transcodes it), or null */
  readonly utf16: 'le' | 'be' | null;
}

/** Why content could not be inspected. */
export type UninspectableReason =
  | 'zip_encrypted' | 'pdf_encrypted' | 'ooxml_encrypted' | 'unsupported_compression' | 'unsupported_archive' | 'limit';

/** Content that could not be inspected: itself a finding. */
export interface Uninspectable {
  readonly path: string;
  readonly reason: UninspectableReason;
  readonly detail: string;
}

/** An anomaly (snake_case, `inspect_`-prefixed) and its detail, which names the decode path. */
export interface WalkAnomaly {
  readonly name: string;
  readonly detail: string;
}

export interface WalkResult {
  readonly leaves: Leaf[];
  readonly uninspectable: Uninspectable[];
  readonly anomalies: WalkAnomaly[];
  /** bytes inflated, failed inflations counted at their bound (what MAX_TOTAL_BYTES is held against) */
  readonly expandedBytes: number;
  /** containers opened (zip, tar, gzip, PDF text) */
  readonly containers: number;
}

/** What the caller knows of the object: its labels (the walk goes by content; labels only name things). */
export interface ObjectLabel {
  readonly filename: string | null;
  readonly declaredType: string | null;
}

export interface WalkOptions {
  /** raw DEFLATE with an output bound (the pipeline passes node:zlib's inflateRawSync behind this contract) */
  readonly inflateRaw: InflateRaw;
  /** the bounds; defaults are limits.ts's constants */
  readonly limits?: Partial<ContainerLimits>;
}

/**
 * Anomalies of one name kept per walk, and uninspectable findings of one limit (the rest counted in one last
 * line): a 10,000-entry archive of bad entries says what is wrong in a few lines.
 */
export const MAX_ANOMALIES_PER_NAME = 16;
/** Characters of a path segment (an entry name may be 64 KiB): enough for any real name. */
const MAX_SEGMENT = 256;
/** Entry names listed in an uninspectable finding's detail. */
const MAX_NAMES_LISTED = 5;

/** OOXML parts that hold formatting only (styles, themes, fonts, settings, layouts): not read. */
const OOXML_FORMATTING = /^(?:\[Content_Types\]\.xml|(?:word|xl|ppt)\/(?:styles|stylesWithEffects|fontTable|settings|webSettings|numbering|calcChain|presProps|viewProps|tableStyles)\.xml|(?:word|xl|ppt)\/(?:theme|printerSettings)\/|ppt\/(?:slideLayouts|slideMasters|handoutMasters|notesMasters)\/|docProps\/thumbnail\.)/;
/** An entry name that would escape an extraction directory (absolute, a drive, a ".." segment). */
const UNSAFE_NAME = /^(?:[\\/]|[A-Za-z]:)|(?:^|[\\/])\.\.(?:[\\/]|$)/;

const METHODS: Readonly<Record<number, string>> = {
  1: 'shrink', 2: 'reduce', 3: 'reduce', 4: 'reduce', 5: 'reduce', 6: 'implode', 9: 'deflate64', 10: 'PKWARE implode',
  12: 'bzip2', 14: 'lzma', 18: 'IBM TERSE', 19: 'IBM LZ77', 93: 'zstd', 94: 'mp3', 95: 'xz', 96: 'jpeg', 97: 'WavPack', 98: 'PPMd',
};

/** A name as a path segment: control characters and the separator's '›' replaced, long names cut. */
export function segment(name: string): string {
  // eslint-disable-next-line no-control-regex
  const s = name.replace(/[\u0000-\u001f\u007f]/g, '?').replace(/›/g, '>');
  return s.length > MAX_SEGMENT ? `${s.slice(0, MAX_SEGMENT - 1)}…` : s;
}

function join(path: string, seg: string): string {
  return path === '' ? seg : `${path}${PATH_SEPARATOR}${seg}`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_LISTED).map(segment).join(', ');
  return names.length > MAX_NAMES_LISTED ? `${shown}, … (${names.length - MAX_NAMES_LISTED} more)` : shown;
}

/** The gzip member's name when it has no FNAME: the object's name less its .gz (a .tgz is a .tar). */
function gunzippedName(name: string | null): string | null {
  if (name === null) return null;
  if (/\.tgz$/i.test(name)) return name.slice(0, -4) + '.tar';
  const m = /^(.+)(?:\.gz|\.gzip|\.z|-gz)$/i.exec(name);
  return m === null ? null : m[1]!;
}

class Walk {
  readonly leaves: Leaf[] = [];
  readonly uninspectable: Uninspectable[] = [];
  readonly anomalies: WalkAnomaly[] = [];
  expanded = 0;
  containers = 0;
  private readonly counts = new Map<string, number>();

  constructor(readonly lim: ContainerLimits, readonly inflate: InflateRaw) {}

  problem(name: string, detail: string): void {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    if (n <= MAX_ANOMALIES_PER_NAME) this.anomalies.push({ name, detail });
  }

  /** A limit hit: an anomaly and, since the content named is not inspected, an uninspectable finding. */
  limit(which: keyof typeof LIMIT_ANOMALY, path: string, detail: string): void {
    const name = LIMIT_ANOMALY[which];
    this.problem(name, `${path}: ${detail}`);
    if (this.counts.get(name)! <= MAX_ANOMALIES_PER_NAME) this.uninspectable.push({ path, reason: 'limit', detail: `${name}: ${detail}` });
  }

  finish(basePath: string): WalkResult {
    const limits = new Set<string>(Object.values(LIMIT_ANOMALY));
    for (const [name, n] of this.counts) {
      if (n <= MAX_ANOMALIES_PER_NAME) continue;
      const detail = `${n - MAX_ANOMALIES_PER_NAME} more like the above in this object`;
      this.anomalies.push({ name, detail });
      if (limits.has(name)) this.uninspectable.push({ path: basePath, reason: 'limit', detail: `${name}: ${detail}` });
    }
    return { leaves: this.leaves, uninspectable: this.uninspectable, anomalies: this.anomalies, expandedBytes: this.expanded, containers: this.containers };
  }

  /** May a container be opened at this depth? Counts it when so. */
  open(path: string, depth: number): boolean {
    if (depth >= this.lim.maxDepth) {
      this.limit('depth', path, `nested deeper than ${this.lim.maxDepth} containers: not opened`);
      return false;
    }
    if (this.containers >= this.lim.maxContainers) {
      this.limit('containers', path, `more than ${this.lim.maxContainers} containers in this object: not opened`);
      return false;
    }
    this.containers++;
    return true;
  }

  /**
   * Inflates `data` under the bounds: the declared size (when known, -1 otherwise) is checked first, then the
   * output is held to the smallest of the entry, total and ratio bounds. Null when nothing came out.
   */
  expand(data: Uint8Array, declared: number, path: string): Extract<InflateResult, { ok: true }> | null {
    const lim = this.lim;
    const totalLeft = lim.maxTotalBytes - this.expanded;
    if (declared > lim.maxEntryBytes) {
      this.limit('entryBytes', path, `declares ${declared} bytes expanded, over ${lim.maxEntryBytes}: not inflated`);
      return null;
    }
    if (declared > lim.ratioFloorBytes && declared > data.length * lim.maxRatio) {
      this.limit('ratio', path, `declares ${declared} bytes from ${data.length} (ratio over ${lim.maxRatio}): not inflated`);
      return null;
    }
    if (declared > totalLeft || totalLeft <= 0) {
      this.limit('totalBytes', path, `the object's ${lim.maxTotalBytes} expanded bytes are spent: not inflated`);
      return null;
    }
    const ratioCap = Math.max(lim.ratioFloorBytes, data.length * lim.maxRatio);
    const maxOut = Math.min(lim.maxEntryBytes, totalLeft, ratioCap);
    const r = boundedInflate(this.inflate, data, maxOut);
    if (!r.ok) {
      if (r.error === 'corrupt') {
        this.problem('inspect_inflate_failed', `${path}: ${r.detail}`);
        return null;
      }
      // the work a failed inflation did is charged at its bound
      this.expanded += maxOut;
      if (maxOut === lim.maxEntryBytes) this.limit('entryBytes', path, `expands past ${maxOut} bytes: not inspected`);
      else if (maxOut === ratioCap) this.limit('ratio', path, `expands past ${maxOut} bytes from ${data.length} (ratio over ${lim.maxRatio}): not inspected`);
      else this.limit('totalBytes', path, `expands past the ${totalLeft} bytes left of the object's ${lim.maxTotalBytes}: not inspected`);
      return null;
    }
    this.expanded += r.bytes.length;
    return r;
  }

  /**
   * One object or entry: a container is opened, anything else is a leaf. `top`: the bytes are the object itself
   * (or a gzip's content), so a leaf's path is `parent` with no segment of its own.
   */
  node(b: Uint8Array, name: string | null, parent: string, top: boolean, depth: number): void {
    const leafPath = top ? parent : join(parent, segment(name ?? '?'));
    if (isZip(b)) {
      const path = join(parent, `zip:${segment(name ?? '')}`);
      if (this.open(path, depth)) this.zip(b, path, depth);
      return;
    }
    if (isGzip(b)) {
      const path = join(parent, `gzip:${segment(name ?? '')}`);
      if (this.open(path, depth)) this.gzip(b, name, path, depth);
      return;
    }
    if (isTar(b)) {
      const path = join(parent, `tar:${segment(name ?? '')}`);
      if (this.open(path, depth)) this.tar(b, path, depth);
      return;
    }
    if (isCfb(b)) {
      const listing = cfbNames(b, MAX_CFB_DIRECTORY_SECTORS);
      if (listing.problem !== null) this.problem('inspect_cfb_malformed', `${leafPath}: ${listing.problem}`);
      if (isEncryptedOoxml(listing.names)) {
        this.uninspectable.push({ path: leafPath, reason: 'ooxml_encrypted', detail: 'an encrypted Office document (CFB with EncryptionInfo and EncryptedPackage streams)' });
        return;
      }
      this.leaf(b, name, leafPath);
      return;
    }
    if (isPdf(b)) {
      this.pdf(b, name, parent, leafPath, depth);
      return;
    }
    const archive = unsupportedArchive(b);
    if (archive !== null) {
      this.uninspectable.push({ path: leafPath, reason: 'unsupported_archive', detail: `a ${archive} archive (not opened)` });
      return;
    }
    this.leaf(b, name, leafPath);
    const z = appendedZipStart(b);
    if (z > 0) {
      const path = join(parent, `zip:${segment(name ?? '')}@${z}`);
      this.problem('inspect_zip_appended', `${leafPath}: a zip archive starts at offset ${z}, after other content`);
      if (this.open(path, depth)) this.zip(b.subarray(z), path, depth);
    }
  }

  leaf(b: Uint8Array, name: string | null, path: string): void {
    if (b.length === 0) return;
    const s = textShape(b, name);
    this.leaves.push({ path, bytes: b, kind: s.kind, name, utf16: s.utf16 });
  }

  zip(b: Uint8Array, path: string, depth: number): void {
    const listing = readZip(b, this.lim.maxEntries);
    for (const p of listing.problems) this.problem(p.name, `${path}: ${p.detail}`);
    if (listing.entries.length >= this.lim.maxEntries && listing.declaredEntries > listing.entries.length) {
      this.limit('entries', path, `${listing.declaredEntries} entries declared, the first ${listing.entries.length} read`);
    }
    const ooxml = listing.entries.some((e) => e.name === '[Content_Types].xml');
    const encrypted: ZipEntry[] = [];
    const unsupported: ZipEntry[] = [];
    for (const e of listing.entries) {
      if (e.overlaps || e.dataStart < 0) continue;
      if (e.name.endsWith('/') && e.size <= 0) continue;
      const epath = join(path, segment(e.name));
      if (UNSAFE_NAME.test(e.name)) this.problem('inspect_zip_unsafe_name', `${epath}: the name escapes an extraction directory (kept as path text only)`);
      if (e.encrypted) {
        encrypted.push(e);
        continue;
      }
      if (ooxml && OOXML_FORMATTING.test(e.name)) continue;
      if (e.method !== 0 && e.method !== 8) {
        unsupported.push(e);
        continue;
      }
      let end = e.compressedSize < 0 ? b.length : e.dataStart + e.compressedSize;
      if (end > b.length) {
        this.problem('inspect_zip_truncated', `${epath}: ${end - b.length} of its ${e.compressedSize} bytes are missing`);
        end = b.length;
      }
      const data = b.subarray(e.dataStart, end);
      let content: Uint8Array;
      if (e.method === 0) {
        content = data;
      } else {
        const r = this.expand(data, e.size, epath);
        if (r === null) continue;
        if (!r.complete) this.problem('inspect_zip_truncated', `${epath}: its deflate data ends early (${r.bytes.length} bytes kept)`);
        content = r.bytes;
      }
      if (e.size >= 0 && content.length !== e.size && (e.method !== 0 || e.compressedSize >= 0)) {
        this.problem('inspect_zip_size_mismatch', `${epath}: ${content.length} bytes where ${e.size} are declared`);
      }
      this.node(content, e.name, path, false, depth + 1);
    }
    if (encrypted.length > 0) {
      const how = encrypted.some((e) => e.method === 99) ? (encrypted.every((e) => e.method === 99) ? 'AES' : 'AES and ZipCrypto') : 'ZipCrypto or strong encryption';
      this.uninspectable.push({ path, reason: 'zip_encrypted', detail: `${encrypted.length} of ${listing.entries.length} entries encrypted (${how}): ${listed(encrypted.map((e) => e.name))}` });
    }
    if (unsupported.length > 0) {
      const methods = [...new Set(unsupported.map((e) => METHODS[e.method] ?? `method ${e.method}`))].join(', ');
      this.uninspectable.push({ path, reason: 'unsupported_compression', detail: `${unsupported.length} entries compressed with ${methods}: ${listed(unsupported.map((e) => e.name))}` });
    }
  }

  tar(b: Uint8Array, path: string, depth: number): void {
    const t = readTar(b, this.lim.maxEntries);
    if (t.problem !== null) this.problem('inspect_tar_truncated', `${path}: ${t.problem}`);
    if (t.more) this.limit('entries', path, `more than ${this.lim.maxEntries} files: the rest are not read`);
    for (const e of t.entries) {
      const epath = join(path, segment(e.name));
      if (UNSAFE_NAME.test(e.name)) this.problem('inspect_tar_unsafe_name', `${epath}: the name escapes an extraction directory (kept as path text only)`);
      this.node(b.subarray(e.dataStart, Math.min(b.length, e.dataStart + e.size)), e.name, path, false, depth + 1);
    }
  }

  gzip(b: Uint8Array, name: string | null, path: string, depth: number): void {
    const pieces: Uint8Array[] = [];
    let inner: string | null = null;
    let p = 0;
    for (let members = 0; p < b.length; members++) {
      if (members >= this.lim.maxEntries) {
        this.limit('entries', path, `more than ${this.lim.maxEntries} gzip members: the rest are not read`);
        break;
      }
      const h = readGzipHeader(b, p);
      if ('error' in h) {
        let zeros = true;
        for (let i = p; i < b.length && zeros; i++) zeros = b[i] === 0;
        if (members === 0) this.problem('inspect_gzip_bad_header', `${path}: ${h.error}`);
        else if (!zeros) this.problem('inspect_gzip_trailing_data', `${path}: ${b.length - p} bytes after the last member`);
        break;
      }
      if (members === 0) inner = h.name;
      const r = this.expand(b.subarray(h.dataStart), -1, path);
      if (r === null) break;
      pieces.push(r.bytes);
      if (!r.complete) {
        this.problem('inspect_gzip_truncated', `${path}: the deflate data ends early (${r.bytes.length} bytes kept)`);
        break;
      }
      const isize = gzipTrailerSize(b, h.dataStart + r.consumed);
      if (isize === null) {
        this.problem('inspect_gzip_truncated', `${path}: the member's trailer is missing`);
        break;
      }
      if (isize !== r.bytes.length % 0x100000000) this.problem('inspect_gzip_size_mismatch', `${path}: ${r.bytes.length} bytes where the trailer says ${isize}`);
      p = h.dataStart + r.consumed + 8;
    }
    if (pieces.length === 0) return;
    let content = pieces[0]!;
    if (pieces.length > 1) {
      content = new Uint8Array(pieces.reduce((n, x) => n + x.length, 0));
      let o = 0;
      for (const x of pieces) {
        content.set(x, o);
        o += x.length;
      }
    }
    this.node(content, inner ?? gunzippedName(name), path, true, depth + 1);
  }

  pdf(b: Uint8Array, name: string | null, parent: string, leafPath: string, depth: number): void {
    this.leaf(b, name, leafPath);
    const enc = pdfEncryption(b);
    if (enc !== null) {
      this.uninspectable.push({ path: leafPath, reason: 'pdf_encrypted', detail: `an encrypted PDF (${enc}): its strings and streams are not readable` });
      return;
    }
    const path = join(parent, `pdf:${segment(name ?? '')}`);
    if (!this.open(path, depth)) return;
    const t = pdfText(b, this.inflate, this.lim.maxEntryBytes, this.lim.maxPdfStreams, () => this.lim.maxTotalBytes - this.expanded);
    this.expanded += t.inflated;
    for (const p of t.problems) {
      const which = (Object.keys(LIMIT_ANOMALY) as (keyof typeof LIMIT_ANOMALY)[]).find((k) => LIMIT_ANOMALY[k] === p.name);
      if (which !== undefined) this.limit(which, path, p.detail);
      else this.problem(p.name, `${path}: ${p.detail}`);
    }
    if (t.text.length > 0) this.leaves.push({ path: join(path, 'text'), bytes: t.text, kind: 'text', name, utf16: null });
  }
}

/**
 * The inspectable leaves of one object, with their decode paths below `basePath`, what could not be inspected and
 * the anomalies met. Never throws on content; bad `opts.limits` values throw HAYSTACK_BAD_OPTION.
 */
export function walkObject(bytes: Uint8Array, label: ObjectLabel, opts: WalkOptions, basePath: string): WalkResult {
  const w = new Walk(containerLimits(opts.limits), opts.inflateRaw);
  w.node(bytes, label.filename, basePath, true, 0);
  return w.finish(basePath);
}

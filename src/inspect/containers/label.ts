// The label facts a "labels lie" report sets side by side for one object: what its file name's extension says,
// what its declared Content-Type says, what its magic says (containers looked into), and a one-line summary of
// what the container holds ("zip of 3 files: 3 csv").
import { cfbNames, isCfb } from './cfb.js';
import { isGzip, readGzipHeader } from './gzip.js';
import { MAX_CFB_DIRECTORY_SECTORS, MAX_ENTRIES } from './limits.js';
import { magicType, zipKind, type MagicType } from './magic.js';
import { pdfEncryption } from './pdf.js';
import { readTar } from './tar.js';
import { isZip, readZip } from './zip.js';

export interface LabelFacts {
  /** the file name's extension, lower case, without the dot; null without a name or an extension */
  readonly extension: string | null;
  /** the declared Content-Type as given (null when none) */
  readonly declaredType: string | null;
  readonly magicType: MagicType | null;
  /** does the extension promise what the magic found? null when the extension promises nothing known */
  readonly extensionAgrees: boolean | null;
  /** what the container holds, e.g. "zip of 3 files: 3 csv", "xlsx (12 parts)", "gzip of access.log"; null otherwise */
  readonly contentSummary: string | null;
}

/** Extensions and the magic types each admits (text formats: no magic at all). */
const PROMISES: Readonly<Record<string, readonly (MagicType | null)[]>> = {
  zip: ['zip', 'docx', 'xlsx', 'pptx', 'ooxml'], jar: ['zip'], docx: ['docx', 'ooxml-encrypted'], docm: ['docx', 'ooxml-encrypted'],
  xlsx: ['xlsx', 'ooxml-encrypted'], xlsm: ['xlsx', 'ooxml-encrypted'], pptx: ['pptx', 'ooxml-encrypted'], pptm: ['pptx', 'ooxml-encrypted'],
  pdf: ['pdf'], tar: ['tar'], gz: ['gzip'], tgz: ['gzip'], gzip: ['gzip'], doc: ['doc', 'cfb'], xls: ['xls', 'cfb'], ppt: ['ppt', 'cfb'], msg: ['msg'],
  rar: ['rar'], '7z': ['7z'], bz2: ['bzip2'], xz: ['xz'], zst: ['zstd'], png: ['png'], jpg: ['jpeg'], jpeg: ['jpeg'], gif: ['gif'],
  txt: [null], csv: [null], tsv: [null], json: [null], xml: [null], html: [null], htm: [null], log: [null], eml: [null],
};

/** The extension of a file name (after its last dot, in its last path segment), lower case. */
export function extensionOf(filename: string | null): string | null {
  if (filename === null) return null;
  const base = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 || dot === base.length - 1 ? null : base.slice(dot + 1).toLowerCase();
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** The extensions of a zip's files, most frequent first: "3 csv, 1 pdf" (at most 5 kinds listed). */
function byExtension(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) {
    const e = extensionOf(n) ?? 'no extension';
    counts.set(e, (counts.get(e) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, 5).map(([e, n]) => `${n} ${e}`).join(', ');
  return sorted.length > 5 ? `${shown}, …` : shown;
}

function summary(b: Uint8Array, magic: MagicType | null): string | null {
  if (isZip(b)) {
    const listing = readZip(b, MAX_ENTRIES);
    const kind = zipKind(listing);
    if (kind !== 'zip') return `${kind} (${plural(listing.entries.length, 'part')})`;
    const files = listing.entries.filter((e) => !e.name.endsWith('/'));
    const enc = files.filter((e) => e.encrypted).length;
    if (files.length === 0) return 'empty zip';
    return `zip of ${plural(files.length, 'file')}: ${byExtension(files.map((e) => e.name))}${enc > 0 ? ` (${enc} encrypted)` : ''}`;
  }
  if (isGzip(b)) {
    const h = readGzipHeader(b, 0);
    return 'error' in h || h.name === null ? 'gzip' : `gzip of ${h.name}`;
  }
  if (magic === 'tar') {
    const files = readTar(b, MAX_ENTRIES).entries;
    return files.length === 0 ? 'empty tar' : `tar of ${plural(files.length, 'file')}: ${byExtension(files.map((e) => e.name))}`;
  }
  if (isCfb(b)) {
    const kind = magic ?? 'cfb';
    if (kind === 'ooxml-encrypted') return 'encrypted Office document (CFB)';
    return kind === 'cfb' ? `CFB of ${plural(cfbNames(b, MAX_CFB_DIRECTORY_SECTORS).names.length, 'entry')}` : `${kind} (CFB)`;
  }
  if (magic === 'pdf') return pdfEncryption(b) !== null ? 'encrypted pdf' : 'pdf';
  return magic === null ? null : `${magic}`;
}

/** The label facts of one object (cheap: directories and headers are read, nothing is inflated). */
export function labelFacts(bytes: Uint8Array, label: { filename: string | null; declaredType: string | null }): LabelFacts {
  const extension = extensionOf(label.filename);
  const magic = magicType(bytes);
  const promise = extension === null ? undefined : PROMISES[extension];
  return {
    extension,
    declaredType: label.declaredType,
    magicType: magic,
    extensionAgrees: promise === undefined ? null : promise.includes(magic),
    contentSummary: summary(bytes, magic),
  };
}

// Bounds of the container walk (zip, OOXML, gzip, CFB, PDF): each a named constant with its reason, each hit an
// `inspect_limit_*` anomaly naming the decode path. Hostile objects (zip bombs, 42.zip nesting, lying sizes) are
// cut here, never by an exception.
import { limitOption } from '../../core/limits.js';

/**
 * Containers opened inside containers below the object itself (gzip of zip of xlsx = 3). Real mail nests two or
 * three deep (an archive holding an office file that embeds another); 42.zip-style bombs need six.
 */
export const MAX_DEPTH = 5;

/**
 * Entries read from one archive's central directory. Office files hold tens of parts and attachments rarely more
 * than a few thousand files; past this the directory is parsed no further (it costs 46 bytes and a name each).
 */
export const MAX_ENTRIES = 10_000;

/**
 * Containers opened for one object, all depths together: 42.zip fans out 16 ways per level, so the depth bound
 * alone would still open 16^4 archives. A thousand covers any real archive of archives.
 */
export const MAX_CONTAINERS = 1_000;

/**
 * Expanded bytes of one entry (or one gzip stream, or one PDF's extracted text): the HTTP analyzer's body bound
 * (MAX_BODY, 64 MiB), so a file that would be inspected whole when sent bare is inspected whole when zipped.
 */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Expanded bytes of one object, all entries and depths together, counting what a failed inflation may have cost.
 * Bounds memory (the leaves are held together) and time: 256 MiB is ~1.3 s at the engine's 200 MB/s target.
 */
export const MAX_TOTAL_BYTES = 256 * 1024 * 1024;

/**
 * Expanded / compressed size of an entry, checked on the declared sizes before inflating and on the actual output
 * while inflating. DEFLATE's ceiling is 1032:1 and bombs sit near it; text and office XML compress 3-50:1 and
 * rarely pass 100:1, and what compresses past 200:1 is mostly one repeated byte, with little to find.
 */
export const MAX_RATIO = 200;

/** The ratio is held against an entry only past this expanded size: small entries cost nothing whatever their ratio. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * Streams of one PDF looked at for /FlateDecode content (text extraction): a page has a few, a 1000-page report a
 * few thousand; the bytes inflated are charged to MAX_TOTAL_BYTES as well.
 */
export const MAX_PDF_STREAMS = 20_000;

/**
 * Sectors of a CFB (OLE2) directory chain followed when looking for an encrypted OOXML's streams: 4096 sectors of
 * 512 bytes hold 16384 entries, far beyond the handful an EncryptedPackage file has.
 */
export const MAX_CFB_DIRECTORY_SECTORS = 4096;

/** The bounds of one walk (the defaults are the constants above; the CLI and tests may lower or raise them). */
export interface ContainerLimits {
  maxDepth: number;
  maxEntries: number;
  maxContainers: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  ratioFloorBytes: number;
  maxPdfStreams: number;
}

/** The limits with each given value validated (a bad value throws HAYSTACK_BAD_OPTION, never falls back). */
export function containerLimits(o: Partial<ContainerLimits> = {}): ContainerLimits {
  return {
    maxDepth: limitOption('maxDepth', o.maxDepth, MAX_DEPTH),
    maxEntries: limitOption('maxEntries', o.maxEntries, MAX_ENTRIES),
    maxContainers: limitOption('maxContainers', o.maxContainers, MAX_CONTAINERS),
    maxEntryBytes: limitOption('maxEntryBytes', o.maxEntryBytes, MAX_ENTRY_BYTES),
    maxTotalBytes: limitOption('maxTotalBytes', o.maxTotalBytes, MAX_TOTAL_BYTES),
    maxRatio: limitOption('maxRatio', o.maxRatio, MAX_RATIO, 1),
    ratioFloorBytes: limitOption('ratioFloorBytes', o.ratioFloorBytes, RATIO_FLOOR_BYTES),
    maxPdfStreams: limitOption('maxPdfStreams', o.maxPdfStreams, MAX_PDF_STREAMS),
  };
}

/** Anomaly names of the limits (stable: tests, docs and the console's anomaly list use them). */
export const LIMIT_ANOMALY = {
  depth: 'inspect_limit_depth',
  entries: 'inspect_limit_entries',
  containers: 'inspect_limit_containers',
  entryBytes: 'inspect_limit_entry_size',
  totalBytes: 'inspect_limit_total_size',
  ratio: 'inspect_limit_ratio',
  pdfStreams: 'inspect_limit_pdf_streams',
} as const;

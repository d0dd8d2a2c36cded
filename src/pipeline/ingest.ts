// Ingest: captures (files, or directories walked for them) into a store, one capture per transaction-like
// unit. A capture is known by the SHA-256 of its file: ingesting it again changes nothing; an interrupted
// ingest left no captures row, so the rerun writes it again from scratch.
import type { Session } from '../flow/session.js';
import { createHash } from 'node:crypto';
import { open, opendir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { AnomalyEvent } from '../core/anomaly.js';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { LINKTYPE_NAMES } from '../decode/constants.js';
import { ANOMALIES } from '../schema/anomalies.js';
import type { CaptureRecord } from '../schema/captures.js';
import { SESSIONS } from '../schema/sessions.js';
import { TLS } from '../schema/tls.js';
import { DNS } from '../schema/dns.js';
import { SSH } from '../schema/ssh.js';
import { FTP } from '../schema/ftp.js';
import { IMAP } from '../schema/imap.js';
import { POP3 } from '../schema/pop3.js';
import { FtpQueue } from './ftp.js';
import { SMTP } from '../schema/smtp.js';
import { FILES } from '../schema/files.js';
import type { Store } from '../store/store.js';
import { analysis } from './analyzers.js';
import { MailQueue } from './mail.js';
import { ObjectWrites } from './objects.js';
import { HttpQueue } from './http.js';
import { HTTP } from '../schema/http.js';
import { ALERTS } from '../schema/alerts.js';
import { FINDINGS } from '../schema/findings.js';
import { storeKey } from '../store/app-tables.js';
import { builtinDetectors } from '../inspect/builtin.js';
import { builtinRemoteAccess } from '../inspect/names/builtin-remote-access.js';
import { Inspection, type InspectConfig } from './inspect.js';
import type { SkippedSpans } from '../inspect/skipped-spans.js';
import { detectHooks, guardedDetector } from './detect.js';
import type { Rule } from '../detect/rule.js';
import { SyslogParser } from '../logs/syslog.js';
import type { LogIngestOptions } from './logs.js';
import { END_BATCH, Engine, sensorOption, type InputResult } from './engine.js';
import { CHUNK_SIZE, compressionOf, readSource, readStream, type SourceInfo } from './source.js';
import { partCapture, StreamWindows } from './stream-window.js';
import type { PacketRecord } from '../capture/packet-record.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { hashFileOnWorker, type FileHash } from './hash-file.js';

export interface IngestOptions {
  homeNet?: readonly string[];
  sensor?: string | null;
  /** where extracted objects are stored (`DIR/files/ab/<sha256>`); null: hashed and typed, not stored */
  filesDir?: string | null;
  /** signatures to run; their alerts are stored */
  rules?: readonly Rule[];
  /** files at least this large are hashed on a worker thread while they are read (default 16 MiB) */
  hashOnWorkerBytes?: number;
  /** bytes of the current file read so far */
  progress?(path: string, bytes: number, size: number | null): void;
  /** how log files (found by their content) are parsed */
  logs?: LogIngestOptions;
  /** content inspection (findings): on by default with the built-in detectors; false: off */
  inspect?: InspectConfig | false;
  /**
   * stdin ("-") only: commit what was read every this many milliseconds as a capture part of its own (rows
   * appear while the stream goes on); absent: one capture at the end of the stream
   */
  commitEveryMs?: number;
  /** stdin only: stops reading (SIGINT/SIGTERM); what was read is committed, as at the end of the stream */
  signal?: AbortSignal;
  /** stdin only: read this instead of process.stdin (tests, embedding) */
  stdin?: AsyncIterable<unknown>;
  /** stdin only: a part was committed (rows of it are visible now) */
  committed?(capture: CaptureRecord): void;
  /** more facts for the captures row's stats (a sensor's drop counts), merged in */
  stats?(path: string): Record<string, unknown>;
}

export type FileOutcome =
  | { path: string; status: 'ingested'; capture: CaptureRecord; records: Record<string, number>; damaged: HaystackError | null }
  | { path: string; status: 'already'; capture: CaptureRecord }
  | { path: string; status: 'failed'; error: HaystackError };

export interface IngestSummary {
  files: FileOutcome[];
  /** files in the directories given that are neither captures nor logs (by their first bytes), skipped */
  skipped: string[];
  seconds: number;
  /** capture bytes read */
  bytes: number;
}

/** First four bytes (big-endian) of pcap files (µs, ns and the modified format, both byte orders) and of pcapng */
export const PCAP_MAGICS = [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a];

/** Is this file a capture by its first bytes (pcap, pcapng, or a gzip/zstd file named like a capture)? */
async function looksLikeCapture(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 4) return false;
    const magic = new DataView(head.buffer).getUint32(0, false);
    if (PCAP_MAGICS.includes(magic)) return true;
    return compressionOf(head) !== 'none' && /\.(pcap|pcapng|cap)(\.|$)/i.test(path);
  } finally {
    await fh.close();
  }
}

/**
 * Is this file a log by its first 8 KB: text (no NUL, valid UTF-8 up to a cut character at the end) whose
 * lines mostly begin with a syslog header (RFC 3164, RFC 3339/5424, TAI64N)?
 */
export async function looksLikeLog(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const raw = new Uint8Array(8192);
    const { bytesRead } = await fh.read(raw, 0, raw.length, 0);
    let b = raw.subarray(0, bytesRead);
    let cut = bytesRead === raw.length;
    // a gzip-rotated log (maillog.2.gz): what its first bytes decompress to
    if (compressionOf(b) === 'gzip') {
      try {
        b = gunzipSync(b, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        return false;
      }
      cut = true;
    }
    if (b.length === 0 || b.includes(0)) return false;
    let text: string;
    try {
      // a multi-byte character cut at the end of the window is not an error
      text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, cut ? b.lastIndexOf(10) + 1 : b.length));
    } catch {
      return false;
    }
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#')).slice(0, 10);
    if (lines.length === 0) return false;
    const p = new SyslogParser({ year: 2000 });
    const headed = lines.filter((l) => p.parse(l).form !== 'none').length;
    return headed * 2 >= lines.length;
  } finally {
    await fh.close();
  }
}

function ioError(path: string, e: unknown): HaystackError {
  return new HaystackError('HAYSTACK_IO', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
}

/**
 * The capture files named or found under the directories named (sorted, hidden entries skipped); a file or
 * directory that cannot be read is reported in `missing` and the walk goes on.
 */
export async function captureFiles(inputs: readonly string[]): Promise<{ files: string[]; logs: string[]; skipped: string[]; missing: HaystackError[] }> {
  const files: string[] = [];
  const logs: string[] = [];
  const skipped: string[] = [];
  const missing: HaystackError[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries: string[] = [];
    try {
      for await (const e of await opendir(dir)) {
        if (e.name.startsWith('.')) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) entries.push(`${p}/`);
        else if (e.isFile()) entries.push(p);
      }
    } catch (e) {
      missing.push(ioError(dir, e));
      return;
    }
    for (const p of entries.sort()) {
      if (p.endsWith('/')) {
        await walk(p.slice(0, -1));
        continue;
      }
      try {
        if (await looksLikeCapture(p)) files.push(p);
        else if (await looksLikeLog(p)) logs.push(p);
        else skipped.push(p);
      } catch (e) {
        missing.push(ioError(p, e));
      }
    }
  };
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch (e) {
      missing.push(new HaystackError('HAYSTACK_IO', `${input}: cannot open (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: input, cause: e }));
      continue;
    }
    if (st.isDirectory()) await walk(input);
    else {
      // a file named is a capture unless its content says log (else "not a capture" names it)
      const log = await (async () => !(await looksLikeCapture(input)) && (await looksLikeLog(input)))().catch(() => false);
      (log ? logs : files).push(input);
    }
  }
  return { files, logs, skipped, missing };
}

/** SHA-256 of a file as stored. */
export async function fileSha256(path: string): Promise<{ sha256: string; size: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(CHUNK_SIZE);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: h.digest('hex'), size };
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${path}: read error (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
  } finally {
    await fh.close();
  }
}

/** Ingests every capture of `inputs` into the store (tables are created first). */
export async function ingest(store: Store, inputs: readonly string[], opts: IngestOptions = {}): Promise<IngestSummary> {
  const t0 = performance.now();
  sensorOption(opts.sensor);
  await store.init();
  const { files, logs, skipped, missing } = await captureFiles(inputs.filter((i) => i !== '-'));
  const out: FileOutcome[] = missing.map((error) => ({ path: error.file ?? '', status: 'failed', error }));
  let bytes = 0;
  const ingested = (r: FileOutcome): void => {
    if (r.status === 'ingested') bytes += r.capture.size;
    out.push(r);
  };
  // stdin: a capture stream (maybe never-ending), committed in parts (stream-window.ts); before the files
  if (inputs.includes('-')) for (const r of await ingestStdin(store, opts)) ingested(r);
  for (const path of files) ingested(await ingestFile(store, path, opts));
  if (logs.length > 0) {
    const { ingestLog } = await import('./logs.js');
    for (const path of logs) {
      const r = await ingestLog(store, path, opts.logs ?? {});
      if (r.status === 'ingested') {
        bytes += r.capture.size;
        out.push({ path, status: 'ingested', capture: r.capture, records: { logs: r.lines }, damaged: null });
      } else out.push(r);
    }
  }
  return { files: out, skipped, seconds: (performance.now() - t0) / 1000, bytes };
}

/** A file's modification time as the captures row keeps it (µs), computed alike at ingest and at carve. */
export function mtimeMicros(mtimeMs: number): number {
  return Math.floor(mtimeMs * 1000);
}

/** Files at least this large are hashed on a worker thread while they are ingested (a worker costs ~30 ms). */
const HASH_ON_WORKER_BYTES = 16 << 20;
/** Bytes of extracted objects allowed to wait for their writes between chunks. */
const OBJECT_WRITES_IN_FLIGHT = 64 << 20;

function hashError(path: string, e: unknown): HaystackError {
  if (isHaystackError(e)) return e;
  return new HaystackError('HAYSTACK_IO', `${path}: read error (${e instanceof Error ? e.message : String(e)})`, { file: path, cause: e });
}

/** Reads stdin as one capture stream, committed in parts (one part when no --commit-every): their outcomes. */
async function ingestStdin(store: Store, opts: IngestOptions): Promise<FileOutcome[]> {
  const parts: FileOutcome[] = [];
  const win = new StreamWindows(opts.commitEveryMs ?? null, opts.signal ?? null);
  const last = await ingestFile(store, '-', opts, { win, parts });
  return [...parts, last];
}

/** The stdin stream's window state and the parts it committed so far. */
interface StreamRun {
  win: StreamWindows;
  parts: FileOutcome[];
}

async function ingestFile(store: Store, path: string, opts: IngestOptions, stream: StreamRun | null = null): Promise<FileOutcome> {
  let before: { size: number; mtimeMs: number };
  try {
    before = stream !== null ? { size: 0, mtimeMs: 0 } : await stat(path);
  } catch (e) {
    return { path, status: 'failed', error: ioError(path, e) };
  }
  // The capture is known by its hash. A large one is hashed on a worker while it is read (the store keeps its
  // rows in staging until the id is known); a re-ingest is noticed when the hash arrives and stops there.
  const late = stream === null && store.idAtCommit && before.size >= (opts.hashOnWorkerBytes ?? HASH_ON_WORKER_BYTES);
  // what is known of the file's identity so far (set from callbacks too)
  const idem: { hash: FileHash | null; checked: boolean; known: CaptureRecord | null } = { hash: null, checked: !late, known: null };
  let hashing: Promise<FileHash> | null = null;
  if (late) {
    hashing = hashFileOnWorker(path, CHUNK_SIZE).then((h) => (idem.hash = h));
    hashing.catch(() => undefined);
  } else if (stream === null) {
    try {
      idem.hash = await fileSha256(path);
    } catch (e) {
      return { path, status: 'failed', error: hashError(path, e) };
    }
    const known = await store.findCapture(idem.hash.sha256);
    if (known !== null) return { path, status: 'already', capture: known };
  }
  let engine: Engine | null = null;
  const checkKnown = async (): Promise<void> => {
    if (idem.checked || idem.hash === null) return;
    idem.checked = true;
    idem.known = await store.findCapture(idem.hash.sha256);
    if (idem.known !== null) engine?.stop();
    else w.identify?.(idem.hash.sha256.slice(0, 16));
  };
  // content inspection: findings keyed with the store's own key (read, or made, before the capture's writes begin)
  const key = opts.inspect === false ? null : await storeKey(store, 'finding_hmac');
  // a stream's parts have ids of their own (stream-window.ts); a file's is its hash's
  let w = await store.begin(stream !== null ? stream.win.partId() : idem.hash === null ? null : idem.hash.sha256.slice(0, 16));
  const writes = new ObjectWrites();
  const insp = key === null ? null : new Inspection({
    key,
    remoteAccess: opts.inspect === undefined || opts.inspect === false ? builtinRemoteAccess() : opts.inspect.remoteAccess,
    detectors: opts.inspect === undefined || opts.inspect === false ? builtinDetectors() : opts.inspect.detectors,
    emit: (f) => w.append(FINDINGS, f),
    anomalies: { add: (...a) => engine!.anomalies.add(...a) },
  });
  try {
    const mail = new MailQueue({ anomalies: { add: (...a) => engine!.anomalies.add(...a) }, filesDir: opts.filesDir ?? null, writes }, (r) => {
      w.append(SMTP, r.smtp);
      insp?.smtp(r.smtp);
      insp?.mail(r);
      for (const f of r.files) w.append(FILES, f);
    });
    const web = new HttpQueue({ anomalies: { add: (...a) => engine!.anomalies.add(...a) }, filesDir: opts.filesDir ?? null, writes }, (r) => {
      w.append(HTTP, r.http);
      insp?.http(r.http, r.sentUri);
      insp?.httpObjects(r);
      for (const f of r.files) w.append(FILES, f);
    });
    const ftp = new FtpQueue({ anomalies: { add: (...a) => engine!.anomalies.add(...a) }, filesDir: opts.filesDir ?? null, writes }, (r) => {
      if (r.ftp !== null) {
        w.append(FTP, r.ftp);
        insp?.ftp(r.ftp);
      } else {
        w.append(FILES, r.file);
        insp?.ftpFile(r.file, r.content);
      }
    });
    const detect = opts.rules !== undefined && opts.rules.length > 0 ? guardedDetector(opts.rules, { emit: (a) => w.append(ALERTS, a), anomalies: { add: (...a) => engine!.anomalies.add(...a) } }) : undefined;
    const an = analysis({
      tls: (r) => {
        w.append(TLS, r);
        insp?.tls(r);
      },
      smtp: mail.push,
      http: web.push,
      dns: (r) => {
        w.append(DNS, r);
        insp?.dns(r);
      },
      ssh: (r) => w.append(SSH, r),
      ftp: ftp.push,
      pop3: (r) => {
        w.append(POP3, r);
        insp?.pop3(r);
      },
      imap: (r) => {
        w.append(IMAP, r);
        insp?.imap(r);
      },
      // messages fetched over POP3/IMAP: smtp rows (fetched_via) and files, as SMTP's are
      mailbox: mail.push,
      ...(detect !== undefined ? { detect: detectHooks(detect) } : {}),
      ...(insp !== null ? { inspectStream: (s: Session, skipped: SkippedSpans | null) => insp.stream(s, skipped) } : {}),
    }, () => engine!);
    /** Commits what the current window of a stream holds as a capture part, and begins the next part. */
    const commitPart = async (): Promise<void> => {
      if (stream === null || engine === null) return;
      const win = stream.win;
      // the part is self-contained: its sessions end with it (a flow going on starts a new session in the next)
      while (engine.flows.flush(END_BATCH) > 0) await drainAll();
      await drainAll();
      insp?.end();
      await writes.settle();
      const part = win.close(engine.anomalies.counts);
      if (part === null) return;
      const capture = partCapture(part, w.counts, opts);
      capture.capture_id = await w.commit(capture);
      stream.parts.push({ path, status: 'ingested', capture, records: Object.fromEntries(w.counts), damaged: null });
      opts.committed?.(capture);
      w = await store.begin(win.partId());
    };
    const drainAll = async (): Promise<void> => {
      await mail.drain();
      await web.drain();
      await ftp.drain();
      insp?.settled();
      await w.flush();
    };
    const anPacket = an.handlers.packet;
    engine = new Engine(
      {
        ...an.handlers,
        ...(stream !== null ? {
          packet: (rec: PacketRecord, m: PacketMeta, s: Session | null) => {
            stream.win.packet(rec.ts, rec.linktype);
            anPacket?.(rec, m, s);
          },
        } : {}),
        session: (r) => {
          w.append(SESSIONS, r);
          insp?.session(r);
        },
        anomaly: (a: AnomalyEvent) => w.append(ANOMALIES, { ts: a.ts, uid: a.uid, name: a.name, detail: a.detail, capture_id: null }),
        progress: (p, b) => opts.progress?.(p, b, before.size),
        afterChunk: async () => {
          await mail.drain();
          await web.drain();
          await ftp.drain();
          insp?.settled();
          await w.flush();
          await writes.settle(OBJECT_WRITES_IN_FLIGHT);
          await checkKnown();
          if (stream?.win.due() === true) await commitPart();
        },
      },
      { ...an.options, homeNet: opts.homeNet ?? [], sensor: opts.sensor ?? null },
    );
    const info: Partial<SourceInfo> = {};
    const run = stream !== null ? await engine.runFrom(path, stream.win.chunks(opts.stdin !== undefined ? readStream(opts.stdin, info) : readSource(path, info)), info) : await engine.run([path]);
    await mail.drain();
    await web.drain();
    await ftp.drain();
    insp?.end();
    // every object on disk before the records that name them are visible
    await writes.settle();
    if (hashing !== null) {
      try {
        await hashing;
      } catch (e) {
        await w.abort();
        return { path, status: 'failed', error: hashError(path, e) };
      }
    }
    await checkKnown();
    if (idem.known !== null) {
      await w.abort();
      return { path, status: 'already', capture: idem.known };
    }
    const result: InputResult = run.inputs[0]!;
    if (stream !== null) {
      const part = stream.win.close(engine.anomalies.counts, true);
      if (result.error !== null && result.packets === 0 && (result.error.code === 'HAYSTACK_CAPTURE_FORMAT' || result.error.code === 'HAYSTACK_IO')) {
        await w.abort();
        return { path, status: 'failed', error: result.error };
      }
      // an empty last window after parts were committed: nothing more to say
      if (part!.size === 0 && stream.parts.length > 0) {
        await w.abort();
        return stream.parts.pop()!;
      }
      const capture = partCapture(part!, w.counts, opts, result);
      capture.capture_id = await w.commit(capture);
      return { path, status: 'ingested', capture, records: Object.fromEntries(w.counts), damaged: result.error };
    }
    const id = idem.hash;
    if (id === null) throw new Error('ingest: no hash');
    const captureId = id.sha256.slice(0, 16);
    const err = result.error;
    // not a capture at all, or unreadable before the first packet: nothing of it is kept
    if (err !== null && (err.code === 'HAYSTACK_CAPTURE_FORMAT' || (err.code === 'HAYSTACK_IO' && result.packets === 0))) {
      await w.abort();
      return { path, status: 'failed', error: err };
    }
    // the file must be the one that was hashed: a capture still being written would otherwise be stored
    // under the hash of a shorter version, and stored again (duplicated) once it is complete
    const after = await stat(path).catch(() => null);
    if (after === null || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.size !== id.size) {
      await w.abort();
      return { path, status: 'failed', error: new HaystackError('HAYSTACK_IO', `${path}: the file changed while it was being ingested (still being written?); nothing of it was kept`, { file: path }) };
    }
    const records = Object.fromEntries(w.counts);
    const capture: CaptureRecord = {
      capture_id: captureId,
      // absolute: a carve reads it again, maybe from a server started elsewhere
      path: resolve(path),
      sha256: id.sha256,
      size: id.size,
      format: result.format,
      linktypes: [...new Set(result.interfaces.map((i) => LINKTYPE_NAMES.get(i.linktype) ?? String(i.linktype)))],
      first_ts: result.firstTs,
      last_ts: result.lastTs,
      packets: result.packets,
      ingested_at: Date.now() * 1000,
      stats: JSON.stringify({
        records,
        anomalies: Object.fromEntries(engine.anomalies.counts),
        damaged: err?.message ?? null,
        sensor: opts.sensor ?? null,
        compression: result.compression,
        ...opts.stats?.(path),
      }),
      mtime: mtimeMicros(before.mtimeMs),
      header_blocks: result.structureBlocks,
    };
    capture.capture_id = await w.commit(capture);
    return { path, status: 'ingested', capture, records, damaged: err };
  } catch (e) {
    await writes.settle().catch(() => undefined);
    await w.abort().catch(() => undefined);
    if (isHaystackError(e)) return { path, status: 'failed', error: e };
    throw e;
  }
}

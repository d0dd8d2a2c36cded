// `haystack sensor`: dumpcap writes a ring of pcapng files; each closed file is ingested where it lies (kept for
// carving), known by its sha256 across restarts, and removed by retention only once ingested.
import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HaystackError } from '../core/errors.js';
import { CAPTURES } from '../schema/captures.js';
import { tableNamer } from '../store/reports.js';
import { ident, inStrings } from '../store/sql.js';
import type { Store } from '../store/store.js';
import { ingest, mtimeMicros, type FileOutcome, type IngestOptions } from './ingest.js';
import type { Limit } from './sensor-options.js';
import { fileLine, findDumpcap, isbDrops, startDumpcap, type DumpcapDrops } from './sensor-dumpcap.js';

/** A sensor's name names its files: letters, digits, dot, dash and underscore (no path, no shell trouble). */
const SENSOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The smallest pcapng file with a header: a section header block (28 bytes) and an interface description (20). */
const MIN_PCAPNG_BYTES = 48;
/** How many own files' identities are asked of the store in one query (an IN list). */
const KNOWN_BATCH = 500;

export interface SensorOptions {
  iface: string;
  filter: string | null;
  rotate: Limit;
  keep: Limit | null;
  /** where the ring files are written (and stay) */
  dir: string;
  /** the sensor's name: its rows' `sensor`, its files' prefix, the scope of its retention */
  sensor: string;
  /** ingest options (home net, rules, objects, inspection) */
  ingest: IngestOptions;
  /** stops the sensor: dumpcap is stopped, its last file ingested */
  signal: AbortSignal;
  /** one line of news (a file ingested, one removed, drops) */
  log(line: string): void;
  /** dumpcap's name or path (default: dumpcap on PATH) */
  dumpcap?: string;
}

export interface SensorSummary {
  files: FileOutcome[];
  removed: string[];
  drops: DumpcapDrops | null;
  /** dumpcap's exit (code 0, or stopped by our SIGTERM) was not what we asked for: its message */
  failure: string | null;
}

/** Checks the sensor's name (it prefixes its files and scopes its retention). */
export function sensorName(name: string): string {
  if (!SENSOR_NAME.test(name)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `sensor: --sensor ${JSON.stringify(name)}: a sensor name is 1-64 letters, digits, '.', '-' or '_' (it names the sensor's files)`);
  }
  return name;
}

/** One of this sensor's ring files: its run (the sensor's start) and number order them. */
interface RingFile {
  path: string;
  run: string;
  seq: number;
}

/** This sensor's ring files in `dir`, oldest first. */
export async function ringFiles(dir: string, sensor: string): Promise<RingFile[]> {
  const re = new RegExp(`^${sensor.replace(/[.]/g, '\\.')}_(\\d{8}T\\d{9}Z)_(\\d{5,})_\\d{14}\\.pcapng$`);
  const out: RingFile[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    // regular files only: a link planted in the ring (to a FIFO, or to a file elsewhere) is neither read nor removed
    const m = d.isFile() ? re.exec(d.name) : null;
    if (m !== null) out.push({ path: join(dir, d.name), run: m[1]!, seq: Number(m[2]) });
  }
  return out.sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : a.seq - b.seq));
}

/** The run stamp of a sensor start, UTC to the millisecond: files of later runs sort after. */
function runStamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** dumpcap's -b options for a rotation. */
export function ringOptions(rotate: Limit): string[] {
  return rotate.kind === 'age' ? [`duration:${Math.round(rotate.ms / 1000)}`] : [`filesize:${Math.max(1, Math.floor(rotate.bytes / 1000))}`];
}

/**
 * Runs the sensor until `signal` aborts or dumpcap stops: the files a previous run left are ingested first
 * (those in the store, by path, size and mtime or else sha256, are skipped), then each file dumpcap closes.
 */
export async function runSensor(store: Store, o: SensorOptions): Promise<SensorSummary> {
  sensorName(o.sensor);
  const dumpcap = findDumpcap(o.dumpcap);
  const dir = resolve(o.dir);
  await mkdir(dir, { recursive: true });
  const lock = await lockRing(dir, o.sensor);
  try {
    return await runLocked(store, o, dumpcap, dir);
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/**
 * One sensor per name and ring directory: a second one would ingest the file the first is still writing. The
 * lock file holds the owner's pid; a lock whose process is gone (a sensor killed with -9) is taken over.
 */
export async function lockRing(dir: string, sensor: string): Promise<string> {
  const path = join(dir, `.${sensor}.lock`);
  for (let tries = 0; tries < 2; tries++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HaystackError('HAYSTACK_IO', `${path}: cannot create the sensor's lock (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `sensor ${sensor} already runs on ${dir} (pid ${pid}, ${path}): one sensor per name and directory`, { file: path });
    }
    await unlink(path).catch(() => undefined);
  }
  throw new HaystackError('HAYSTACK_IO', `${path}: another sensor took the lock as this one started`, { file: path });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runLocked(store: Store, o: SensorOptions, dumpcap: string, dir: string): Promise<SensorSummary> {
  await store.init();
  const summary: SensorSummary = { files: [], removed: [], drops: null, failure: null };
  /** files whose captures row exists (ingested now or before) */
  const ingested = new Set<string>();
  let writing: string | null = null;
  let drops: DumpcapDrops | null = null;

  /** files whose ingest failed for a reason that may pass (the store was unreachable) */
  const retry = new Set<string>();
  const ingestOne = async (path: string): Promise<void> => {
    for (const p of [...retry]) {
      retry.delete(p);
      if (p !== path) await ingestFile(p);
    }
    await ingestFile(path);
  };
  const ingestFile = async (path: string): Promise<void> => {
    const isb = await isbDrops(path).catch(() => null);
    const r = (await ingest(store, [path], {
      ...o.ingest,
      sensor: o.sensor,
      // dumpcap's figures cover its whole run: known at its exit (the last file's row), or per file from ISBs
      stats: () => ({ capture_drops: { ...(isb !== null ? { isb } : {}), ...(drops !== null ? { dumpcap: drops } : {}) } }),
    })).files[0];
    if (r === undefined) return;
    if (r.status === 'failed') {
      const size = (await stat(path).catch(() => null))?.size ?? null;
      if (size !== null && size < MIN_PCAPNG_BYTES && r.error.code === 'HAYSTACK_CAPTURE_FORMAT') {
        // dumpcap stopped between creating the file and writing its header: it holds nothing
        await unlink(path).catch(() => undefined);
        o.log(`${path}: ${size} bytes, no capture header (dumpcap stopped as it opened it): removed`);
        return;
      }
      summary.files.push(r);
      // the store unreachable, or the file unreadable: tried again before the next file, and at the next start
      if (r.error.code === 'HAYSTACK_STORE' || r.error.code === 'HAYSTACK_IO') retry.add(path);
      o.log(`${r.error.message} (left in place, tried again ${retry.has(path) ? 'with the next file' : 'at the next start'})`);
      return;
    }
    summary.files.push(r);
    ingested.add(path);
    // the same bytes as a file already in the store (two ring files holding only their headers are identical)
    if (r.status === 'already') o.log(`${path}: already in the store (the same bytes as capture ${r.capture.capture_id}), nothing written`);
    if (r.status === 'ingested') {
      const damaged = r.damaged !== null ? `; ${r.damaged.message} (an anomaly: the packets before it were ingested)` : '';
      const lost = isb !== null && isb.ifdrop + isb.osdrop > 0 ? `; dropped so far: ${isb.ifdrop} by the interface, ${isb.osdrop} by the OS` : '';
      o.log(`${path}: ${r.capture.packets} packets, ${r.records.sessions ?? 0} sessions (capture ${r.capture.capture_id})${damaged}${lost}`);
    }
    await retain();
  };

  /** Removes this sensor's oldest ingested files past --keep (never one not ingested, nor the one being written). */
  const retain = async (): Promise<void> => {
    if (o.keep === null) return;
    const files = await ringFiles(dir, o.sensor);
    const sized: { path: string; size: number; mtimeMs: number }[] = [];
    for (const f of files) {
      const st = await stat(f.path).catch(() => null);
      if (st !== null) sized.push({ path: f.path, size: st.size, mtimeMs: st.mtimeMs });
    }
    let total = sized.reduce((a, f) => a + f.size, 0);
    const now = Date.now();
    for (const f of sized) {
      if (f.path === writing) break;
      // never one not yet ingested (it stays, and counts toward the size); older ones ingested may go
      if (!ingested.has(f.path)) continue;
      const over = o.keep.kind === 'age' ? now - f.mtimeMs > o.keep.ms : total > o.keep.bytes;
      if (!over) break;
      try {
        await unlink(f.path);
      } catch (e) {
        o.log(`${f.path}: cannot remove (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
        break;
      }
      total -= f.size;
      ingested.delete(f.path);
      summary.removed.push(f.path);
      o.log(`${f.path}: removed by retention (--keep); its rows stay in the store, a carve of them says the pcap is gone`);
    }
  };

  // what a previous run left: skip what the store has (by path, size and mtime; a changed file is hashed)
  const backlog = await ringFiles(dir, o.sensor);
  const known = await knownFiles(store, backlog.map((f) => f.path));
  for (const f of backlog) {
    const st = await stat(f.path).catch(() => null);
    const k = known.get(f.path);
    if (st !== null && k !== undefined && k.size === st.size && k.mtime === mtimeMicros(st.mtimeMs)) ingested.add(f.path);
  }
  for (const f of backlog) if (!ingested.has(f.path) && !o.signal.aborted) await ingestOne(f.path);
  await retain();
  if (o.signal.aborted) return summary;

  // the ring: a file is closed when dumpcap opens the next, or when dumpcap exits
  const prefix = join(dir, `${o.sensor}_${runStamp(new Date())}.pcapng`);
  let chain = Promise.resolve();
  const enqueue = (path: string): void => {
    chain = chain.then(() => ingestOne(path)).catch((e: unknown) => o.log(`${path}: ${e instanceof Error ? e.message : String(e)}`));
  };
  const run = startDumpcap(dumpcap, {
    iface: o.iface,
    filter: o.filter,
    ring: ringOptions(o.rotate),
    prefix,
    opened: (path) => {
      // a path named again (dumpcap's packet-count line can carry the file's name once more) is still the file
      // being written: enqueued now it would be ingested half-written, and again, whole, as a second capture
      if (path === writing) return;
      if (writing !== null) enqueue(writing);
      writing = path;
    },
  });
  const stop = (): void => void run.child.kill('SIGTERM');
  o.signal.addEventListener('abort', stop, { once: true });
  if (o.signal.aborted) stop();
  const end = await run.done;
  o.signal.removeEventListener('abort', stop);
  drops = end.drops;
  summary.drops = drops;
  if (drops !== null) {
    const d = Object.entries(drops.detail).map(([k, v]) => `${k} ${v}`).join(', ');
    o.log(`dumpcap: ${drops.received} packets received, ${drops.dropped} dropped${d !== '' ? ` (${d})` : ''}`);
  }
  const last = writing as string | null;
  writing = null;
  if (last !== null) enqueue(last);
  await chain;
  // files dumpcap opened that its output did not name (it was stopped between opening and printing)
  for (const f of await ringFiles(dir, o.sensor)) if (!ingested.has(f.path) && f.path.startsWith(prefix.slice(0, -'.pcapng'.length))) await ingestOne(f.path);
  const asked = o.signal.aborted && (end.code === 0 || end.signal === 'SIGTERM');
  if (!asked) {
    const why = end.stderr.trim().split('\n').filter((l) => l.trim() !== '' && fileLine(l) === null && !/^Packets: \d+$/.test(l.trim())).slice(-3).join('; ');
    summary.failure = `dumpcap stopped (${end.signal ?? `exit ${end.code}`}): ${why || 'no message'}`;
  }
  return summary;
}

/** Size and mtime (µs) of the captures rows of these paths. */
async function knownFiles(store: Store, paths: string[]): Promise<Map<string, { size: number; mtime: number | null }>> {
  const out = new Map<string, { size: number; mtime: number | null }>();
  const t = tableNamer(store);
  for (let i = 0; i < paths.length; i += KNOWN_BATCH) {
    const batch = paths.slice(i, i + KNOWN_BATCH);
    const r = await store.select(
      `SELECT ${ident('path')} AS p, ${ident('size')} AS s, ${ident('mtime')} AS m FROM ${t(CAPTURES.name)} WHERE ${inStrings('path', batch, store.dialect)}`,
    );
    for (const row of r.rows) out.set(String(row.p), { size: Number(row.s), mtime: row.m === null ? null : Number(row.m) });
  }
  return out;
}

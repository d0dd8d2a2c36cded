// dumpcap as the sensor's capture process: found, checked, started as a ring buffer, its output read.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { HaystackError } from '../core/errors.js';

/** The Debian package that has dumpcap (the error for a missing one names it). */
export const DUMPCAP_PACKAGE = 'wireshark-common';
/** dumpcap's own bounds: -b duration takes whole seconds; -b filesize takes kB and stops near 2 GiB. */
export const MIN_ROTATE_MS = 1000;
export const MAX_ROTATE_MS = 86_400_000;
export const MIN_ROTATE_BYTES = 10_000;
export const MAX_ROTATE_BYTES = 2_000_000_000;
/** dumpcap's stderr kept for an error message (the last lines say why it stopped). */
const STDERR_KEPT = 8192;
/**
 * dumpcap's kernel capture buffer (-B, MiB; its default is 2). Packets wait there while dumpcap is off the CPU
 * (the sensor's own ingest, or other work, on the same cores): 2 MiB is 80 ms of 200 Mbit/s, 64 MiB is 2.6 s.
 */
export const CAPTURE_BUFFER_MIB = 64;
/**
 * The nice value dumpcap is given (needs root or CAP_SYS_NICE; left at the sensor's own otherwise): capture cannot
 * wait, ingest can (a closed file waits on disk), so the scheduler should prefer dumpcap.
 */
export const DUMPCAP_NICE = -10;
/** The tail of a ring file searched for interface statistics blocks (one per interface, written at close). */
const ISB_TAIL_BYTES = 65_536;

/** The path of an executable named `name` on PATH, or null. */
export function onPath(name: string): string | null {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** dumpcap's path, or an error saying which Debian package installs it. */
export function findDumpcap(name = 'dumpcap'): string {
  const p = onPath(name) ?? (name === 'dumpcap' ? ['/usr/bin/dumpcap', '/usr/sbin/dumpcap'].find((x) => existsSync(x)) ?? null : null);
  if (p === null) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `sensor: ${name} not found: it captures for the sensor; install it (Debian/Ubuntu: apt-get install ${DUMPCAP_PACKAGE})`);
  }
  return p;
}

/** Checks a capture filter by compiling it for the interface (dumpcap -d); its error when it does not compile. */
export function checkFilter(dumpcap: string, iface: string, filter: string): void {
  const r = spawnSync(dumpcap, ['-i', iface, '-f', filter, '-d'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').filter((l) => l.trim() !== '').slice(-2).join('; ');
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `sensor: --filter ${JSON.stringify(filter)} on ${iface}: ${why}`);
  }
}

/** dumpcap's closing statistics for the interface: packets received, dropped, and where they were dropped. */
export interface DumpcapDrops {
  received: number;
  dropped: number;
  /** dumpcap's breakdown: pcap (kernel buffer), dumpcap, flushed, ps_ifdrop (interface) */
  detail: Record<string, number>;
}

/** Reads "Packets received/dropped on interface 'eth0': 1774/3 (pcap:3/dumpcap:0/flushed:0/ps_ifdrop:0)". */
export function parseDropLine(line: string): DumpcapDrops | null {
  const m = /received\/dropped on interface .*: (\d+)\/(\d+)(?: \(([^)]*)\))?/.exec(line);
  if (m === null) return null;
  const detail: Record<string, number> = {};
  for (const kv of (m[3] ?? '').split('/')) {
    const [k, v] = kv.split(':');
    if (k !== undefined && v !== undefined && /^\d+$/.test(v)) detail[k] = Number(v);
  }
  return { received: Number(m[1]), dropped: Number(m[2]), detail };
}

/**
 * The interface statistics blocks at the end of a pcapng file (walking back from its end by the blocks'
 * trailing lengths): isb_ifdrop (option 5) and isb_osdrop (option 7) summed over interfaces, or null when the
 * file has none (dumpcap 4.0 writes none in ring buffer files).
 */
export async function isbDrops(path: string): Promise<{ ifdrop: number; osdrop: number } | null> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const n = Math.min(size, ISB_TAIL_BYTES);
    const b = new Uint8Array(n);
    await fh.read(b, 0, n, size - n);
    const v = new DataView(b.buffer);
    let end = n;
    let found = false;
    let ifdrop = 0;
    let osdrop = 0;
    // little-endian only (dumpcap writes the host's order; the sensors this runs on are little-endian); an ISB is
    // type, length, interface id, timestamp (high, low), then its options
    while (end >= 12) {
      const len = v.getUint32(end - 4, true);
      const start = end - len;
      if (len < 12 || len % 4 !== 0 || start < 0 || v.getUint32(start + 4, true) !== len) break;
      if (v.getUint32(start, true) !== 5) break;
      found = true;
      for (let o = start + 20; o + 4 <= end - 4;) {
        const code = v.getUint16(o, true);
        const olen = v.getUint16(o + 2, true);
        if (code === 0) break;
        if (olen === 8 && (code === 5 || code === 7)) {
          const x = Number(v.getBigUint64(o + 4, true));
          if (code === 5) ifdrop += x;
          else osdrop += x;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      end = start;
    }
    return found ? { ifdrop, osdrop } : null;
  } finally {
    await fh.close();
  }
}

/**
 * The path of a "File: PATH" line, or null. Once packets flow, dumpcap's packet count shares the line: it writes
 * "\rPackets: 57 File: PATH\n" (readline splits at the \r, leaving "Packets: 57 File: PATH").
 */
export function fileLine(line: string): string | null {
  const m = /^(?:Packets: \d+ )?File: (.+)$/.exec(line);
  return m === null ? null : m[1]!.trim();
}

export interface DumpcapRun {
  child: ChildProcess;
  /** resolves when dumpcap has exited and its output was read: exit code (null: signal), stderr's tail, drops */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; drops: DumpcapDrops | null }>;
}

/**
 * Starts dumpcap writing a ring of pcapng files `prefix_NNNNN_YYYYmmddHHMMSS.pcapng`; `opened` hears each
 * file's path when dumpcap opens it (its "File:" line), which also says the one before is closed. Under setpriv
 * (util-linux) dumpcap gets SIGTERM if the sensor dies (kill -9): no orphan goes on writing the ring.
 */
export function startDumpcap(dumpcap: string, o: { iface: string; filter: string | null; ring: string[]; prefix: string; opened(path: string): void }): DumpcapRun {
  const args = ['-n', '-i', o.iface, '-B', String(CAPTURE_BUFFER_MIB), ...(o.filter !== null ? ['-f', o.filter] : []), ...o.ring.flatMap((r) => ['-b', r]), '-w', o.prefix];
  // SIGPIPE ignored (kept across exec): a dumpcap whose sensor died still flushes and closes its file instead of
  // dying on its first write to the gone stderr, losing the packets it had buffered
  const setpriv = onPath('setpriv');
  const exec = setpriv !== null ? ['exec', setpriv, '--pdeathsig', 'TERM', '--', dumpcap, ...args] : ['exec', dumpcap, ...args];
  const child = spawn('/bin/sh', ['-c', 'trap "" PIPE; "$@"', 'sh', ...exec], { stdio: ['ignore', 'pipe', 'pipe'] });
  // the priority holds across the exec of setpriv and dumpcap (same process); dumpcap's capture runs in this thread
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, DUMPCAP_NICE);
    } catch {
      // not permitted (not root): dumpcap keeps the sensor's priority
    }
  }
  let stderr = '';
  let drops: DumpcapDrops | null = null;
  // each reader's end, listened for from the start (it may come before the exit event)
  const closed = (i: ReturnType<typeof createInterface>): Promise<void> => new Promise((res) => i.once('close', () => res()));
  const out = createInterface({ input: child.stdout! });
  const outClosed = closed(out);
  // "File: PATH" on stderr as each ring file is opened (stderr is unbuffered; -b printname:stdout is not)
  const err = createInterface({ input: child.stderr! });
  const errClosed = closed(err);
  err.on('line', (l) => {
    const file = fileLine(l);
    if (file !== null) o.opened(file);
    drops = parseDropLine(l) ?? drops;
    stderr = (stderr + l + '\n').slice(-STDERR_KEPT);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('error', (e) => {
      stderr += `${(e as NodeJS.ErrnoException).code ?? e.message}\n`;
      res({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => res({ code, signal }));
  }).then(async (x) => {
    await Promise.all([outClosed, errClosed]);
    return { ...x, stderr, drops };
  });
  return { child, done };
}

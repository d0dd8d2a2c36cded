// `haystack carve --uid UID -o out.pcap`: a session's packets back out of its capture, as the store recorded them;
// `--filter EXPR -o DIR`: every session the filter keeps, one pcap each.
import { HaystackError } from '../../core/errors.js';
import { carveSession } from '../../pipeline/carve.js';
import { openStore } from '../../store/open.js';
import { intOption, parse, stringOption } from '../args.js';
import { join } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { mergeCarves } from '../../pipeline/carve-merge.js';
import type { Expr } from '../../query/filter.js';
import { parseFilter } from '../../query/filter.js';
import { SESSIONS } from '../../schema/sessions.js';
import { records } from '../../store/search-records.js';
import { EXIT_FAILURE } from '../io.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack carve --uid UID [--capture ID] -o FILE [--db URL] [--full-check]
haystack carve --filter EXPR -o DIR|FILE.pcap [--limit 1000] [--db URL]
  --uid UID      the session (its uid in the sessions table)
  --capture ID   its capture's capture_id, when the uid is in two captures (the same packets ingested twice)
  -o FILE        the pcap to write (classic pcap, the frames and times of the capture)
  --filter EXPR  every session the filter keeps (sessions' fields): with -o FILE.pcap, all of their packets in
                 one pcap, in time order; with -o DIR, each to DIR/<uid>.pcap. A session whose capture moved
                 or changed is named and skipped (exit 1)
  --full-check   hash the whole capture even when its size and modification time are as ingested
The session's capture must still be where it was ingested, unchanged (SHA-256): otherwise nothing is written.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('carve', argv, {
    ...DB_OPTION,
    uid: { type: 'string' },
    capture: { type: 'string' },
    filter: { type: 'string' },
    limit: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'full-check': { type: 'boolean' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const uid = stringOption(values.uid);
  const filter = stringOption(values.filter);
  const out = stringOption(values.output);
  if ((uid === undefined) === (filter === undefined) || out === undefined || positionals.length > 0) {
    io.stderr(`haystack carve: give --uid or --filter, and -o\n${usage}\n`);
    return EXIT_USAGE;
  }
  if (filter !== undefined) return carveMany(filter, out, intOption('limit', values.limit, 1, MAX_CARVE_SESSIONS) ?? 1000, values, io);
  if (out === '-') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'carve: -o needs a file (pcap is binary: not written to stdout)');
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const capture = stringOption(values.capture);
    const r = await carveSession(store, uid!, out, { fullCheck: values['full-check'] === true, ...(capture !== undefined ? { capture } : {}) });
    const note = r.skippedLinktype > 0 ? `; ${r.skippedLinktype} packets of another link type left out` : '';
    io.stderr(`haystack carve: ${r.packets} packets (${r.bytes} bytes) of ${r.uid} from ${r.capturePath} (checked by ${r.verified}) to ${out}${note}\n`);
  } finally {
    await store.close();
  }
  return 0;
}

/** Sessions one `carve --filter` writes at most (one file each). */
const MAX_CARVE_SESSIONS = 100_000;

async function carveMany(filter: string, out: string, limit: number, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const where = [parseFilter(filter, SESSIONS, '--filter')];
  // -o x.pcap: one file; the sessions are carved into a scratch directory first, then merged by time
  const oneFile = /\.pcap$/i.test(out);
  if (out === '-') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'carve: -o needs a file or a directory (pcap is binary: not written to stdout)');
  const dir = oneFile ? mkdtempSync(join(dirname(resolve(out)), '.haystack-carve-')) : out;
  try {
    return await carveInto(where, dir, oneFile ? out : null, limit, values, io);
  } finally {
    if (oneFile) rmSync(dir, { recursive: true, force: true });
  }
}

async function carveInto(where: Expr[], dir: string, merged: string | null, limit: number, values: Record<string, unknown>, io: CliIo): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const store = await openStore(stringOption(values.db), { readOnly: true });
  let done = 0;
  let failed = 0;
  let packets = 0;
  try {
    let after: string | undefined;
    while (done + failed < limit) {
      const page = await records(store, { table: SESSIONS.name, where, from: null, to: null, fields: ['uid'], order: 'asc', limit: Math.min(1000, limit - done - failed), ...(after !== undefined ? { after } : {}) });
      for (const row of page.rows) {
        const uid = String(row.uid);
        try {
          const file = join(dir, `${uid}.pcap`);
          const r = await carveSession(store, uid, file, { fullCheck: values['full-check'] === true });
          files.push(file);
          packets += r.packets;
          done++;
        } catch (e) {
          if (!(e instanceof HaystackError)) throw e;
          io.stderr(`haystack carve: ${uid}: ${e.message}\n`);
          failed++;
        }
      }
      if (page.next === null) break;
      after = page.next;
    }
  } finally {
    await store.close();
  }
  let target = dir;
  if (merged !== null) {
    if (files.length === 0) {
      io.stderr(`haystack carve: no session to write${failed > 0 ? ` (${failed} could not be carved)` : ' (the filter keeps none)'}; ${merged} not written\n`);
      return EXIT_FAILURE;
    }
    const m = await mergeCarves(files, merged);
    target = merged;
    packets = m.packets;
    if (m.skippedSessions > 0) io.stderr(`haystack carve: ${m.skippedSessions} sessions (${m.skippedLinktype} packets) of another link type than the first left out (one pcap, one link type)\n`);
    done -= m.skippedSessions;
  }
  io.stderr(`haystack carve: ${done} sessions (${packets} packets) to ${target}${failed > 0 ? `, ${failed} could not be carved` : ''}${done + failed >= limit ? ` (stopped at --limit ${limit})` : ''}\n`);
  return failed > 0 ? EXIT_FAILURE : 0;
}

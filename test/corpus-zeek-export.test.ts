// Our Zeek logs (src/formats/zeek) against the corpus's Zeek baselines: every conn, ssl, x509, http, smtp, files,
// dns, ssh and ftp baseline whose trace we can run, our records written by our writer and read back as text, compared
// column by column for the columns both have (rows paired by what identifies them; uids are each tool's own).
// Every difference must be in test/known-differences-zeek.json with its reason, and every entry there must still
// show. The header lines are held to a baseline's, log by log.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zeekLogsByPath } from '../src/formats/zeek/zeek-logs.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';
import { baselineTraceList, compareLog } from './helpers/zeek-compare.js';
import { writeZeekText } from './helpers/zeek-export.js';
import { readZeekLog } from './helpers/zeek-log.js';

const corpus = corpusDir();

interface Known {
  log: string;
  column: string;
  kind: 'unfilled' | 'format' | 'record';
  baselines: '*' | string[];
  /** only differences whose detail matches this (a regular expression) */
  match?: string;
  reason: string;
}
const KNOWN = readJson<{ differences: Known[] }>(join(ROOT, 'test/known-differences-zeek.json')).differences;
const LOGS = ['conn', 'ssl', 'x509', 'http', 'smtp', 'files', 'dns', 'ssh', 'ftp'];

describe.skipIf(corpus === null)('Zeek logs written from our records vs the Zeek baselines, column by column', () => {
  const base = join(corpus ?? '', 'pcap/zeek/baselines');
  const manifest = corpus === null ? '' : readFileSync(join(corpus, 'MANIFEST.md'), 'utf8');
  const cases: { dir: string; log: string; trace: string }[] = [];
  if (corpus !== null) {
    for (const dir of readdirSync(base).sort()) {
      for (const log of LOGS) {
        const file = join(base, dir, `${log}.log`);
        if (!existsSync(file)) continue;
        const traces = baselineTraceList(manifest, `pcap/zeek/baselines/${dir}/${log}.log`);
        // a baseline of several traces merges their rows: not comparable to one run per trace
        if (traces.length !== 1) continue;
        const rows = readZeekLog(file);
        // zeek-cut extracts without the connection columns cannot pair rows
        if (rows.length > 0 && log !== 'x509' && log !== 'files' && rows[0]!['id.orig_h'] === undefined) continue;
        cases.push({ dir, log, trace: traces[0]! });
      }
    }
  }
  const seen = new Map<Known, Set<string>>();

  it('finds the baselines of every log', () => {
    for (const log of LOGS) expect(cases.filter((c) => c.log === log).length, log).toBeGreaterThan(0);
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  for (const { dir, log, trace } of cases) {
    it(`${dir} ${log}.log (${trace})`, async () => {
      const rows = readZeekLog(join(base, dir, `${log}.log`));
      const diffs = await compareLog(log, join(corpus!, trace), rows);
      const unexplained: string[] = [];
      const unpaired = new Set<string>();
      for (const d of diffs) {
        if (d.column.startsWith('(')) unpaired.add(d.detail.split(':')[0]!);
        const k = KNOWN.find((x) => x.log === log && x.column === d.column && (x.baselines === '*' || x.baselines.includes(dir)) && (x.match === undefined || new RegExp(x.match).test(d.detail)));
        if (k === undefined) unexplained.push(`${d.column}: ${d.detail}`);
        else seen.set(k, (seen.get(k) ?? new Set()).add(dir));
      }
      const paired = rows.length - diffs.filter((d) => d.column === '(row missing)' || d.column === '(originator)').length;
      expect(unexplained).toEqual([]);
      // something was compared: at least one row of the baseline paired with ours (or Zeek wrote none)
      if (rows.length > 0) expect(paired + unpaired.size, 'rows looked at').toBeGreaterThan(0);
    });
  }

  it('every known difference still shows, in every baseline it names', () => {
    const stale: string[] = [];
    for (const k of KNOWN) {
      const where = seen.get(k) ?? new Set<string>();
      if (k.baselines === '*') {
        if (where.size === 0) stale.push(`${k.log} ${k.column}`);
      } else {
        for (const b of k.baselines) if (!where.has(b)) stale.push(`${k.log} ${k.column} ${b}`);
      }
    }
    expect(stale).toEqual([]);
  });
});

/** A header as btest-diff keeps it: the #open/#close time masked. */
function headerLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('#') && !l.startsWith('#close')).map((l) => (l.startsWith('#open') ? '#open XXXX-XX-XX-XX-XX-XX' : l));
}

/** The most common header of a log among the baselines (Zeek's default columns; policy scripts add others). */
function baselineHeader(base: string, log: string): string[] {
  const counts = new Map<string, number>();
  for (const d of readdirSync(base)) {
    const f = join(base, d, `${log}.log`);
    if (!existsSync(f)) continue;
    const h = headerLines(readFileSync(f, 'utf8').split('\n').filter((l) => !l.startsWith('###')).join('\n'));
    if (h.length < 8) continue; // a zeek-cut extract
    const k = h.join('\n');
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0].split('\n');
}

describe.skipIf(corpus === null)('Zeek log headers as Zeek writes them', () => {
  const base = join(corpus ?? '', 'pcap/zeek/baselines');
  for (const log of ['conn', 'ssl', 'x509', 'http', 'smtp', 'dns', 'ssh', 'ftp', 'weird', 'notice']) {
    it(`${log}.log: #separator .. #types equal the baseline's`, () => {
      expect(headerLines(writeZeekText(log, [], 1_700_000_000_000_000))).toEqual(baselineHeader(base, log));
    });
  }

  it('files.log: Zeek\'s default columns, then the md5/sha1/sha256 columns its hash scripts add', () => {
    const theirs = baselineHeader(base, 'files');
    const ours = headerLines(writeZeekText('files', [], 0));
    expect(ours.slice(0, 6)).toEqual(theirs.slice(0, 6));
    expect(ours[6]).toBe(`${theirs[6]}\tmd5\tsha1\tsha256`);
    expect(ours[7]).toBe(`${theirs[7]}\tstring\tstring\tstring`);
  });

  it('#open and #close carry the time in Zeek\'s %Y-%m-%d-%H-%M-%S after a tab; an empty log is header and #close', () => {
    const text = writeZeekText('conn', [], Date.UTC(2024, 0, 2, 3, 4, 5) * 1000);
    const lines = text.trimEnd().split('\n');
    expect(lines[5]).toBe('#open\t2024-01-02-03-04-05');
    expect(lines.at(-1)).toBe('#close\t2024-01-02-03-04-05');
    expect(lines.length).toBe(9);
    expect(zeekLogsByPath('conn')[0]!.columns.length).toBe(lines[6]!.split('\t').length - 1);
  });
});

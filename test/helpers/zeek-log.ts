// Zeek ASCII logs as the corpus keeps them (btest baselines): a `#fields` header, or one plain header line
// (btest-diff-cut / zeek-cut -m files); the `### BTest` line and the other `#` lines dropped.
import { readFileSync } from 'node:fs';

export type ZeekRow = Record<string, string>;

export function readZeekLog(path: string): ZeekRow[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('###'));
  let fields: string[] | null = null;
  const rows: ZeekRow[] = [];
  for (const l of lines) {
    if (l.startsWith('#fields\t')) {
      fields = l.split('\t').slice(1);
      continue;
    }
    if (l.startsWith('#')) continue;
    if (fields === null) {
      fields = l.split('\t');
      continue;
    }
    const v = l.split('\t');
    rows.push(Object.fromEntries(fields.map((f, i) => [f, v[i] ?? ''])));
  }
  return rows;
}

/** The traces a baseline's test reads, from the "Run:" command of its MANIFEST row ($TRACES/... paths). */
export function baselineTraces(manifest: string, baselineFile: string): string[] {
  const row = manifest.split('\n').find((l) => l.startsWith(`| ${baselineFile} |`));
  if (row === undefined) return [];
  const run = row.slice(row.indexOf('Run:'));
  return [...run.matchAll(/\$TRACES\/([^\s`;>]+)/g)].map((m) => `pcap/zeek/${m[1]!}`);
}

// The import readers on logs Zeek and Suricata wrote themselves: every TSV log among the corpus's Zeek btest
// baselines (their masked times, XXXXXXXXXX.XXXXXX, put back as a number first) reads without a bad line, each
// row with every column of its #fields, decoded by #types; the crowdsec-hub EVE file reads as events.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eveLine } from '../src/formats/import/eve.js';
import { ZeekTsvReader } from '../src/formats/import/zeek-tsv.js';
import { zeekLogName } from '../src/pipeline/import.js';
import { corpusDir, walkFiles } from './helpers/run.js';

const corpus = corpusDir();

/** The time btest's canonifier masks (XXXXXXXXXX.XXXXXX) is put back as. */
const UNMASKED = '1700000000.000000';

/** A baseline's text as Zeek wrote it: btest's own first line dropped, masked times filled. */
function unmask(text: string): string[] {
  // lines as the importer splits them (pipeline/logs.ts lineBatches: \n, \r\n; one baseline has CRLF endings)
  return text.split(/\r?\n/).filter((l) => !l.startsWith('###')).map((l) => l.replace(/X{10}\.X{6}/g, UNMASKED));
}

describe.skipIf(corpus === null)('import readers on the corpus', () => {
  it('reads every Zeek TSV baseline without a bad line, each row with its #fields', () => {
    const logs = walkFiles(join(corpus!, 'pcap/zeek/baselines')).filter((p) => p.endsWith('.log'));
    let files = 0;
    let rows = 0;
    const bad: string[] = [];
    for (const p of logs) {
      const lines = unmask(readFileSync(p, 'utf8'));
      if (!lines.some((l) => l.startsWith('#separator '))) continue;
      files++;
      const r = new ZeekTsvReader(zeekLogName(p));
      let fields: string[] = [];
      let path = '';
      for (const [i, l] of lines.entries()) {
        if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
        if (l.startsWith('#path\t')) path = l.slice(6);
        const x = r.line(l);
        if (x.kind === 'bad') bad.push(`${p.slice(corpus!.length + 1)}:${i + 2}: ${x.reason}`);
        else if (x.kind === 'row') {
          rows++;
          expect(Object.keys(x.row)).toEqual(fields);
          // #path names the log
          expect(x.log).toBe(path);
          // the time as µs: what the text says, read as a double and rounded (exact for six decimals)
          const ts = l.split('\t')[fields.indexOf('ts')];
          if (ts !== undefined && ts !== '-') expect(x.row.ts).toBe(Math.round(Number.parseFloat(ts) * 1e6));
        }
      }
    }
    expect(bad).toEqual([]);
    expect(files).toBeGreaterThan(150);
    expect(rows).toBeGreaterThan(1000);
  });

  it('reads the crowdsec-hub EVE file as events', () => {
    const lines = readFileSync(join(corpus!, 'logs/crowdsec-hub/suricata-logs-evelog/suricata-logs-evelog.log'), 'utf8').split('\n').filter((l) => l !== '');
    const events = lines.map(eveLine);
    expect(events.map((e) => e.kind)).toEqual(lines.map(() => 'event'));
    expect(new Set(events.map((e) => (e.kind === 'event' ? e.event.event_type : null)))).toContain('alert');
  });
});

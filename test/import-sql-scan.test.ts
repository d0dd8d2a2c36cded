// The fast path's scan of a Zeek TSV file's bytes (pipeline/import-sql.ts scanFile) does not depend on where its
// reads end: files of random lines (with the bytes that send a file the JS way: CR, NUL, a BOM, invalid UTF-8,
// empty lines, a # inside a data line, a directive after the data, multi-byte characters) scanned with reads of a
// few bytes give the verdict of one whole-file read and of a reference written here from the rules, and a file it
// takes has as many lines as lineBatches (the JS path's reader) counts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanFile } from '../src/pipeline/import-sql.js';
import { lineBatches, MAX_LOG_LINE } from '../src/pipeline/logs.js';
import { scratchDir } from './helpers/cli.js';

const dir = scratchDir('import-sql-scan');
mkdirSync(dir, { recursive: true });

/** Zeek's header directives (what changes how the lines after them read), with what follows their name. */
const DIRECTIVES = ['#separator ', ...['set_separator', 'empty_field', 'unset_field', 'path', 'fields', 'types'].map((d) => `#${d}\t`)];
const isDirective = (l: string): boolean => DIRECTIVES.some((d) => l.startsWith(d) || l === d.slice(0, -1));

/** Whether the fast path may take the file, by the rules written out over the whole file at once. */
function takes(b: Buffer): boolean {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return false;
  if (b.includes(13) || b.includes(0) || !isUtf8(b)) return false;
  const text = b.toString('utf8');
  // a last line without an ending is a line; an empty file has none
  const lines = text === '' ? [] : text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  let data = false;
  for (const l of lines) {
    if (l === '' || Buffer.byteLength(l) > MAX_LOG_LINE) return false;
    if (l.startsWith('#')) {
      if (data && isDirective(l)) return false;
    } else {
      data = true;
      if (l.includes('#')) return false;
    }
  }
  return true;
}

async function lineCount(b: Buffer): Promise<number> {
  let n = 0;
  for await (const batch of lineBatches(Readable.from([b]))) n += batch.lines.length;
  return n;
}

/** Pieces of lines: ordinary Zeek values, and the bytes that send a file the JS way. */
const piece = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('1796613825.608884', 'CKLW5K2z', '127.0.1.9', '\t', '-', '(empty)', 'tcp', 'é', '€', '😀') },
  { weight: 1, arbitrary: fc.constantFrom('\r', '\0', '#', '\n', '\xff', '\ufeff') },
);
const line = fc.oneof(
  { weight: 6, arbitrary: fc.array(piece, { maxLength: 12 }).map((ps) => ps.join('')) },
  { weight: 2, arbitrary: fc.constantFrom('#separator \\x09', '#fields\tts\tuid', '#types\ttime\tstring', '#close\t2026-12-07-21-58-53', '#open\tx', '#path\tconn') },
);
const file = fc.tuple(fc.boolean(), fc.array(line, { maxLength: 30 }), fc.boolean()).map(([bom, ls, nl]) => {
  const text = ls.join('\n') + (nl && ls.length > 0 ? '\n' : '');
  // a lone \xff stands for an invalid byte (latin1 writes it as one byte)
  const parts = text.split('\xff').map((t) => Buffer.from(t, 'utf8'));
  const body = Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from([0xff]), p])));
  return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
});

describe('the fast path scan of a file (import-sql.ts scanFile)', () => {
  it('gives the same verdict whatever its reads, the rules\' verdict, and lineBatches\' line count', async () => {
    let k = 0;
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 17 }), async (b, read) => {
        const path = join(dir, `f${k++}.log`);
        writeFileSync(path, b);
        const whole = await scanFile(path, Math.max(1, b.length));
        const small = await scanFile(path, read);
        expect(small.reason === null).toBe(whole.reason === null);
        expect(whole.reason === null).toBe(takes(b));
        if (whole.reason === null) {
          taken++;
          expect(small.lines).toBe(whole.lines);
          expect(whole.lines).toBe(await lineCount(b));
        }
      }),
      { numRuns: 400 },
    );
    // the generator must give files the scan takes, not only ones it refuses
    expect(taken).toBeGreaterThan(20);
  });

  it('refuses a line over the limit when it spans many reads, and takes one at the limit', async () => {
    const at = Buffer.from(`${'a'.repeat(MAX_LOG_LINE)}\nb\n`);
    const over = Buffer.from(`${'a'.repeat(MAX_LOG_LINE + 1)}\nb\n`);
    writeFileSync(join(dir, 'at.log'), at);
    writeFileSync(join(dir, 'over.log'), over);
    expect(await scanFile(join(dir, 'at.log'), 4096)).toEqual({ lines: 2, reason: null });
    expect((await scanFile(join(dir, 'over.log'), 4096)).reason).toBe('a line over the line limit');
    expect((await scanFile(join(dir, 'over.log'))).reason).toBe('a line over the line limit');
  });
});

// `haystack grok --pattern P... (--line L... | FILE... | -)`: the grok debugger. For each line, which pattern
// matched and every capture (typed); for a line no pattern matches, how far the closest pattern got.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { HaystackError } from '../../core/errors.js';
import { GrokError, GrokLibrary, grokMatch, type CompiledGrok } from '../../grok/grok.js';
import { BASE_PATTERNS } from '../../grok/patterns.js';
import { LineGuard } from '../../pipeline/line-guard.js';
import { LINE_TIMEOUT_MS } from '../../pipeline/logs.js';
import { parse } from '../args.js';
import { addPatternsDir } from '../log-args.js';
import { escapeControls } from '../format/escape.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';

export const usage = `haystack grok --pattern P... (--line L... | FILE... | -) [--patterns-dir D]... [--keep-empty] [--regex] [--format text|json]
  --pattern P       a grok pattern (%{NAME:field:int}, Oniguruma (?<name>...)); several are tried in order
  --line L          a line to match (repeatable); else the lines of FILEs or standard input
  --patterns-dir D  pattern files ("NAME regex" lines) added to the library, e.g. Logstash's grok-patterns
  --keep-empty      keep captures that matched the empty string (Logstash's keep_empty_captures)
  --regex           print the JavaScript regular expression each pattern compiled to
Exit status 1 when some line matched no pattern.`;

interface Result {
  line: string;
  matched: number | null;
  fields?: Record<string, unknown>;
  closest?: { pattern: number; items: number; of: number; matched: string; at: number; next: string };
  /** the patterns ran out of time on this line (what was found before is kept) */
  timeout_ms?: number;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('grok', argv, {
    pattern: { type: 'string', multiple: true },
    line: { type: 'string', multiple: true },
    'patterns-dir': { type: 'string', multiple: true },
    'keep-empty': { type: 'boolean' },
    regex: { type: 'boolean' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  const patterns = (values.pattern ?? []) as string[];
  const lines = (values.line ?? []) as string[];
  if (patterns.length === 0) {
    io.stderr(`haystack grok: no --pattern given\n${usage}\n`);
    return EXIT_USAGE;
  }
  if (lines.length > 0 && positionals.length > 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'grok: give --line or files, not both');
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `grok: --format is text or json, not "${format}"`);
  const lib = new GrokLibrary(BASE_PATTERNS);
  for (const d of (values['patterns-dir'] ?? []) as string[]) addPatternsDir(lib, d, '--patterns-dir');
  const compiled: CompiledGrok[] = patterns.map((p, i) => {
    try {
      return lib.compile(p);
    } catch (e) {
      if (e instanceof GrokError) {
        throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `grok: pattern #${i + 1}: ${e.message}${e.column !== null ? ` (column ${e.column} of ${e.pattern === p ? 'the pattern' : JSON.stringify(e.pattern)})` : ''}`);
      }
      throw e;
    }
  });
  if (values.regex === true && format === 'text') compiled.forEach((g, i) => io.text(`pattern #${i + 1} compiles to /${escapeControls(g.source)}/${g.re.flags}\n`));
  const keepEmpty = values['keep-empty'] === true;
  let misses = 0;
  const guard = new LineGuard(LINE_TIMEOUT_MS);
  const one = (line: string): void => {
    const r: Result = { line, matched: null };
    // matching and the closest-pattern search are bounded in time as an ingest is
    const timedOut = guard.run(0, 1, () => {
      r.matched = null;
      for (let i = 0; i < compiled.length && r.matched === null; i++) {
        const f = grokMatch(compiled[i]!, line, keepEmpty);
        if (f !== null) {
          r.matched = i + 1;
          r.fields = f;
        }
      }
      if (r.matched === null) {
        let best: Result['closest'] | undefined;
        patterns.forEach((p, i) => {
          const c = lib.closest(p, line);
          if (c !== null && (best === undefined || c.items / c.of > best.items / best.of)) best = { pattern: i + 1, ...c };
        });
        if (best !== undefined) r.closest = best;
      }
    }, () => undefined) > 0;
    if (timedOut) r.timeout_ms = LINE_TIMEOUT_MS;
    if (r.matched === null) misses++;
    if (format === 'json') io.stdout(`${JSON.stringify(r)}\n`);
    else io.text(text(r, patterns.length));
  };
  if (lines.length > 0) lines.forEach(one);
  else {
    const inputs = positionals.length > 0 ? positionals : ['-'];
    for (const f of inputs) {
      const input = f === '-' ? process.stdin : createReadStream(f);
      const rl = createInterface({ input, crlfDelay: Infinity });
      try {
        for await (const line of rl) one(line);
      } catch (e) {
        throw new HaystackError('HAYSTACK_IO', `${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: f });
      }
    }
  }
  return misses > 0 ? EXIT_FAILURE : EXIT_OK;
}

function text(r: Result, n: number): string {
  const out = [`${JSON.stringify(r.line)}`];
  if (r.matched !== null) {
    out.push(`  matched${n > 1 ? ` pattern #${r.matched}` : ''}`);
    for (const [k, v] of Object.entries(r.fields ?? {})) out.push(`  ${k} = ${JSON.stringify(v)}`);
  } else if (r.closest !== undefined) {
    const c = r.closest;
    out.push(`  no match; closest: ${n > 1 ? `pattern #${c.pattern}, ` : ''}${c.items} of its ${c.of} top-level items match` +
      (c.items > 0 ? ` ${JSON.stringify(c.matched)} (up to column ${c.at + 1} of the line)` : ''));
    out.push(`  the next item does not match there: ${c.next}`);
    if (c.at < r.line.length) out.push(`  the line goes on: ${JSON.stringify(r.line.slice(c.at, c.at + 60))}`);
  } else out.push('  no match');
  if (r.timeout_ms !== undefined) out.push(`  stopped: the patterns ran past ${r.timeout_ms} ms on this line (an ingest keeps such a line unparsed)`);
  return `${out.join('\n')}\n`;
}

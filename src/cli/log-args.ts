// Options of the verbs that parse logs (logs ingest, ingest, grok): recipes, a Logstash configuration, inline
// patterns, pattern directories, the input's type, the year and zone of RFC 3164 lines. Everything is loaded
// and compiled here, so a bad file or pattern fails before any line is read, with its file, line and column.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HaystackError } from '../core/errors.js';
import { GrokError, GrokLibrary } from '../grok/grok.js';
import { BASE_PATTERNS } from '../grok/patterns.js';
import { grokFilters, LogstashConfigError } from '../logs/logstash-config.js';
import { LogParser, recipeByName, type LogParserOptions, type UserFilter } from '../logs/parse-log.js';
import { RECIPES } from '../logs/recipes.js';
import { validZone } from '../logs/syslog.js';
import { intOption, stringOption, type Options } from './args.js';

export const LOG_OPTIONS: Options = {
  recipe: { type: 'string', multiple: true },
  config: { type: 'string', multiple: true },
  pattern: { type: 'string', multiple: true },
  'patterns-dir': { type: 'string', multiple: true },
  type: { type: 'string' },
  year: { type: 'string' },
  tz: { type: 'string' },
  'line-timeout': { type: 'string' },
};

export const LOG_USAGE = `  --recipe R,...     built-in recipes to use (default all; "none": only --config/--pattern); haystack recipes lists them
  --config FILE      a Logstash configuration: its filter { grok { ... } } blocks run before the recipes
  --pattern P        a grok pattern over the whole line (repeatable, tried in order before the recipes)
  --patterns-dir D   pattern files ("NAME regex" lines) to add to the library (repeatable)
  --type T           the input's type: Logstash filters of another type do not run
  --year Y           the year of RFC 3164 lines (default: from the file's modification time)
  --tz ZONE          the zone of RFC 3164 and zone-less ISO times (IANA name, default UTC)
  --line-timeout MS  the most one line may take to parse (default 1000): a line past it is kept unparsed
                     (fields {"_grok_timeout_ms": MS}) and counted, and the ingest goes on`;

/**
 * --line-timeout's ceiling: node:vm takes its timeout as a 32-bit count of milliseconds; 2^31 - 1 (24.8 days)
 * is also what timers accept, and far past any use.
 */
export const MAX_LINE_TIMEOUT_MS = 2 ** 31 - 1;

const bad = (msg: string, file?: string): HaystackError => new HaystackError('HAYSTACK_BAD_ARGUMENT', msg, file === undefined ? {} : { file });

const list = (v: unknown): string[] => ((Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[]);

/** Adds every file of a patterns directory (or one pattern file) to the library, as Logstash's patterns_dir does. */
export function addPatternsDir(lib: GrokLibrary, dir: string, option: string): number {
  let files: string[];
  try {
    files = statSync(dir).isDirectory() ? readdirSync(dir).filter((n) => !n.startsWith('.')).sort().map((n) => join(dir, n)) : [dir];
  } catch (e) {
    throw bad(`${option} ${dir}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, dir);
  }
  let n = 0;
  for (const f of files) {
    let isFile: boolean;
    try {
      isFile = statSync(f).isFile();
    } catch (e) {
      throw bad(`${option} ${dir}: ${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, f);
    }
    if (!isFile) continue;
    try {
      n += lib.addFile(readFileSync(f, 'utf8'), f);
    } catch (e) {
      if (e instanceof GrokError) throw bad(`${e.message}`, f);
      throw bad(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, f);
    }
  }
  return n;
}

/** The parser options the command line asks for (files loaded, patterns compiled once to check them). */
export function logParserOptions(values: Record<string, unknown>): LogParserOptions & { lineTimeoutMs?: number } {
  const lib = new GrokLibrary(BASE_PATTERNS);
  for (const d of list(values['patterns-dir'])) addPatternsDir(lib, d, '--patterns-dir');
  const filters: UserFilter[] = [];
  for (const file of list(values.config)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw bad(`--config ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
    }
    let fs;
    try {
      fs = grokFilters(text);
    } catch (e) {
      if (e instanceof LogstashConfigError) throw bad(`${file}:${e.line}:${e.column}: ${e.message.replace(/^line \d+, column \d+: /, '')}`, file);
      throw e;
    }
    if (fs.length === 0) throw bad(`--config ${file}: no grok filter in it`, file);
    for (const f of fs) {
      for (const d of f.patternsDirs) addPatternsDir(lib, d, `${file}:${f.line}: patterns_dir`);
      filters.push({ name: `${basename(file)}:${f.line}`, patterns: f.patterns, fields: f.fields, type: f.type, tags: f.tags, breakOnMatch: f.breakOnMatch });
    }
  }
  const patterns = list(values.pattern);
  if (patterns.length > 0) filters.push({ name: 'pattern', patterns });
  const recipeArg = list(values.recipe).flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  let recipes: string[] | undefined;
  if (recipeArg.length > 0) {
    recipes = recipeArg.includes('none') ? [] : recipeArg;
    for (const r of recipes) if (recipeByName(r) === undefined) throw bad(`--recipe: unknown recipe "${r}" (${RECIPES.map((x) => x.name).join(', ')}, none)`);
  }
  const year = intOption('year', values.year, 1970, 9999) ?? null;
  const tz = stringOption(values.tz);
  if (tz !== undefined && !validZone(tz)) throw bad(`--tz: unknown time zone "${tz}" (an IANA name such as Europe/Berlin, or UTC)`);
  const lineTimeoutMs = intOption('line-timeout', values['line-timeout'], 1, MAX_LINE_TIMEOUT_MS);
  const o: LogParserOptions & { lineTimeoutMs?: number } = {
    ...(lineTimeoutMs !== undefined ? { lineTimeoutMs } : {}),
    library: lib, filters, year, type: stringOption(values.type) ?? null,
    ...(recipes !== undefined ? { recipes } : {}), ...(tz !== undefined ? { tz } : {}),
  };
  try {
    new LogParser(o);
  } catch (e) {
    if (e instanceof GrokError) throw bad(`${e.message} (in ${e.pattern.length > 120 ? `${e.pattern.slice(0, 120)}...` : e.pattern}${e.column !== null ? `, column ${e.column}` : ''})`);
    throw e;
  }
  return o;
}

// `haystack rules check FILE...`: what of a rules file loads, what does not (by sid, with the keyword and the
// reason), and syntax errors with file, line and column.
import { readFileSync } from 'node:fs';
import { HaystackError } from '../../core/errors.js';
import { Classifications } from '../../detect/classification.js';
import { parseRules, type RuleSet } from '../../detect/rules-file.js';
import { parseVarsFile } from '../../detect/vars-file.js';
import { parse, stringOption } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';

export const usage = `haystack rules check FILE... [--var NAME=VALUE]... [--vars-file FILE] [--classification FILE] [--format text|json]
  --vars-file FILE  rule variables from snort.conf (ipvar/portvar/var lines) or suricata.yaml (vars: address-groups,
                    port-groups); --var wins over it
Exit status 1 when a file has syntax errors; rules that use unsupported keywords are reported, not errors.`;

/** The options every command that loads rules takes. */
export const RULE_OPTIONS = {
  var: { type: 'string', multiple: true },
  'vars-file': { type: 'string', multiple: true },
  classification: { type: 'string' },
} as const;

/** --var NAME=VALUE (repeatable) as a variables table. */
export function varsOption(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of (Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[]) {
    const m = /^([A-Za-z_]\w*)=(.+)$/.exec(s);
    if (m === null) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--var needs NAME=VALUE, got "${s}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * Reads rule files into one rule set, with the variables of --vars-file files, then `defaults` (what the
 * command knows, e.g. ingest's --home-net), then --var, and --classification's table.
 */
export function loadRules(files: readonly string[], values: Record<string, unknown>, defaults: Record<string, string> = {}): RuleSet {
  const classifications = new Classifications();
  const classificationFile = stringOption(values.classification);
  if (classificationFile !== undefined) classifications.load(read(classificationFile), classificationFile);
  const all: RuleSet = { rules: [], notLoaded: [], errors: [], total: 0 };
  const fromFiles: Record<string, string> = {};
  for (const f of (values['vars-file'] ?? []) as string[]) {
    const v = parseVarsFile(read(f), f);
    Object.assign(fromFiles, v.vars);
    for (const e of v.errors) all.errors.push({ file: e.file, line: e.line, column: null, message: e.message });
  }
  const given = varsOption(values.var);
  const vars = { ...fromFiles, ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !(k in fromFiles))), ...given };
  for (const f of files) {
    const r = parseRules(read(f), f, { vars, classifications });
    all.rules.push(...r.rules);
    all.notLoaded.push(...r.notLoaded);
    all.errors.push(...r.errors);
    all.total += r.total;
  }
  return all;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file, cause: e });
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.text(`${usage}\n`);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'check') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `rules: unknown subcommand "${sub}" (check)`);
  const { values, positionals } = parse('rules check', rest, {
    ...RULE_OPTIONS,
    format: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'rules check: no rules file given');
  const format = stringOption(values.format) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--format must be text or json, got "${format}"`);
  const set = loadRules(positionals, values);
  const byKeyword = new Map<string, number>();
  for (const n of set.notLoaded) byKeyword.set(n.keyword, (byKeyword.get(n.keyword) ?? 0) + 1);
  const keywords = [...byKeyword].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (format === 'json') {
    io.stdout(`${JSON.stringify({
      total: set.total,
      loaded: set.rules.length,
      not_loaded: set.notLoaded.map((n) => ({ sid: n.sid, msg: n.msg, file: n.file, line: n.line, keyword: n.keyword, reason: n.reason })),
      not_loaded_by_keyword: Object.fromEntries(keywords),
      errors: set.errors,
    })}\n`);
  } else {
    const pct = set.total === 0 ? 100 : (100 * set.rules.length) / set.total;
    io.text(`${set.total} rules: ${set.rules.length} loaded (${pct.toFixed(1)}%), ${set.notLoaded.length} not loaded, ${set.errors.length} with syntax errors\n`);
    if (keywords.length > 0) io.text(`not loaded, by keyword: ${keywords.map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
    for (const n of set.notLoaded) io.text(`  sid ${n.sid ?? '?'} (${n.file}:${n.line}): ${n.reason}\n`);
    for (const e of set.errors) io.text(`  ${e.file}:${e.line}${e.column !== null ? `:${e.column}` : ''}: ${e.message}\n`);
  }
  return set.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

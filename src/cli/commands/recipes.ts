// `haystack recipes [NAME...]`: the built-in log recipes, the programs they read, their event types and the
// fields of each (with types); with names, the grok patterns too.
import { HaystackError } from '../../core/errors.js';
import { compileRecipes, recipeByName } from '../../logs/parse-log.js';
import { RECIPES, type Recipe } from '../../logs/recipes.js';
import { parse } from '../args.js';
import { EXIT_OK, type CliIo } from '../io.js';

export const usage = `haystack recipes [NAME...] [--format text|json]
Lists the built-in recipes (all, or those named, with their grok patterns): the syslog programs each reads,
its event types (the logs table's "type") and the fields of each; key=value lists are split into fields of
their own, named as the daemon writes them.`;

interface Listed {
  name: string;
  doc: string;
  programs: string;
  types: { type: string; fields: { name: string; type: string }[]; key_values: string | null; catch_all: boolean; grok?: string }[];
  int_keys: readonly string[];
}

function describe(r: Recipe, full: boolean): Listed {
  const compiled = compileRecipes([r]).get(r)!;
  return {
    name: r.name, doc: r.doc, programs: r.programs.source, int_keys: r.ints ?? [],
    types: compiled.map((c) => ({
      type: c.type,
      fields: dedupe(c.g.fields.filter((f) => f.name !== c.def?.kv?.field)).map((f) => ({ name: f.name, type: f.type === 'string' ? 'string' : f.type })),
      key_values: c.def?.kv === undefined ? null : c.def.kv.sep === 'comma' ? 'k=v, k=v' : 'k=v k=v',
      catch_all: c.def?.other === true,
      ...(full ? { grok: c.def!.grok } : {}),
    })),
  };
}

function dedupe<T extends { name: string }>(xs: T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(x.name) ? false : (seen.add(x.name), true)));
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('recipes', argv, { format: { type: 'string' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `recipes: --format is text or json, not "${format}"`);
  const chosen = positionals.length === 0 ? RECIPES : positionals.map((n) => {
    const r = recipeByName(n);
    if (r === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `recipes: unknown recipe "${n}" (${RECIPES.map((x) => x.name).join(', ')})`);
    return r;
  });
  const list = chosen.map((r) => describe(r, positionals.length > 0));
  if (format === 'json') {
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT_OK;
  }
  const out: string[] = [];
  for (const r of list) {
    out.push(`${r.name} — ${r.doc}`, `  programs: /${r.programs}/`);
    for (const t of r.types) {
      const fields = t.fields.map((f) => (f.type === 'string' ? f.name : `${f.name}:${f.type}`));
      if (t.key_values !== null) fields.push(`(${t.key_values} fields${r.int_keys.length > 0 ? `; ${r.int_keys.join(', ')} as int` : ''})`);
      out.push(`  ${t.type.padEnd(28)} ${fields.join(' ')}${t.catch_all ? '   [catch-all]' : ''}`);
      if (t.grok !== undefined) out.push(`      ${t.grok}`);
    }
    out.push('');
  }
  io.text(out.join('\n'));
  return EXIT_OK;
}

// The content-inspection options of `ingest` and `inspect`: --no-inspect, --remote-access DIR (a LOLRMM-format
// directory of YAML files); the files they name are read here and handed to the pipeline as data.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HaystackError } from '../core/errors.js';
import { builtinDetectors } from '../inspect/builtin.js';
import { loadGitleaksRules } from '../inspect/gitleaks.js';
import { builtinRemoteAccess } from '../inspect/names/builtin-remote-access.js';
import { loadLolrmm } from '../inspect/names/remote-access.js';
import type { Detector } from '../inspect/types.js';
import type { InspectConfig } from '../pipeline/inspect.js';
import type { Options } from './args.js';
import type { CliIo } from './io.js';

export const INSPECT_OPTIONS: Options = {
  'no-inspect': { type: 'boolean' },
  'remote-access': { type: 'string' },
  'secrets-rules': { type: 'string', multiple: true },
};

export const INSPECT_USAGE = `content inspection (findings): on by default; --no-inspect turns it off;
  --remote-access DIR  remote-access tools by name (TLS SNI and SANs, DNS queries, HTTP Host): LOLRMM's catalogue
                       is built in; DIR (a LOLRMM-format directory of YAML files) replaces it
  --secrets-rules FILE a gitleaks-format rule file (TOML), its rules beside the built-in detectors`;

function readDir(dir: string): { name: string; text: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `--remote-access ${dir}: cannot read the directory (${(e as Error).message})`, { file: dir, cause: e });
  }
  if (names.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--remote-access ${dir}: no .yaml or .yml files in it`);
  return names.map((n) => {
    const file = join(dir, n);
    try {
      return { name: n, text: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new HaystackError('HAYSTACK_IO', `--remote-access: cannot read ${file} (${(e as Error).message})`, { file, cause: e });
    }
  });
}

/** The inspection the options ask for (false: none); what was loaded and left out is said on stderr. */
export function inspectOption(values: Record<string, unknown>, io: CliIo, verb: string): InspectConfig | false {
  if (values['no-inspect'] === true) return false;
  const dir = typeof values['remote-access'] === 'string' ? values['remote-access'] : null;
  // LOLRMM's catalogue is built in; a directory of LOLRMM YAML (a newer checkout, a site's own list) replaces it
  let remoteAccess: InspectConfig['remoteAccess'] = builtinRemoteAccess();
  if (dir !== null) {
    const l = loadLolrmm(readDir(dir));
    remoteAccess = l.catalogue;
    io.stderr(`haystack ${verb}: remote-access: ${l.catalogue.tools} tools, ${l.catalogue.patterns} names from ${dir}` +
      `${l.rejected.length > 0 ? ` (${l.rejected.length} files or entries without a usable domain left out)` : ''}\n`);
  }
  const detectors: Detector[] = builtinDetectors();
  for (const file of (values['secrets-rules'] ?? []) as string[]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new HaystackError('HAYSTACK_IO', `--secrets-rules ${file}: cannot read it (${(e as Error).message})`, { file, cause: e });
    }
    let rules: ReturnType<typeof loadGitleaksRules>;
    try {
      // the translation refuses what is outside RE2 syntax; the RE2 compile check (seconds for a large file) is for the tests
      rules = loadGitleaksRules(text, { re2Check: false });
    } catch (e) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--secrets-rules ${file}: ${(e as Error).message}`, { file, cause: e });
    }
    const left = rules.rejected.map((r) => `${file}${r.line !== undefined ? `:${r.line}` : ''}: rule ${r.id}: ${r.reason}`);
    // a file none of whose rules load is a mistake, not a run without its rules
    if (rules.detectors.length === 0 && left.length > 0) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--secrets-rules ${file}: no rule loaded:\n${left.join('\n')}`, { file });
    }
    detectors.push(...rules.detectors);
    io.stderr(`haystack ${verb}: ${file}: ${rules.detectors.length} rules loaded${left.length > 0 ? `, ${left.length} left out:` : ''}\n`);
    for (const l of left) io.stderr(`haystack ${verb}: ${l}\n`);
  }
  return { remoteAccess, detectors };
}

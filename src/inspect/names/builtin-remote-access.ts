// The built-in remote-access catalogue: LOLRMM's tools and domains (Apache-2.0), as data in data/lolrmm.json
// (tools/make-lolrmm-data.mjs writes it); `--remote-access DIR` replaces it with a directory of LOLRMM YAML.
import table from '../data/lolrmm.json' with { type: 'json' };
import { hostPattern } from './host-pattern.js';
import { RemoteAccessCatalogue } from './remote-access.js';

let built: RemoteAccessCatalogue | null = null;

/** The catalogue of data/lolrmm.json, built once (every entry there was accepted when the file was made). */
export function builtinRemoteAccess(): RemoteAccessCatalogue {
  if (built !== null) return built;
  const c = new RemoteAccessCatalogue();
  for (const t of table.tools) {
    let used = false;
    for (const d of t.domains) {
      const r = hostPattern(d);
      if (!r.ok) throw new Error(`lolrmm.json: ${t.name}: "${d}": ${r.reason}`);
      c.add(t.name, t.category, r.pattern);
      used = true;
    }
    if (used) c.filesUsed++;
  }
  return (built = c);
}

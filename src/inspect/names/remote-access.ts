// Remote-access and RMM tools by host name: a LOLRMM-format catalogue (one YAML file per tool, its domains under
// Artifacts.Network[].Domains) loaded as data, and matched against the names a session shows (TLS SNI,
// certificate SANs, DNS queries, HTTP Host). Pure: the caller reads the files and hands their text.
//
// Confidence rule: the pattern's (shared-infra.ts): high for a name under the tool vendor's own domain, medium
// for a tenant's name on a shared platform, low for names everybody uses or wildcards over a whole provider or
// multi-product vendor; one step lower when the name came from a certificate SAN (a certificate may list many
// unrelated names: a CDN's shared certificate, a hosting provider's). Matching: exact names, `*.d` for names
// strictly below d (not d itself: a vendor's apex is usually its web site), in-label globs; case-insensitive,
// trailing dot ignored; one lookup per label of the name (indexes by exact name and by fixed suffix).
import { parse as parseYaml } from 'yaml';
import { hostPattern, MAX_HOST_CHARS, normaliseHost, type HostPattern, type PatternKind } from './host-pattern.js';
import { INFRA_CONFIDENCE, patternInfra, type Infra } from './shared-infra.js';
import type { Confidence, NameFinding, NameSource } from './types.js';

/** A catalogue file larger than this is refused (the largest LOLRMM file is ~40 KB). */
export const LOLRMM_MAX_FILE_CHARS = 1024 * 1024;
/** Domain entries read from one file at most (LOLRMM's largest has 33). */
export const LOLRMM_MAX_DOMAINS_PER_FILE = 1000;
/** A rejected entry is quoted in its reason up to this many characters. */
const QUOTE_CHARS = 80;

/** One match of a host name: the tool, the catalogue pattern it matched and what that pattern is worth. */
export interface RemoteAccessMatch {
  /** the tool's Name */
  readonly tool: string;
  /** the tool's Category (LOLRMM: RMM or RAT) */
  readonly toolCategory: string;
  /** the pattern as normalised ("*.anydesk.com") */
  readonly pattern: string;
  readonly kind: PatternKind;
  readonly infra: Infra;
  readonly confidence: Confidence;
}

/** A file or an entry that did not make it into the catalogue, and why. */
export interface LolrmmRejection {
  readonly file: string;
  readonly reason: string;
  /** the domain entry, quoted and cut, when one entry (not the whole file) was rejected */
  readonly entry?: string;
}

interface Entry extends RemoteAccessMatch {
  readonly re: RegExp | null;
}

/** The loaded catalogue: indexes by exact name, by wildcard suffix and by glob suffix. */
export class RemoteAccessCatalogue {
  private readonly exact = new Map<string, Entry[]>();
  private readonly below = new Map<string, Entry[]>();
  private readonly globs = new Map<string, Entry[]>();
  private readonly seen = new Set<string>();
  private readonly toolNames = new Set<string>();
  /** files with at least one accepted domain entry (new, or a pattern its tool had from another file) */
  filesUsed = 0;

  /** distinct tools (by Name) with at least one pattern */
  get tools(): number {
    return this.toolNames.size;
  }

  /** distinct (tool, pattern) pairs */
  get patterns(): number {
    return this.seen.size;
  }

  /** Adds a pattern of a tool; false when the tool had it already (a duplicate entry). */
  add(tool: string, toolCategory: string, p: HostPattern): boolean {
    const key = `${tool}\n${p.text}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.toolNames.add(tool);
    const infra = patternInfra(p);
    const e: Entry = { tool, toolCategory, pattern: p.text, kind: p.kind, infra, confidence: INFRA_CONFIDENCE[infra], re: p.re };
    const map = p.kind === 'exact' ? this.exact : p.kind === 'wildcard' ? this.below : this.globs;
    const list = map.get(p.fixed);
    if (list === undefined) map.set(p.fixed, [e]);
    else list.push(e);
    return true;
  }

  /** Every (tool, pattern) the name matches, in catalogue order per index: exact, then by suffix from the longest. */
  match(name: string): RemoteAccessMatch[] {
    const host = normaliseHost(name);
    if (host === '' || host.length > MAX_HOST_CHARS) return [];
    const out: RemoteAccessMatch[] = [];
    for (const e of this.exact.get(host) ?? []) out.push(strip(e));
    for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      const suffix = host.slice(dot + 1);
      for (const e of this.below.get(suffix) ?? []) out.push(strip(e));
      for (const e of this.globs.get(suffix) ?? []) if (e.re!.test(host)) out.push(strip(e));
    }
    return out;
  }
}

function strip(e: Entry): RemoteAccessMatch {
  return { tool: e.tool, toolCategory: e.toolCategory, pattern: e.pattern, kind: e.kind, infra: e.infra, confidence: e.confidence };
}

/** A value quoted for a reason: printable ASCII only, cut. */
function quote(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > QUOTE_CHARS ? `${clean.slice(0, QUOTE_CHARS)}...` : clean);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Artifacts.Network[].Domains of a parsed file, flattened; null when the file has none. */
function domainsOf(doc: Record<string, unknown>): unknown[] | null {
  const artifacts = doc.Artifacts;
  const network = isRecord(artifacts) ? artifacts.Network : undefined;
  if (!Array.isArray(network)) return null;
  const out: unknown[] = [];
  for (const n of network) {
    const d = isRecord(n) ? n.Domains : undefined;
    if (Array.isArray(d)) out.push(...d);
  }
  return out.length === 0 ? null : out;
}

/** The top-level keys the catalogue reads. */
const KEYS = new Set(['Name', 'Category', 'Artifacts']);
const TOP_KEY = /^([A-Za-z_][\w-]*)[ \t]*:/;

/**
 * The top-level blocks of KEYS alone, or null when the text is not a plain block mapping (a document marker, a
 * flow mapping, a top-level sequence). A block mapping's keys start at column 0 and everything inside a value
 * is indented or, for a sequence, starts with "-": so a block runs to the next line that starts a key. The
 * files' descriptions, detections and references (~80% of their text) are then never parsed.
 */
function topLevel(text: string): string | null {
  const keep: string[] = [];
  let on = false;
  for (const line of text.split('\n')) {
    const k = TOP_KEY.exec(line);
    if (k !== null) on = KEYS.has(k[1]!);
    else if (line.startsWith('---') || line.startsWith('...') || line.startsWith('{') || line.startsWith('[')) return null;
    else if (/^[^\s#-]/.test(line)) return null;
    if (on) keep.push(line);
  }
  return keep.join('\n');
}

/** A file's document: its KEYS blocks parsed (see topLevel), else the whole text. */
function readTool(text: string): unknown {
  const part = topLevel(text);
  if (part !== null) {
    try {
      const doc: unknown = parseYaml(part);
      if (isRecord(doc) && 'Name' in doc) return doc;
    } catch {
      // the whole text says what is wrong with it
    }
  }
  return parseYaml(text);
}

/**
 * A LOLRMM-format catalogue from its files' text. Every file either gives patterns or is rejected with a
 * reason; every domain entry either becomes a pattern, is a duplicate of one, or is rejected with a reason.
 */
export function loadLolrmm(files: readonly { name: string; text: string }[]): {
  catalogue: RemoteAccessCatalogue;
  rejected: LolrmmRejection[];
  /** entries that repeat a pattern their tool has already (not rejections) */
  duplicates: number;
} {
  const catalogue = new RemoteAccessCatalogue();
  const rejected: LolrmmRejection[] = [];
  let duplicates = 0;
  // sorted by name: the catalogue (and its match order) does not depend on the order the caller read the files
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    if (f.text.length > LOLRMM_MAX_FILE_CHARS) {
      rejected.push({ file: f.name, reason: `larger than ${LOLRMM_MAX_FILE_CHARS} characters` });
      continue;
    }
    let doc: unknown;
    try {
      doc = readTool(f.text);
    } catch (e) {
      rejected.push({ file: f.name, reason: `not YAML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200)}` });
      continue;
    }
    if (!isRecord(doc) || typeof doc.Name !== 'string' || doc.Name.trim() === '') {
      rejected.push({ file: f.name, reason: 'no Name' });
      continue;
    }
    const tool = doc.Name.trim();
    const toolCategory = typeof doc.Category === 'string' ? doc.Category : '';
    const domains = domainsOf(doc);
    if (domains === null) {
      rejected.push({ file: f.name, reason: 'no Artifacts.Network[].Domains' });
      continue;
    }
    let accepted = 0;
    let bad = 0;
    for (const [i, d] of domains.entries()) {
      if (i >= LOLRMM_MAX_DOMAINS_PER_FILE) {
        rejected.push({ file: f.name, reason: `more than ${LOLRMM_MAX_DOMAINS_PER_FILE} domain entries: the rest not read` });
        break;
      }
      const r = hostPattern(d);
      if (!r.ok) {
        rejected.push({ file: f.name, entry: quote(d), reason: r.reason });
        bad++;
      } else {
        accepted++;
        if (!catalogue.add(tool, toolCategory, r.pattern)) duplicates++;
      }
    }
    // a file of a tool another file names too may only repeat that file's patterns: it is used all the same
    if (accepted > 0) catalogue.filesUsed++;
    else rejected.push({ file: f.name, reason: `no usable domain (${bad} entries rejected)` });
  }
  return { catalogue, rejected, duplicates };
}

const ORDER: Readonly<Record<Confidence, number>> = { high: 2, medium: 1, low: 0 };
const LOWER: Readonly<Record<Confidence, Confidence>> = { high: 'medium', medium: 'low', low: 'low' };
const KIND_ORDER: Readonly<Record<PatternKind, number>> = { exact: 2, glob: 1, wildcard: 0 };

/** Better of two matches of one tool: higher confidence, then exact over glob over wildcard, then longer pattern. */
function better(a: RemoteAccessMatch, b: RemoteAccessMatch): boolean {
  if (ORDER[a.confidence] !== ORDER[b.confidence]) return ORDER[a.confidence] > ORDER[b.confidence];
  if (KIND_ORDER[a.kind] !== KIND_ORDER[b.kind]) return KIND_ORDER[a.kind] > KIND_ORDER[b.kind];
  return a.pattern.length > b.pattern.length;
}

/**
 * The remote_access findings for a host name seen in `source`: one per tool the name matches (its best
 * pattern), in the order the tools first matched.
 */
export function remoteAccessFindings(catalogue: RemoteAccessCatalogue, name: string, source: NameSource): NameFinding[] {
  const best = new Map<string, RemoteAccessMatch>();
  for (const m of catalogue.match(name)) {
    const had = best.get(m.tool);
    if (had === undefined || better(m, had)) best.set(m.tool, m);
  }
  const host = normaliseHost(name);
  const out: NameFinding[] = [];
  for (const m of best.values()) {
    out.push({
      detector: 'remote_access',
      category: 'remote_access',
      confidence: source === 'san' ? LOWER[m.confidence] : m.confidence,
      note: `tool ${m.tool}`,
      subject: host,
      validations: [`lolrmm:${m.pattern}`, `match:${m.kind}`, `infra:${m.infra}`, `source:${source}`],
      count: 1,
      distinctCount: null,
    });
  }
  return out;
}

/**
 * The DNS names of a tls record's `san` (Node's rendering: "DNS:a.example", "IP Address:192.0.2.1", a name with
 * a comma or quote written as a JSON string): what feeds remote_access with source 'san'.
 */
export function sanHostNames(san: readonly string[] | null): string[] {
  const out: string[] = [];
  for (const entry of san ?? []) {
    if (!entry.startsWith('DNS:')) continue;
    let v = entry.slice(4);
    if (v.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (typeof parsed !== 'string') continue;
        v = parsed;
      } catch {
        continue;
      }
    }
    if (v !== '') out.push(v);
  }
  return out;
}

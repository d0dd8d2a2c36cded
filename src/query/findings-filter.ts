// The findings screen's choices (detector, category, least confidence, test values, one host) as filter-language
// text over the `findings` table: one function for the server's grouped report and the console's rows, so that
// a group's count and the rows listed under it are the same selection.

/** Confidence levels, highest first (src/inspect: each detector documents its rule). */
export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** The address a finding's host is: the session's originator or its responder. */
export const FINDING_HOST_FIELDS = ['src_ip', 'dst_ip'] as const;
export type FindingHostField = (typeof FINDING_HOST_FIELDS)[number];

/** What the findings screen narrows to; every part optional (absent: no condition). */
export interface FindingsSelection {
  detector?: string | null;
  category?: string | null;
  /** the least confidence shown: 'medium' keeps high and medium */
  minConfidence?: Confidence | null;
  /** include published test values (4111 1111 1111 1111, AWS's EXAMPLE keys); false or absent: left out */
  tests?: boolean;
  /** one host on the chosen side (value null: findings without an address, such as a DNS tunnel's domain) */
  host?: { field: FindingHostField; value: string | null } | null;
}

/** A text literal of the filter language (quotes and backslashes escaped). */
export function filterLiteral(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The selection as filter text ('' when it selects everything), its terms ANDed. */
export function findingsFilterText(s: FindingsSelection): string {
  const terms: string[] = [];
  if (s.detector != null && s.detector !== '') terms.push(`detector = ${filterLiteral(s.detector)}`);
  if (s.category != null && s.category !== '') terms.push(`category = ${filterLiteral(s.category)}`);
  if (s.minConfidence != null && s.minConfidence !== 'low') {
    const kept = CONFIDENCES.slice(0, CONFIDENCES.indexOf(s.minConfidence) + 1);
    terms.push(kept.length === 1 ? `confidence = ${filterLiteral(kept[0]!)}` : `(${kept.map((c) => `confidence = ${filterLiteral(c)}`).join(' or ')})`);
  }
  if (s.tests !== true) terms.push('test_value = false');
  if (s.host != null) terms.push(`${s.host.field} = ${s.host.value === null ? 'null' : filterLiteral(s.host.value)}`);
  return terms.join(' and ');
}

/** Two filters ANDed (either may be empty; one holding "or" is kept whole by parentheses). */
export function andFilters(a: string, b: string): string {
  const x = a.trim();
  const y = b.trim();
  if (x === '') return y;
  if (y === '') return x;
  const wrap = (s: string): string => (/\bor\b/i.test(s) ? `(${s})` : s);
  return `${wrap(x)} and ${wrap(y)}`;
}

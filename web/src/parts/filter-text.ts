// Filter-language text for a value clicked in a report: a quoted string, a number, or "not FIELD" for none.
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

export function equals(field: string, v: unknown): string {
  if (v === null || v === undefined) return `not ${field}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${field} = ${String(v)}`;
  return `${field} = ${quote(String(v))}`;
}

// CSV of what the results table shows (its rows and columns, as text), downloaded from a Blob; a text cell a
// spreadsheet would take for a formula gets a leading apostrophe, as the server's export does.
import { text, type Column } from './parts/value.js';

const NOT_TEXT = new Set(['int', 'float', 'timestamp', 'bool']);

export function csvCell(type: string, v: unknown): string {
  let s = text(type, v);
  if (!NOT_TEXT.has(type) && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  // eslint-disable-next-line no-control-regex
  return /[",\u0000-\u001f\u007f]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(columns: readonly Column[], rows: readonly Record<string, unknown>[]): string {
  const head = columns.map((c) => csvCell('string', c.name)).join(',');
  return `${[head, ...rows.map((r) => columns.map((c) => csvCell(c.type, r[c.name])).join(','))].join('\r\n')}\r\n`;
}

/** Saves text as a file through a Blob URL (the page's own, revoked after). */
export function saveText(name: string, body: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// One value of a record as text: times in the chosen zone, lists joined, JSON as text. Always text nodes:
// whatever a record holds (markup, script, a javascript: URL) is shown, never interpreted.
import type { JSX } from 'preact';
import { showTime } from '../time.js';

export interface Column {
  name: string;
  type: string;
}

export function text(type: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (type === 'timestamp' && typeof v === 'string') return showTime(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function Value({ type, v }: { type: string; v: unknown }): JSX.Element {
  if (v === null || v === undefined) return <span class="null">–</span>;
  return <span>{text(type, v)}</span>;
}

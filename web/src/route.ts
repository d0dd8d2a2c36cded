// The console's state lives in the URL (path and query), so that a link reopens the same view: a signal of
// the current location, navigation that pushes history, and helpers to read and change query parameters.
import { signal } from '@preact/signals';

export interface Location {
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, params: new URLSearchParams(window.location.search) };
}

export const location = signal<Location>(current());

window.addEventListener('popstate', () => {
  location.value = current();
});

/** Goes to a path with parameters (empty values dropped); `replace` for changes that need no Back step. */
export function navigate(path: string, params: Record<string, string | null | undefined> = {}, replace = false): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  const url = `${path}${qs === '' ? '' : `?${qs}`}`;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  location.value = current();
}

/** The current parameters with some changed (null removes one). */
export function withParams(change: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of location.value.params) out[k] = v;
  return { ...out, ...change };
}

/** A link target for an in-app path (a plain href, so that it can be opened in a new tab or copied). */
export function link(path: string, params: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  return `${path}${qs === '' ? '' : `?${qs}`}`;
}

/** Follows an in-app link without reloading the page (plain clicks only: a new tab opens as usual). */
export function onLink(e: MouseEvent): void {
  const a = (e.target as HTMLElement).closest('a');
  if (a === null || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/api/') || a.hasAttribute('download')) return;
  e.preventDefault();
  window.history.pushState(null, '', url.pathname + url.search);
  location.value = current();
}

// The console's client of the server's API: JSON in and out, the CSRF token on every change, a 401 sends the
// user back to the login screen. Only this server (relative URLs); nothing else is fetched.
import { signal } from '@preact/signals';

export interface Me {
  user: string;
  role: 'viewer' | 'analyst' | 'admin';
  csrf: string;
  restrict: string | null;
}

/** The logged-in account (null: the login screen shows). */
export const me = signal<Me | null>(null);
/** Whether the first /api/me answer came back (the shell waits for it). */
export const ready = signal(false);

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function answer<T>(r: Response): Promise<T> {
  if (r.status === 401) {
    me.value = null;
    throw new ApiError(401, 'login required');
  }
  const type = r.headers.get('content-type') ?? '';
  const body: unknown = type.includes('application/json') ? await r.json() : await r.text();
  if (!r.ok) {
    const msg = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : `HTTP ${r.status}`;
    throw new ApiError(r.status, msg);
  }
  return body as T;
}

export async function get<T>(path: string, params: Record<string, string | number | undefined | null> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return answer<T>(await fetch(`${path}${qs === '' ? '' : `?${qs}`}`, { credentials: 'same-origin' }));
}

export async function send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (me.value !== null) headers['x-csrf-token'] = me.value.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return answer<T>(await fetch(path, { method, credentials: 'same-origin', headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
}

/** A query string for a download link (the browser follows it: attachment, never rendered). */
export function href(path: string, params: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `${path}${qs === '' ? '' : `?${qs}`}`;
}

export async function login(user: string, password: string): Promise<void> {
  me.value = await send<Me>('POST', '/api/login', { user, password });
}

export async function logout(): Promise<void> {
  try {
    await send('POST', '/api/logout', {});
  } finally {
    me.value = null;
  }
}

export async function whoami(): Promise<void> {
  try {
    me.value = await get<Me>('/api/me');
  } catch {
    me.value = null;
  } finally {
    ready.value = true;
  }
}

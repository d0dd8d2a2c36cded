// Admin: the accounts (add one; change a role, a password, a row restriction; disable or enable) and the
// audit trail, newest first, a page at a time, by user. Admins only: others see that it is not for them.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, me, send } from '../api.js';
import { link, location, navigate, withParams } from '../route.js';
import { showTime } from '../time.js';

interface Account {
  name: string;
  role: 'viewer' | 'analyst' | 'admin';
  disabled: boolean;
  restrict: string | null;
  created: number;
  changed: number;
}
type AuditRow = Record<string, unknown>;
const ROLES = ['viewer', 'analyst', 'admin'] as const;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function micros(us: number): string {
  return showTime(new Date(us / 1000).toISOString());
}

export function Admin(): JSX.Element {
  if (me.value?.role !== 'admin') return <p class="error" role="alert" data-testid="not-admin">The admin screen is for admins.</p>;
  return (
    <section class="admin">
      <Users />
      <Audit />
    </section>
  );
}

function Users(): JSX.Element {
  const [users, setUsers] = useState<Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const load = (): void => void get<{ users: Account[] }>('/api/users').then((r) => setUsers(r.users), (e: unknown) => setError(message(e)));
  useEffect(load, []);
  const change = async (name: string, body: Record<string, unknown>, what: string): Promise<void> => {
    setError(null);
    setSaid(null);
    try {
      await send('PATCH', `/api/users/${encodeURIComponent(name)}`, body);
      setSaid(`${name}: ${what}`);
      load();
    } catch (e) {
      setError(`${name}: ${message(e)}`);
    }
  };
  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const f = new FormData(form);
    const restrict = String(f.get('restrict') ?? '').trim();
    setError(null);
    setSaid(null);
    try {
      await send('POST', '/api/users', { name: String(f.get('name') ?? ''), role: String(f.get('role') ?? 'viewer'), password: String(f.get('password') ?? ''), restrict: restrict === '' ? null : restrict });
      setSaid(`${String(f.get('name'))}: added`);
      form.reset();
      load();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <div class="block">
      <h2>Accounts {users !== null && <small>{users.length}</small>}</h2>
      {error !== null && <p class="error" role="alert" data-testid="admin-error">{error}</p>}
      {said !== null && <p class="ok" data-testid="admin-said">{said}</p>}
      {users !== null && (
        <table class="results users" data-testid="users" data-nav>
          <thead><tr><th>name</th><th>role</th><th>state</th><th>row restriction</th><th>new password</th><th>created</th><th>changed</th></tr></thead>
          <tbody>{users.map((u) => <UserRow key={u.name} u={u} change={change} self={u.name === me.value?.user} />)}</tbody>
        </table>
      )}
      <form class="add-user" data-testid="add-user" onSubmit={(e) => void add(e)}>
        <strong>Add</strong>
        <input name="name" placeholder="name" required maxLength={64} autocomplete="off" />
        <select name="role" aria-label="role">{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</select>
        <input name="password" type="password" placeholder="password" required autocomplete="new-password" />
        <input name="restrict" class="grow" placeholder='row restriction (optional), e.g. sensor = "gw1"' />
        <button type="submit">Add account</button>
      </form>
    </div>
  );
}

function UserRow({ u, change, self }: { u: Account; change: (name: string, body: Record<string, unknown>, what: string) => Promise<void>; self: boolean }): JSX.Element {
  const [restrict, setRestrict] = useState(u.restrict ?? '');
  const [password, setPassword] = useState('');
  useEffect(() => setRestrict(u.restrict ?? ''), [u.restrict]);
  return (
    <tr data-user={u.name} class={u.disabled ? 'disabled' : ''}>
      <td>{u.name}{self && <small class="muted"> (you)</small>}</td>
      <td>
        <select aria-label={`role of ${u.name}`} value={u.role} disabled={self} onChange={(e) => void change(u.name, { role: (e.target as HTMLSelectElement).value }, 'role changed')}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </td>
      <td>
        <button type="button" class="small ghost" disabled={self} onClick={() => void change(u.name, { disabled: !u.disabled }, u.disabled ? 'enabled' : 'disabled')}>{u.disabled ? 'disabled: enable' : 'enabled: disable'}</button>
      </td>
      <td>
        <form class="inline" onSubmit={(e) => { e.preventDefault(); void change(u.name, { restrict: restrict.trim() === '' ? null : restrict }, 'restriction set'); }}>
          <input value={restrict} placeholder="none" onInput={(e) => setRestrict((e.target as HTMLInputElement).value)} />
          <button type="submit" class="small ghost" disabled={restrict === (u.restrict ?? '')}>set</button>
        </form>
      </td>
      <td>
        <form class="inline" onSubmit={(e) => { e.preventDefault(); void change(u.name, { password }, 'password changed').then(() => setPassword('')); }}>
          <input type="password" value={password} autocomplete="new-password" aria-label={`new password of ${u.name}`} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          <button type="submit" class="small ghost" disabled={password === ''}>set</button>
        </form>
      </td>
      <td>{micros(u.created)}</td>
      <td>{micros(u.changed)}</td>
    </tr>
  );
}

const AUDIT_COLUMNS = ['ts', 'user', 'role', 'ip', 'action', 'route', 'target', 'filter', 'rows', 'outcome', 'detail'] as const;

function Audit(): JSX.Element {
  const user = location.value.params.get('user') ?? '';
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState(user);
  useEffect(() => {
    setRows(null);
    setDraft(user);
    get<{ rows: AuditRow[]; next: string | null }>('/api/audit', { user, limit: 100 }).then((r) => {
      setRows(r.rows);
      setNext(r.next);
    }, (e: unknown) => setError(message(e)));
  }, [user]);
  const more = async (): Promise<void> => {
    if (next === null || rows === null) return;
    try {
      const r = await get<{ rows: AuditRow[]; next: string | null }>('/api/audit', { user, limit: 100, after: next });
      setRows([...rows, ...r.rows]);
      setNext(r.next);
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <div class="block">
      <h2>Audit trail {rows !== null && <small>{rows.length}{next !== null ? '+' : ''}</small>}</h2>
      <form class="querybar" onSubmit={(e) => { e.preventDefault(); navigate('/admin', withParams({ user: draft })); }}>
        <input placeholder="user (all when empty)" data-testid="audit-user" data-query value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} />
        <button type="submit">Show</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {rows !== null && (
        <table class="results audit" data-testid="audit" data-nav>
          <thead><tr>{AUDIT_COLUMNS.map((c) => <th key={c}>{c}</th>)}</tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={typeof r.id === 'string' ? r.id : i} class={r.outcome !== 'ok' ? 'refused' : ''}>
                {AUDIT_COLUMNS.map((c) => <td key={c}>{c === 'user' && typeof r.user === 'string' && r.user !== '' ? <a href={link('/admin', withParams({ user: r.user }))} title="this user's audit trail">{r.user}</a> : c === 'ts' && typeof r.ts === 'string' ? showTime(r.ts) : r[c] === null || r[c] === undefined ? '' : String(r[c])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && <button type="button" class="more" data-testid="audit-more" onClick={() => void more()}>More</button>}
    </div>
  );
}

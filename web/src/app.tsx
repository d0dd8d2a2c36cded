// The shell: the login screen until there is a session, then the header (screens, zone, theme, logout) and the
// screen the URL names.
import type { JSX } from 'preact';
import { logout, me, ready } from './api.js';
import { link, location, onLink } from './route.js';
import { Login } from './screens/login.js';
import { Search, TABLES } from './screens/search.js';
import { Session } from './screens/session.js';
import { Logs } from './screens/logs.js';
import { Mail } from './screens/mail.js';
import { Pivot } from './screens/pivot.js';
import { Tls } from './screens/tls.js';
import { Admin } from './screens/admin.js';
import { Alerts } from './screens/alerts.js';
import { Captures } from './screens/captures.js';
import { Findings } from './screens/findings.js';
import { Graph } from './screens/graph.js';
import { Top } from './screens/top.js';
import { helpOpen, KeyHelp, useKeys } from './parts/keys.js';
import { NeedsTables, NeedsWholeStore } from './parts/guard.js';
import { ZonePicker } from './parts/zone.js';
import { canRead, tables } from './schemas.js';
import { theme, toggleTheme } from './theme.js';

/** The report screens in the header, after the tables. */
const REPORTS = [['/alerts', 'Alerts'], ['/findings', 'Findings'], ['/top', 'Top talkers'], ['/graph', 'Connections'], ['/captures', 'Captures']] as const;

/** Screens by the first part of the path. */
function screen(path: string): JSX.Element {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'session' && parts[1] !== undefined) return <Session uid={decodeURIComponent(parts[1])} at={location.value.params.get('t')} />;
  if (parts[0] === 'pivot' && parts[1] !== undefined) return <Pivot kind={decodeURIComponent(parts[1])} />;
  if (parts[0] === 'tls') return <NeedsTables tables={['tls']}><Tls /></NeedsTables>;
  if (parts[0] === 'logs') return <NeedsTables tables={['logs']}><Logs /></NeedsTables>;
  if (parts[0] === 'mail') return <NeedsWholeStore what="mail view"><Mail /></NeedsWholeStore>;
  if (parts[0] === 'alerts') return <NeedsTables tables={['alerts']}><Alerts /></NeedsTables>;
  if (parts[0] === 'findings') return <NeedsTables tables={['findings']}><Findings /></NeedsTables>;
  if (parts[0] === 'top') return <NeedsWholeStore what="top talkers report"><Top /></NeedsWholeStore>;
  if (parts[0] === 'graph') return <NeedsTables tables={['sessions']}><Graph /></NeedsTables>;
  if (parts[0] === 'captures') return <NeedsTables tables={['captures', 'anomalies']}><Captures /></NeedsTables>;
  if (parts[0] === 'admin') return <Admin />;
  const table = parts[0] === 'search' && parts[1] !== undefined ? decodeURIComponent(parts[1]) : 'sessions';
  return <NeedsTables tables={[table]}><Search table={table} /></NeedsTables>;
}

export function App(): JSX.Element {
  useKeys();
  const user = me.value;
  document.documentElement.dataset.theme = theme.value;
  if (!ready.value) return <div class="loading">Loading…</div>;
  if (user === null) return <Login />;
  const path = location.value.path;
  return (
    <div class="shell" onClick={onLink}>
      <header class="top">
        <a class="brand" href={link('/search/sessions')}>Haystack</a>
        <nav>
          {navTables().filter((t) => !MORE.has(t)).map((t) => (
            <a key={t} href={link(`/search/${t}`)} class={path === `/search/${t}` ? 'active' : ''}>{t}</a>
          ))}
          <NavMore tables={navTables().filter((t) => MORE.has(t))} path={path} />
          <span class="sep">|</span>
          {(['tls', 'logs', 'mail'] as const).filter((j) => (j === 'mail' ? user.restrict === null : canRead(j) === true)).map((j) => (
            <a key={j} href={link(`/${j}`)} class={path === `/${j}` ? 'active' : ''} data-testid={`nav-${j}`}>{j === 'tls' ? 'TLS' : j === 'logs' ? 'Logs' : 'Mail'}</a>
          ))}
          {REPORTS.filter(([p]) => (p !== '/top' || user.restrict === null) && (p !== '/findings' || canRead('findings') === true)).map(([p, label]) => <a key={p} href={link(p)} class={path === p ? 'active' : ''}>{label}</a>)}
          {user.role === 'admin' && <a href={link('/admin')} class={path === '/admin' ? 'active' : ''} data-testid="nav-admin">admin</a>}
        </nav>
        <span class="spacer" />
        <ZonePicker />
        <button type="button" class="ghost" title="the keys (?)" aria-label="keyboard" data-testid="keys" onClick={() => { helpOpen.value = true; }}>?</button>
        <button type="button" class="ghost" title="light or dark" data-testid="theme" onClick={toggleTheme}>{theme.value === 'dark' ? '☾' : '☀'}</button>
        <span class="who" title={user.restrict ?? undefined}>{user.user} · {user.role}</span>
        <button type="button" class="ghost" data-testid="logout" onClick={() => void logout()}>Log out</button>
      </header>
      <main>{screen(path)}</main>
      <KeyHelp />
    </div>
  );
}

// the record tables of the less used protocols (and any the console does not list yet) behind one "more" entry,
// so that the header stays one line
const MORE = new Set<string>(['files', 'anomalies', 'ssh', 'ftp', 'pop3', 'imap', 'findings']);

function NavMore({ tables: names, path }: { tables: string[]; path: string }): JSX.Element | null {
  if (names.length === 0) return null;
  const here = names.find((t) => path === `/search/${t}`);
  return (
    <details class="navmore" data-testid="nav-more">
      <summary class={here !== undefined ? 'active' : ''}>{here ?? 'more'}</summary>
      <div class="menu" onClick={(e) => (e.currentTarget.parentElement as HTMLDetailsElement).removeAttribute('open')}>
        {names.map((t) => <a key={t} href={link(`/search/${t}`)} class={t === here ? 'active' : ''}>{t}</a>)}
      </div>
    </details>
  );
}

// the record tables in the nav: the known ones in their order, then any other the server describes (a protocol
// added to the store shows without a change here); the app's own tables are not in GET /api/tables
function navTables(): string[] {
  const known: readonly string[] = TABLES;
  const more = [...(tables.value?.keys() ?? [])].filter((t) => !known.includes(t));
  for (const t of more) MORE.add(t);
  return [...known, ...more].filter((t) => t !== 'captures' && canRead(t) === true);
}

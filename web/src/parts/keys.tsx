// The console's keyboard: one handler on the document for every screen, so that each screen only marks its
// lists. `/` focuses the screen's query, ↑ ↓ (or j k) move through the rows of its lists and tables, [ ] to the
// previous or next list, Enter opens the row, Escape closes it or leaves a field, Backspace goes back (to the
// row that was open), `g` then a letter goes to a screen, `?` shows the keys. Keys are left alone while typing
// in a field (but Escape, which leaves it).
//
// A list opts in with data-nav on its table, ul or ol: its rows are the table body's rows (expanded detail rows
// skipped) or its items. Enter clicks the row's element marked data-primary, else the row itself when the list
// is data-nav="click" (rows that expand), else its first link that is not a download, else focuses its first
// control. The row cursor is the real focus (rows get tabindex -1), so it shows by the focus ring.
import type { JSX } from 'preact';
import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { me } from '../api.js';
import { navigate } from '../route.js';

/** Whether the list of keys shows. */
export const helpOpen = signal(false);

/** `g` then a letter: the screens. */
export const JUMPS: readonly (readonly [string, string, string])[] = [
  ['s', '/search/sessions', 'Search (sessions)'],
  ['t', '/tls', 'TLS'],
  ['l', '/logs', 'Logs'],
  ['m', '/mail', 'Mail'],
  ['a', '/alerts', 'Alerts'],
  ['f', '/findings', 'Findings'],
  ['p', '/top', 'Top talkers'],
  ['n', '/graph', 'Connections'],
  ['c', '/captures', 'Captures'],
  ['d', '/admin', 'Admin'],
];

const KEYS: readonly (readonly [string, string])[] = [
  ['/', 'focus the query'],
  ['↑ ↓ or k j', 'move through the rows'],
  ['[ ]', 'previous or next list'],
  ['Home End', 'first or last row of the list'],
  ['Enter', 'open the row'],
  ['Escape', 'close the row; leave a field'],
  ['Backspace', 'back (to the row you opened)'],
  ['?', 'this list'],
];

// a windowed table's spacer rows (parts/results.tsx) are not rows
const ROWS = ':scope > tbody > tr:not(.detail):not(.spacer), :scope > li';
const TYPING = 'input, textarea, select, [contenteditable]';

function lists(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('main [data-nav]')).filter((l) => l.querySelector(ROWS) !== null);
}

function rowsOf(list: HTMLElement): HTMLElement[] {
  return Array.from(list.querySelectorAll<HTMLElement>(ROWS));
}

/** The list and row an element is in (a control in a row, or in a row's expanded detail, counts as that row). */
function whereIs(el: Element | null): { list: HTMLElement; rows: HTMLElement[]; i: number } | null {
  const list = el?.closest<HTMLElement>('[data-nav]');
  if (el === null || el === undefined || list === null || list === undefined || list.closest('main') === null) return null;
  const rows = rowsOf(list);
  let i = rows.findIndex((r) => r.contains(el));
  // in a detail row: the row before it
  if (i < 0) i = rows.findLastIndex((r) => (r.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
  return i < 0 ? null : { list, rows, i };
}

/** Where the cursor was per URL, to come back to it after Back. */
const spots = new Map<string, [number, number]>();
const here = (): string => window.location.pathname + window.location.search;
let lastRow: HTMLElement | null = null;

function focusRow(row: HTMLElement): void {
  if (!row.hasAttribute('tabindex')) row.tabIndex = -1;
  row.focus({ preventScroll: true });
  row.scrollIntoView({ block: 'nearest' });
  lastRow = row;
  const list = row.closest<HTMLElement>('[data-nav]');
  if (list !== null) spots.set(here(), [lists().indexOf(list), rowsOf(list).indexOf(row)]);
}

function move(delta: number): boolean {
  const all = lists();
  if (all.length === 0) return false;
  const at = whereIs(document.activeElement);
  if (at === null) {
    const list = delta > 0 ? all[0]! : all[all.length - 1]!;
    const rows = rowsOf(list);
    focusRow(delta > 0 ? rows[0]! : rows[rows.length - 1]!);
    return true;
  }
  const i = at.i + delta;
  if (i >= 0 && i < at.rows.length) {
    focusRow(at.rows[i]!);
    return true;
  }
  // past the end of a list: on to the next one (or the previous), if there is one
  return jump(delta > 0 ? 1 : -1, at.list, delta > 0 ? 'first' : 'last');
}

function jump(dir: 1 | -1, from: HTMLElement | null, where: 'first' | 'last' = 'first'): boolean {
  const all = lists();
  if (all.length === 0) return false;
  const k = from === null ? -1 : all.indexOf(from);
  const next = all[k < 0 ? (dir > 0 ? 0 : all.length - 1) : k + dir];
  if (next === undefined) return true;
  const rows = rowsOf(next);
  focusRow(where === 'first' ? rows[0]! : rows[rows.length - 1]!);
  return true;
}

function open(row: HTMLElement, list: HTMLElement): void {
  const primary = row.querySelector<HTMLElement>('[data-primary]');
  if (primary !== null) primary.click();
  else if (list.dataset.nav === 'click') row.click();
  else {
    const a = row.querySelector<HTMLElement>('a[href]:not([download])');
    if (a !== null) a.click();
    else row.querySelector<HTMLElement>('select, input, button, a[href], textarea')?.focus();
  }
}

/** After Back (or Forward), the cursor goes to the row it was on in that view, once that row has loaded. */
function restore(): void {
  const spot = spots.get(here());
  if (spot === undefined) return;
  const start = performance.now();
  const step = (): void => {
    if (performance.now() - start > 3000) return;
    const active = document.activeElement;
    const row = lists()[spot[0]] !== undefined ? rowsOf(lists()[spot[0]]!)[spot[1]] : undefined;
    // keep at it while the view loads (its rows may be drawn again), unless the user has gone elsewhere
    if (row !== undefined && active !== row && (active === null || active === document.body)) focusRow(row);
    else if (active !== null && active !== document.body && active !== row) return;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** The keyboard handler, installed once by the shell. */
export function useKeys(): void {
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // not on the login screen, nor for keys a field or the browser has taken
      if (me.value === null || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const t = e.target instanceof Element ? e.target : null;
      if (helpOpen.value) {
        if (e.key === 'Escape' || e.key === '?') {
          e.preventDefault();
          helpOpen.value = false;
        }
        return;
      }
      if (t?.closest(TYPING) != null) {
        // Escape leaves the field (a field's own Escape, closing its suggestions, comes first)
        if (e.key === 'Escape') {
          (t as HTMLElement).blur();
          if (lastRow?.isConnected === true) focusRow(lastRow);
        }
        return;
      }
      const g = pendingG.current > 0 && performance.now() - pendingG.current < 1500;
      pendingG.current = 0;
      if (g) {
        const to = JUMPS.find(([k, path]) => k === e.key && (path !== '/admin' || me.value?.role === 'admin'));
        if (to !== undefined) {
          e.preventDefault();
          navigate(to[1]);
        }
        return;
      }
      const at = whereIs(document.activeElement);
      const onRow = at !== null && document.activeElement === at.rows[at.i];
      let done = true;
      switch (e.key) {
        case '/': {
          const q = document.querySelector<HTMLInputElement>('main input[data-testid=query], main [data-query]');
          if (q === null) done = false;
          else {
            q.focus();
            q.select();
          }
          break;
        }
        case '?':
          helpOpen.value = true;
          break;
        case 'g':
          pendingG.current = performance.now();
          break;
        case 'ArrowDown':
        case 'j':
          done = move(1);
          break;
        case 'ArrowUp':
        case 'k':
          done = move(-1);
          break;
        case ']':
          done = jump(1, at?.list ?? null);
          break;
        case '[':
          done = jump(-1, at?.list ?? null);
          break;
        case 'Home':
        case 'End':
          if (at === null) done = false;
          else focusRow(e.key === 'Home' ? at.rows[0]! : at.rows[at.rows.length - 1]!);
          break;
        case 'Enter':
          if (onRow) open(at.rows[at.i]!, at.list);
          else done = false;
          break;
        case 'Escape':
          if (onRow && at.list.dataset.nav === 'click' && at.rows[at.i]!.classList.contains('open')) at.rows[at.i]!.click();
          else done = false;
          break;
        case 'Backspace':
          window.history.back();
          break;
        default:
          done = false;
      }
      if (done) e.preventDefault();
    };
    const onPop = (): void => restore();
    document.addEventListener('keydown', onKey);
    window.addEventListener('popstate', onPop);
    return () => {
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('popstate', onPop);
    };
  }, []);
}

/** The list of keys (`?`). */
export function KeyHelp(): JSX.Element | null {
  const box = useRef<HTMLDivElement>(null);
  const open = helpOpen.value;
  useEffect(() => {
    if (!open) return;
    const before = document.activeElement as HTMLElement | null;
    box.current?.focus();
    return () => {
      if (before?.isConnected === true) before.focus({ preventScroll: true });
    };
  }, [open]);
  if (!open) return null;
  const admin = me.value?.role === 'admin';
  return (
    <div class="overlay" onClick={(e) => { if (e.target === e.currentTarget) helpOpen.value = false; }}>
      <div class="keyhelp" role="dialog" aria-modal="true" aria-label="keyboard" tabIndex={-1} ref={box} data-testid="keyhelp">
        <h2>Keyboard</h2>
        <table>
          <tbody>
            {KEYS.map(([k, what]) => <tr key={k}><th><kbd>{k}</kbd></th><td>{what}</td></tr>)}
            {JUMPS.filter(([, path]) => path !== '/admin' || admin).map(([k, , label]) => <tr key={`g${k}`}><th><kbd>g {k}</kbd></th><td>{label}</td></tr>)}
          </tbody>
        </table>
        <p class="muted">Keys do nothing while you type in a field; Escape leaves it.</p>
        <button type="button" class="ghost" onClick={() => { helpOpen.value = false; }}>Close</button>
      </div>
    </div>
  );
}

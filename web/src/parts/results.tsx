// The results table: the chosen columns, sortable by a click on the header (again: the other way), rows that
// expand to their detail (by the console's keyboard too: a data-nav="click" list, parts/keys.tsx), and the next
// page loaded when the end scrolls in.
//
// Windowed: only the rows near the viewport are in the DOM (OVER rows beyond each edge); a spacer row above and
// one below stand for the others, so the table is as tall as all its rows and the scrollbar is honest. Each
// row's height is measured once it has been shown (until then it is taken to be a measured row's), the open
// row's detail too; the spacers' heights are set through the CSSOM (the CSP allows no style attribute). The
// table stays a table: aria-rowcount and each row's aria-rowindex say where the rows shown are.
import { Fragment, type ComponentChildren, type JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { text, type Column } from './value.js';

/** rows kept in the DOM beyond each edge of the viewport (~300 px: a wheel step is ~100) */
const OVER = 12;
/** rows shown before anything is measured (the first frame) */
const FIRST = 50;
/** a row's height before any is measured, px */
const GUESS = 25;
/** the next page is asked for when the table's end is this close below the viewport, px */
const NEAR = 300;

export interface ResultsProps {
  columns: Column[];
  rows: Record<string, unknown>[];
  sort: string;
  order: 'asc' | 'desc';
  open: number | null;
  more: boolean;
  onSort: (field: string) => void;
  onRow: (i: number) => void;
  onMore: () => void;
  detail: (row: Record<string, unknown>) => ComponentChildren;
}

/** A cell as Value shows it, but its text straight in the cell and no component: one element and one
 *  component fewer per cell, of the ~1,000 a jump of the window renders. */
function cell(c: Column, v: unknown): JSX.Element {
  return <td key={c.name}>{v === null || v === undefined ? <span class="null">–</span> : text(c.type, v)}</td>;
}

/** The first index i with tops[i + 1] > y (the row at offset y), within [0, n - 1]. */
function rowAt(tops: readonly number[], n: number, y: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid + 1]! > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function Results(p: ResultsProps): JSX.Element {
  const n = p.rows.length;
  const end = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLTableRowElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  const above = useRef<HTMLTableCellElement>(null);
  const below = useRef<HTMLTableCellElement>(null);
  const more = useRef(p.onMore);
  more.current = p.onMore;
  // measured heights: each row's (without its detail), the open row's detail, a typical row's
  const heights = useRef<number[]>([]);
  const detailH = useRef(0);
  const typical = useRef(0);
  const colsKey = p.columns.map((c) => c.name).join(',');
  const measuredFor = useRef(colsKey);
  if (measuredFor.current !== colsKey) {
    // other columns, other heights (and widths)
    measuredFor.current = colsKey;
    heights.current = [];
    typical.current = 0;
  }
  const [range, setRange] = useState<[number, number]>(() => [0, Math.min(n, FIRST)]);
  const start = Math.min(range[0], n);
  const stop = Math.min(range[1], n);
  const live = useRef({ n, start, stop, more: p.more, open: p.open, tops: [0] as number[] });

  /** the top of each row from the tbody's top (tops[n]: the rows' total height), from what is measured */
  const layout = (): number[] => {
    const tops = new Array<number>(n + 1);
    tops[0] = 0;
    const guess = typical.current || GUESS;
    const hs = heights.current;
    for (let i = 0; i < n; i++) tops[i + 1] = tops[i]! + (hs[i] ?? guess) + (i === p.open ? detailH.current : 0);
    return tops;
  };

  /** the rows the viewport needs, and a new window when the one shown falls short of them; the next page asked
   *  for at once when the end is near (before the new window is rendered: the request goes out first) */
  const follow = (): void => {
    const el = body.current;
    const L = live.current;
    if (el === null || L.n === 0) return;
    const top = el.getBoundingClientRect().top;
    if (L.more && window.innerHeight - top + NEAR >= L.tops[L.n]!) more.current();
    const a = rowAt(L.tops, L.n, -top);
    const b = rowAt(L.tops, L.n, window.innerHeight - top) + 1;
    const want: [number, number] = [Math.max(0, a - OVER), Math.min(L.n, b + OVER)];
    const slack = OVER >> 1;
    if (L.start > Math.max(0, a - slack) || L.stop < Math.min(L.n, b + slack) || L.stop - L.start > want[1] - want[0] + 2 * OVER) setRange(want);
  };

  // The keyboard's row cursor is the focused row (parts/keys.tsx). Scrolled away, that row leaves the DOM and the
  // focus with it: the next key meant for it (↑ ↓ j k, Enter, Escape) brings it back into the window first, and
  // it goes on from there; scrolled back to it, it takes the focus again. A click or a focus elsewhere forgets it.
  // Home and End go to the first and last row loaded.
  const focused = useRef<number | null>(null);
  const pending = useRef<{ i: number; click: boolean } | null>(null);
  useEffect(() => {
    const lost = (): number | null => {
      const f = focused.current;
      const a = document.activeElement;
      return f !== null && f < live.current.n && (a === null || a === document.body) && body.current?.querySelector(`tr[data-i="${f}"]`) == null ? f : null;
    };
    const onFocus = (e: FocusEvent): void => {
      const tr = e.target instanceof HTMLElement && e.target.parentElement === body.current ? e.target : null;
      focused.current = tr?.dataset.i !== undefined ? Number(tr.dataset.i) : null;
    };
    const onDown = (e: PointerEvent): void => {
      if (!(e.target instanceof Node) || body.current?.contains(e.target) !== true) focused.current = null;
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      // Home and End on a row: the first and last row loaded, not those of the window
      const a = document.activeElement;
      if ((e.key === 'Home' || e.key === 'End') && a instanceof HTMLElement && a.parentElement === body.current && a.dataset.i !== undefined) {
        e.preventDefault();
        const i = e.key === 'Home' ? 0 : live.current.n - 1;
        pending.current = { i, click: false };
        setRange([Math.max(0, i - OVER), Math.min(live.current.n, i + OVER + 1)]);
        return;
      }
      const f = lost();
      if (f === null) return;
      const step = e.key === 'ArrowDown' || e.key === 'j' ? 1 : e.key === 'ArrowUp' || e.key === 'k' ? -1 : 0;
      const click = e.key === 'Enter' || (e.key === 'Escape' && live.current.open === f);
      if (step === 0 && !click) return;
      e.preventDefault();
      const i = Math.min(live.current.n - 1, Math.max(0, f + step));
      pending.current = { i, click };
      setRange([Math.max(0, i - OVER), Math.min(live.current.n, i + OVER + 1)]);
    };
    document.addEventListener('focusin', onFocus);
    window.addEventListener('pointerdown', onDown, true);
    // before the console's handler on the document (which takes a focus on nothing for the first row)
    window.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('focusin', onFocus);
      window.removeEventListener('pointerdown', onDown, true);
      window.removeEventListener('keydown', onKey, true);
    };
  }, []);

  // other columns: their widths start again from their cells
  useLayoutEffect(() => {
    for (const th of head.current?.children ?? []) (th as HTMLElement).style.width = '';
  }, [colsKey]);

  // after every render: measure the rows shown, size the spacers, keep the columns' widths from jumping
  useLayoutEffect(() => {
    const el = body.current;
    if (el === null) return;
    // a row's height is from its top to the next one's
    const trs = [...el.children] as HTMLElement[];
    let next = el.getBoundingClientRect().bottom;
    for (let k = trs.length - 1; k >= 0; k--) {
      const tr = trs[k]!;
      const top = tr.getBoundingClientRect().top;
      const h = next - top;
      next = top;
      if (tr.classList.contains('detail')) detailH.current = h;
      else if (!tr.classList.contains('spacer')) {
        heights.current[Number(tr.dataset.i)] = h;
        if (typical.current === 0) typical.current = h;
      }
    }
    const tops = layout();
    live.current = { n, start, stop, more: p.more, open: p.open, tops };
    if (above.current !== null) above.current.style.height = `${tops[start]}px`;
    if (below.current !== null) below.current.style.height = `${tops[n]! - tops[stop]!}px`;
    // a column is as wide as the widest of its cells shown so far: scrolling does not make them jump
    for (const th of head.current?.children ?? []) {
      const w = th.getBoundingClientRect().width;
      const s = (th as HTMLElement).style;
      if (w > (Number.parseFloat(s.width) || 0) + 0.5) s.width = `${w}px`;
    }
    // the cursor's row back: brought by a key (focused, scrolled into view, clicked for Enter), or scrolled to
    const want = pending.current ?? (focused.current !== null && document.activeElement === document.body ? { i: focused.current, click: false } : null);
    const tr = want === null ? null : el.querySelector<HTMLElement>(`tr[data-i="${want.i}"]`);
    if (want !== null && tr !== null) {
      tr.focus({ preventScroll: true });
      if (pending.current !== null) {
        pending.current = null;
        tr.scrollIntoView({ block: 'nearest' });
        if (want.click) tr.click();
      }
    }
    follow();
  });

  useEffect(() => {
    const on = (): void => follow();
    const resize = (): void => {
      for (const th of head.current?.children ?? []) (th as HTMLElement).style.width = '';
      follow();
    };
    window.addEventListener('scroll', on, { passive: true });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('scroll', on);
      window.removeEventListener('resize', resize);
    };
  }, []);

  // "More" coming into view by other ways than a scroll (a table shorter than the window, a resize)
  useEffect(() => {
    const el = end.current;
    if (el === null || !p.more) return;
    const io = new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: `${NEAR}px` });
    io.observe(el);
    return () => io.disconnect();
  }, [p.more, n]);

  // aria-rowindex counts the header row and an open row's detail row
  const index = (i: number): number => i + 2 + (p.open !== null && p.open < i ? 1 : 0);
  const shown: JSX.Element[] = [];
  for (let i = start; i < stop; i++) {
    const r = p.rows[i]!;
    shown.push(
      <Fragment key={i}>
        <tr data-i={i} aria-rowindex={index(i)} tabIndex={-1} class={p.open === i ? 'open' : ''} onClick={() => p.onRow(i)}>
          {p.columns.map((c) => cell(c, r[c.name]))}
        </tr>
        {p.open === i && <tr class="detail" aria-rowindex={index(i) + 1}><td colSpan={p.columns.length}>{p.detail(r)}</td></tr>}
      </Fragment>,
    );
  }
  return (
    <>
      <table class="results windowed" data-testid="results" data-nav="click" data-rows={n} aria-rowcount={n + 1 + (p.open !== null && p.open < n ? 1 : 0)}>
        <thead>
          <tr ref={head} aria-rowindex={1}>
            {p.columns.map((c) => (
              <th key={c.name} data-col={c.name} aria-sort={p.sort === c.name ? (p.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" class="link" title="sort by this column" onClick={() => p.onSort(c.name)}>
                  {c.name}{p.sort === c.name ? (p.order === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={body}>
          {start > 0 && <tr key="above" class="spacer" aria-hidden="true"><td ref={above} colSpan={p.columns.length} /></tr>}
          {shown}
          {stop < n && <tr key="below" class="spacer" aria-hidden="true"><td ref={below} colSpan={p.columns.length} /></tr>}
        </tbody>
      </table>
      {p.more && <div ref={end} class="more" data-testid="more"><button type="button" class="ghost" onClick={p.onMore}>More</button></div>}
    </>
  );
}

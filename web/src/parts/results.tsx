// The results table: the chosen columns, sortable by a click on the header (again: the other way), rows that
// expand to their detail (by the console's keyboard too: a data-nav="click" list), and the next page loaded when
// the end scrolls in.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Value, type Column } from './value.js';

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

export function Results(p: ResultsProps): JSX.Element {
  const end = useRef<HTMLDivElement>(null);
  const more = useRef(p.onMore);
  more.current = p.onMore;
  useEffect(() => {
    const el = end.current;
    if (el === null || !p.more) return;
    const io = new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: '300px' });
    io.observe(el);
    return () => io.disconnect();
  }, [p.more, p.rows.length]);
  return (
    <>
      <table class="results" data-testid="results" data-nav="click">
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th key={c.name} data-col={c.name} aria-sort={p.sort === c.name ? (p.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" class="link" title="sort by this column" onClick={() => p.onSort(c.name)}>
                  {c.name}{p.sort === c.name ? (p.order === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r, i) => (
            <>
              <tr key={i} class={p.open === i ? 'open' : ''} onClick={() => p.onRow(i)}>
                {p.columns.map((c) => <td key={c.name}><Value type={c.type} v={r[c.name]} /></td>)}
              </tr>
              {p.open === i && <tr key={`d${i}`} class="detail"><td colSpan={p.columns.length}>{p.detail(r)}</td></tr>}
            </>
          ))}
        </tbody>
      </table>
      {p.more && <div ref={end} class="more" data-testid="more"><button type="button" class="ghost" onClick={p.onMore}>More</button></div>}
    </>
  );
}

// The field sidebar: every field of the table; expanding one fetches its top values under the query (lazy),
// each with its count and + / − to add `field = "v"` or `not field = "v"` to the query; "group by" turns the
// results into counts of the field, "col" shows or hides it as a column.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { tableInfo, type FieldInfo } from '../schemas.js';
import { text } from './value.js';

export interface ValueCount {
  value: string | number | boolean | null;
  count: number;
}

export interface SidebarProps {
  table: string;
  q: string;
  from: string;
  to: string;
  columns: string[];
  /** the fields the server answers this account with (payload fields are left out for viewers); all when unknown */
  visible: string[] | null;
  group: string;
  onFilter: (field: string, v: unknown, negate: boolean) => void;
  onGroup: (field: string) => void;
  onColumn: (field: string) => void;
}

export function FieldSidebar(p: SidebarProps): JSX.Element {
  const info = tableInfo(p.table);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setOpen(new Set()), [p.table]);
  const toggle = (f: string): void => {
    const s = new Set(open);
    if (!s.delete(f)) s.add(f);
    setOpen(s);
  };
  return (
    <aside class="fields" data-testid="fields">
      <h4>Fields</h4>
      {info === undefined && <p class="null">…</p>}
      <ul>
        {info?.fields.filter((f) => p.visible === null || p.visible.includes(f.name)).map((f) => (
          <li key={f.name} data-field={f.name} class={open.has(f.name) ? 'open' : ''}>
            <div class="fname">
              <button type="button" class="link" title={f.doc} aria-expanded={open.has(f.name)} onClick={() => toggle(f.name)}>
                {open.has(f.name) ? '▾' : '▸'} {f.name}
              </button>
              <small>{f.type}</small>
              <button type="button" class={`tiny${p.columns.includes(f.name) ? ' on' : ''}`} title="show or hide as a column" onClick={() => p.onColumn(f.name)}>col</button>
              <button type="button" class={`tiny${p.group === f.name ? ' on' : ''}`} data-testid={`group-${f.name}`} title="count the rows by this field" onClick={() => p.onGroup(f.name)}>group</button>
            </div>
            {open.has(f.name) && <TopValues field={f} {...p} />}
          </li>
        ))}
      </ul>
    </aside>
  );
}

function TopValues({ field, table, q, from, to, onFilter }: SidebarProps & { field: FieldInfo }): JSX.Element {
  const [r, setR] = useState<{ values: ValueCount[]; rows: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setError(null);
    get<{ values: ValueCount[]; rows: number }>(`/api/values/${encodeURIComponent(table)}/${encodeURIComponent(field.name)}`, { q, from, to, limit: 10 })
      .then((x) => live && setR(x), (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [table, field.name, q, from, to]);
  if (error !== null) return <p class="error small">{error}</p>;
  if (r === null) return <p class="null small">…</p>;
  const elem = field.type.endsWith('[]') ? field.type.slice(0, -2) : field.type;
  return (
    <ol class="topvals" data-testid={`top-${field.name}`}>
      {r.values.length === 0 && <li class="null">no values</li>}
      {r.values.map((v) => (
        <li key={String(v.value)}>
          <meter min={0} max={Math.max(1, r.rows)} value={v.count} />
          <span class="v" title={text(elem, v.value)}>{v.value === null ? <em class="null">null</em> : text(elem, v.value)}</span>
          <span class="n">{v.count.toLocaleString('en')}</span>
          <button type="button" class="tiny" data-testid="plus" title={`only ${field.name} = this`} onClick={() => onFilter(field.name, v.value, false)}>+</button>
          <button type="button" class="tiny" data-testid="minus" title={`not ${field.name} = this`} onClick={() => onFilter(field.name, v.value, true)}>−</button>
        </li>
      ))}
    </ol>
  );
}

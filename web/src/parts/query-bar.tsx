// The query bar: the filter language, with completion of field names (from /api/tables) and of values (the
// field's top values under the range, GET /api/values); Enter runs the query.
import type { JSX, Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { completionAt, literal, type Completion } from '../filter-text.js';
import { tableInfo } from '../schemas.js';

interface Suggestion {
  /** what the list shows */
  label: string;
  /** the text that replaces the word at the caret */
  insert: string;
  note: string;
}

export interface QueryBarProps {
  table: string;
  q: string;
  from: string;
  to: string;
  inputRef?: Ref<HTMLInputElement>;
  onRun: (q: string) => void;
}

export function QueryBar({ table, q, from, to, inputRef, onRun }: QueryBarProps): JSX.Element {
  const [draft, setDraft] = useState(q);
  const [at, setAt] = useState<Completion | null>(null);
  const [list, setList] = useState<Suggestion[]>([]);
  const [sel, setSel] = useState(-1);
  const own = useRef<HTMLInputElement | null>(null);
  // whether suggestions are shown, read by the key handler: two quick Escapes must not both see the list that
  // the first one closed (the closure's `list` is the last render's, and `list` itself is emptied by an effect
  // that runs after the render that cleared `at`: a closed list is `at === null`)
  const shown = useRef(false);
  shown.current = at !== null && list.length > 0;
  useEffect(() => setDraft(q), [q]);
  const info = tableInfo(table);

  // the suggestions for what the caret is on
  useEffect(() => {
    setSel(-1);
    if (at === null) return setList([]);
    if (at.kind === 'field') {
      const p = at.prefix.toLowerCase();
      setList((info?.fields ?? []).filter((f) => f.name.startsWith(p)).slice(0, 12).map((f) => ({ label: f.name, insert: `${f.name} `, note: f.type })));
      return;
    }
    const field = info?.fields.find((f) => f.name === at.field);
    if (field === undefined) return setList([]);
    let live = true;
    const stringy = field.type === 'string' || field.type === 'string[]';
    const narrow = stringy && at.prefix !== '' ? `${field.name} ~ ${literal(at.prefix)}` : '';
    get<{ values: { value: unknown; count: number }[] }>(`/api/values/${encodeURIComponent(table)}/${encodeURIComponent(field.name)}`, { q: narrow, from, to, limit: 12 }).then((r) => {
      if (!live) return;
      setList(r.values.filter((v) => v.value !== null && (stringy || String(v.value).startsWith(at.prefix))).map((v) => ({ label: String(v.value), insert: literal(v.value), note: v.count.toLocaleString('en') })));
    }, () => live && setList([]));
    return () => {
      live = false;
    };
  }, [at, info, table, from, to]);

  const look = (el: HTMLInputElement): void => setAt(completionAt(el.value, el.selectionStart ?? el.value.length));
  const accept = (s: Suggestion): void => {
    const el = own.current;
    if (el === null || at === null) return;
    const caret = el.selectionStart ?? draft.length;
    const next = `${draft.slice(0, at.start)}${s.insert}${draft.slice(caret)}`;
    const pos = at.start + s.insert.length;
    setDraft(next);
    setAt(null);
    queueMicrotask(() => {
      el.value = next;
      el.setSelectionRange(pos, pos);
      el.focus();
    });
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') {
      // the first Escape closes the suggestions (the console's keyboard then leaves the field alone), the next leaves
      if (shown.current) {
        e.preventDefault();
        shown.current = false;
        setAt(null);
      } else (e.target as HTMLInputElement).blur();
      return;
    }
    if (!shown.current) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setSel((i) => (i + (e.key === 'ArrowDown' ? 1 : list.length - 1) + (i < 0 && e.key === 'ArrowUp' ? 1 : 0)) % list.length);
    } else if ((e.key === 'Tab' || e.key === 'Enter') && (sel >= 0 || e.key === 'Tab')) {
      e.preventDefault();
      accept(list[Math.max(0, sel)]!);
    }
  };
  const setRefs = (el: HTMLInputElement | null): void => {
    own.current = el;
    if (typeof inputRef === 'function') inputRef(el);
    else if (inputRef !== null && inputRef !== undefined) inputRef.current = el;
  };
  return (
    <form class="querybar" onSubmit={(e) => {
      e.preventDefault();
      setAt(null);
      onRun(draft.trim());
    }}>
      <div class="complete">
        <input ref={setRefs} name="q" data-testid="query" autocomplete="off" spellcheck={false}
          placeholder={`filter ${table}, e.g. dst_port = 443 and sni ~ "example"  ( / to focus)`} value={draft}
          onInput={(e) => {
            const el = e.target as HTMLInputElement;
            setDraft(el.value);
            look(el);
          }}
          onClick={(e) => look(e.target as HTMLInputElement)} onKeyDown={onKey} onBlur={() => setTimeout(() => setAt(null), 150)} />
        {at !== null && list.length > 0 && (
          <ul class="suggest" data-testid="suggest" role="listbox">
            {list.map((s, i) => (
              <li key={s.label} role="option" aria-selected={i === sel} class={i === sel ? 'sel' : ''} onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}>
                <span>{s.label}</span><small>{s.note}</small>
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="submit">Search</button>
    </form>
  );
}

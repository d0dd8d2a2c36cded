// Sguil-style triage of alerts: one alert's state (the latest ack or escalate, and notes, with who and when) and,
// for analysts, the buttons that add to its history, for one alert or a selection at once (POST /api/triage).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { get, send } from '../api.js';
import { showTime } from '../time.js';

export interface TriageRow {
  id: string;
  ts: string;
  user: string;
  alert_key: string;
  action: 'ack' | 'escalate' | 'note';
  note: string | null;
}

/** The state an alert's history leaves it in: the latest ack or escalate (notes do not change it). */
export function stateOf(history: readonly TriageRow[]): TriageRow | null {
  let last: TriageRow | null = null;
  for (const t of history) if (t.action !== 'note' && (last === null || t.ts > last.ts)) last = t;
  return last;
}

export function TriageState({ history }: { history: readonly TriageRow[] }): JSX.Element {
  const s = stateOf(history);
  const notes = history.filter((t) => t.action === 'note');
  return (
    <span class="triage-state" data-testid="triage-state">
      {s === null ? <span class="badge new">new</span> : <span class={`badge ${s.action}`} title={`${s.user}, ${showTime(s.ts)}`}>{s.action === 'ack' ? 'acked' : 'escalated'} · {s.user}</span>}
      {notes.map((n) => <span key={n.id} class="note" title={`${n.user}, ${showTime(n.ts)}`}>“{n.note ?? ''}”</span>)}
    </span>
  );
}

export function TriageButtons({ alertKey, done }: { alertKey: string; done: () => void }): JSX.Element {
  const [noting, setNoting] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = async (action: 'ack' | 'escalate' | 'note', note?: string): Promise<void> => {
    setError(null);
    try {
      await send('POST', '/api/triage', { alert_key: alertKey, action, ...(note !== undefined ? { note } : {}) });
      setNoting(false);
      setText('');
      done();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <span class="triage-actions">
      <button type="button" class="small" data-testid="ack" onClick={() => void act('ack')}>ack</button>
      <button type="button" class="small warn" data-testid="escalate" onClick={() => void act('escalate')}>escalate</button>
      {noting
        ? (
          <form class="note-form" onSubmit={(e) => { e.preventDefault(); if (text.trim() !== '') void act('note', text); }}>
            <input data-testid="note-text" value={text} placeholder="note" maxLength={4000} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small">save</button>
          </form>
        )
        : <button type="button" class="small ghost" data-testid="note" onClick={() => setNoting(true)}>note</button>}
      {error !== null && <span class="error">{error}</span>}
    </span>
  );
}

/** Alerts one bulk request may carry (the server's bound: MAX_TRIAGE_KEYS). */
export const MAX_BULK = 1000;

const DONE: Record<'ack' | 'escalate' | 'note', string> = { ack: 'acked', escalate: 'escalated', note: 'noted' };

/**
 * The same triage on the chosen alerts at once (one POST /api/triage with their keys: all recorded or none),
 * and the choice of every alert under the signature, filter and range, offered once their count is shown.
 */
export function BulkTriage({ selected, visible, filter, from, to, matching, choose, done }: {
  selected: readonly string[];
  visible: number;
  filter: string;
  from: string;
  to: string;
  /** the keys of the alerts under the filter and range, up to limit */
  matching: (limit: number) => Promise<string[]>;
  choose: (keys: readonly string[]) => void;
  done: () => void;
}): JSX.Element {
  const [text, setText] = useState('');
  const [asking, setAsking] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ error: boolean; text: string } | null>(null);
  const n = selected.length;
  const fail = (e: unknown): void => setSaid({ error: true, text: e instanceof Error ? e.message : String(e) });

  const act = async (action: 'ack' | 'escalate' | 'note'): Promise<void> => {
    if (n === 0 || n > MAX_BULK || busy) return;
    setBusy(true);
    setSaid(null);
    try {
      const r = await send<{ count: number }>('POST', '/api/triage', { alert_keys: selected, action, ...(action === 'note' ? { note: text } : {}) });
      setSaid({ error: false, text: `${DONE[action]} ${r.count.toLocaleString('en')} alert${r.count === 1 ? '' : 's'}` });
      setText('');
      choose([]);
      done();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  const count = async (): Promise<void> => {
    setSaid(null);
    try {
      setAsking((await get<{ count: number }>('/api/summary/alerts', { q: filter, from, to })).count);
    } catch (e) {
      fail(e);
    }
  };
  const takeAll = async (want: number): Promise<void> => {
    setAsking(null);
    try {
      const keys = await matching(MAX_BULK);
      choose(keys);
      if (keys.length !== want) setSaid({ error: true, text: `${keys.length.toLocaleString('en')} match now (${want.toLocaleString('en')} when counted): check the selection` });
    } catch (e) {
      fail(e);
    }
  };

  return (
    <div class="bulk" data-testid="bulk-bar">
      <span class="chosen" data-testid="selected-count" data-n={n}>{n.toLocaleString('en')} selected</span>
      <button type="button" class="small" data-testid="bulk-ack" disabled={n === 0 || n > MAX_BULK || busy} onClick={() => void act('ack')}>ack</button>
      <button type="button" class="small warn" data-testid="bulk-escalate" disabled={n === 0 || n > MAX_BULK || busy} onClick={() => void act('escalate')}>escalate</button>
      <form class="note-form" onSubmit={(e) => { e.preventDefault(); if (text.trim() !== '') void act('note'); }}>
        <input data-testid="bulk-note-text" value={text} placeholder="note for the selected" maxLength={4000} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit" class="small ghost" data-testid="bulk-note" disabled={n === 0 || n > MAX_BULK || busy || text.trim() === ''}>note</button>
      </form>
      {n > 0 && <button type="button" class="small ghost" data-testid="bulk-clear" onClick={() => choose([])}>clear</button>}
      {n > MAX_BULK && <span class="error">at most {MAX_BULK.toLocaleString('en')} at once</span>}
      <span class="grow" />
      {asking === null && <button type="button" class="small ghost" data-testid="select-matching" title={`every alert of this signature under the filter and range (${visible.toLocaleString('en')} shown)`} onClick={() => void count()}>all matching…</button>}
      {asking !== null && asking > MAX_BULK && (
        <span class="confirm" data-testid="matching-count" data-n={asking}>
          {asking.toLocaleString('en')} alerts match: at most {MAX_BULK.toLocaleString('en')} at once, narrow the filter or range
          <button type="button" class="small ghost" onClick={() => setAsking(null)}>ok</button>
        </span>
      )}
      {asking !== null && asking <= MAX_BULK && (
        <span class="confirm" data-testid="matching-count" data-n={asking}>
          select all {asking.toLocaleString('en')} matching alerts?
          <button type="button" class="small" data-testid="confirm-matching" disabled={asking === 0} onClick={() => void takeAll(asking)}>select {asking.toLocaleString('en')}</button>
          <button type="button" class="small ghost" onClick={() => setAsking(null)}>cancel</button>
        </span>
      )}
      {said !== null && <span class={said.error ? 'error' : 'ok'} data-testid="bulk-said" role="status">{said.text}</span>}
    </div>
  );
}

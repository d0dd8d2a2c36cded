// Sguil-style triage of one alert: its state (the latest ack or escalate, and notes, with who and when) and,
// for analysts, the buttons that add to its history (POST /api/triage, recorded with who and when).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { send } from '../api.js';
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

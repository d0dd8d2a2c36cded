// A TCP session's transcript, fetched as text (or hex) and shown as text: client lines ("> ") and server lines
// ("< ") in two colours, notes ("! ") muted; either side alone. The side and format live in the URL.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { href } from '../api.js';
import { location, navigate, withParams } from '../route.js';

type Side = 'both' | 'client' | 'server';

function classOf(line: string): 'c' | 's' | 'n' {
  return line.startsWith('> ') ? 'c' : line.startsWith('< ') ? 's' : 'n';
}

/** Displayed at most (the download has the whole transcript, up to the server's limit). */
const SHOW_BYTES = 512 * 1024;

/** capture: the session's own capture, for a uid that two captures hold (the same packets ingested twice) */
export function Transcript({ uid, capture = null }: { uid: string; capture?: string | null }): JSX.Element {
  const p = location.value.params;
  const side = (p.get('side') ?? 'both') as Side;
  const hex = p.get('fmt') === 'hex';
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const url = href(`/api/sessions/${encodeURIComponent(uid)}/transcript`, { format: hex ? 'hex' : null, limit: SHOW_BYTES, capture });
  useEffect(() => {
    let live = true;
    setText(null);
    setError(null);
    fetch(url, { credentials: 'same-origin' }).then(async (r) => {
      const body = await r.text();
      if (!live) return;
      if (r.ok) setText(body);
      else setError(r.status === 404 ? 'No transcript (not a TCP session with payload).' : `HTTP ${r.status}`);
    }, (e: unknown) => live && setError(String(e)));
    return () => {
      live = false;
    };
  }, [url]);
  const set = (change: Record<string, string | null>): void => navigate(location.value.path, withParams(change), true);
  const lines = text === null ? [] : text.replace(/\n$/, '').split('\n');
  const shown = lines.filter((l) => {
    const c = classOf(l);
    return side === 'both' || c === 'n' || (side === 'client' ? c === 'c' : c === 's');
  });
  return (
    <div class="transcript" data-testid="transcript">
      <div class="transcript-bar">
        <span class="seg" role="group" aria-label="side">
          {(['both', 'client', 'server'] as const).map((s) => (
            <button key={s} type="button" class={side === s ? '' : 'ghost'} data-testid={`side-${s}`} onClick={() => set({ side: s === 'both' ? null : s })}>
              {s === 'both' ? 'both sides' : `${s} only`}
            </button>
          ))}
        </span>
        <span class="seg" role="group" aria-label="format">
          <button type="button" class={hex ? 'ghost' : ''} data-testid="fmt-text" onClick={() => set({ fmt: null })}>text</button>
          <button type="button" class={hex ? '' : 'ghost'} data-testid="fmt-hex" onClick={() => set({ fmt: 'hex' })}>hex</button>
        </span>
        <a class="button ghost" href={href(`/api/sessions/${encodeURIComponent(uid)}/transcript`, { format: hex ? 'hex' : null, capture })} download>download</a>
        <span class="legend"><span class="c">&gt; client</span> <span class="s">&lt; server</span></span>
      </div>
      {error !== null && <p class="error">{error}</p>}
      {text === null && error === null && <p class="muted">Loading transcript…</p>}
      {text !== null && (
        <pre class="transcript-text">
          {shown.map((l, i) => <div key={i} class={classOf(l)}>{l}</div>)}
        </pre>
      )}
    </div>
  );
}

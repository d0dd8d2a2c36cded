// Session detail: everything sharing a uid (or its Community ID), table by table; the transcript and the pcap
// for analysts (downloads, never rendered as pages).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, href, me } from '../api.js';
import { Value } from '../parts/value.js';

interface UidAnswer {
  uid: string;
  community_ids: string[];
  tables: Record<string, Record<string, unknown>[]>;
  truncated: string[];
}

export function Session({ uid }: { uid: string }): JSX.Element {
  const [u, setU] = useState<UidAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setU(null);
    get<UidAnswer>(`/api/uid/${encodeURIComponent(uid)}`).then(setU, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [uid]);
  const analyst = me.value?.role !== 'viewer';
  return (
    <section class="session">
      <h2>Session {uid}</h2>
      {analyst && (
        <p class="actions">
          <a class="button" data-testid="pcap" href={href(`/api/sessions/${encodeURIComponent(uid)}/pcap`)} download>pcap</a>{' '}
          <a class="button ghost" href={href(`/api/sessions/${encodeURIComponent(uid)}/transcript`)} download>transcript</a>
        </p>
      )}
      {error !== null && <p class="error" role="alert">{error}</p>}
      {u !== null && Object.entries(u.tables).map(([table, rows]) => (
        <div key={table} class="block">
          <h3>{table} <small>{rows.length}</small></h3>
          {rows.map((r, i) => (
            <dl key={i} class="record">
              {Object.entries(r).filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => (
                <>
                  <dt key={`k${k}`}>{k}</dt>
                  <dd key={`v${k}`}><Value type={typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? 'timestamp' : 'string'} v={v} /></dd>
                </>
              ))}
            </dl>
          ))}
        </div>
      ))}
    </section>
  );
}

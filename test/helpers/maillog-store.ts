// The maillog A store both join suites read (mail and IMAP logins): its traditional log and smtp-imap.pcap
// ingested into a DuckDB file or a ClickHouse server of the test's own, then opened read-only.
import { join } from 'node:path';
import { expect } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { ingestLog } from '../../src/pipeline/logs.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { startClickHouse, type ClickHouseServer } from './clickhouse-server.mjs';
import { scratchDir } from './cli.js';

export interface MaillogBackend {
  name: 'duckdb' | 'clickhouse';
  /** a new, empty store's URL */
  url: () => Promise<string>;
}

/** DuckDB and ClickHouse (a server started on first use); stopServers() ends the ClickHouse ones. */
export function maillogBackends(tag: string, clickhouse: string | null): { backends: MaillogBackend[]; stopServers: () => Promise<void> } {
  const servers: ClickHouseServer[] = [];
  return {
    backends: [
      { name: 'duckdb', url: async () => join(scratchDir(tag), 'a.duckdb') },
      {
        name: 'clickhouse',
        url: async () => {
          const s = await startClickHouse(clickhouse!);
          servers.push(s);
          return s.url(tag.replace(/[^a-z]/g, ''));
        },
      },
    ],
    stopServers: async () => void (await Promise.all(servers.splice(0).map((s) => s.stop()))),
  };
}

/** maillog A's log and capture into the store at url; the store opened read-only. */
export async function ingestMaillogA(url: string, dir: string): Promise<Store> {
  const w = await openStore(url);
  try {
    expect((await ingestLog(w, join(dir, 'maillog.traditional.log'), { year: 2026 })).status).toBe('ingested');
    expect((await ingest(w, [join(dir, 'smtp-imap.pcap')])).files.map((f) => f.status)).toEqual(['ingested']);
  } finally {
    await w.close();
  }
  return openStore(url, { readOnly: true });
}

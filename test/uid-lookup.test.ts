// The session view's lookup (byUid) bounded by time, on the three stores: the same flow seen by two sensors
// (its Community ID at an overlapping time) belongs to the session; the same 5-tuple two days later (the
// client port reused: another flow with the same Community ID) does not; a time hint, right or wrong, gives the
// same answer as none. Captures made here by construction (tcpConversation), the expectations from their
// making: which conversation each session and HTTP transaction came from is known by its start time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePcap } from '../src/capture/pcap-writer.js';
import { ingest } from '../src/pipeline/ingest.js';
import { parseFilter, type Expr } from '../src/query/filter.js';
import type { RecordSchema } from '../src/schema/schema.js';
import { openStore } from '../src/store/open.js';
import { byUid, FLOW_LOOKBACK_US, FLOW_SLACK_US, records } from '../src/store/search.js';
import type { Row, Store } from '../src/store/store.js';
import { readyCluster } from './helpers/cluster.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { scratchDir } from './helpers/cli.js';
import { tcpConversation, type Turn } from './helpers/conversation.js';

const scratch = scratchDir('uid-lookup');
const DAY = 86_400e6;
/** the flow's SYN as sensor A saw it (µs) */
const T1 = Date.UTC(2026, 0, 12, 10) * 1000;
/** sensor B's clock: 3 ms behind A's */
const SKEW = 3000;
/** the same client port to the same server two days later */
const REUSE = T1 + 2 * DAY;
const turns = (path: string): Turn[] => [
  { from: 'client', data: `GET ${path} HTTP/1.1\r\nHost: example.test\r\n\r\n` },
  { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' },
];
const flow = { client: '10.0.0.1', server: '10.0.0.2', sport: 40123, dport: 80 };
const A = join(scratch, 'sensor-a.pcap');
const B = join(scratch, 'sensor-b.pcap');
writeFileSync(A, writePcap([...tcpConversation({ ...flow, start: T1 }, turns('/first')), ...tcpConversation({ ...flow, start: REUSE }, turns('/again'))], { linktype: 1 }));
writeFileSync(B, writePcap(tcpConversation({ ...flow, start: T1 + SKEW }, turns('/first')), { linktype: 1 }));

const bin = clickhouseBinary();
const servers: ClickHouseServer[] = [];
const BACKENDS: { name: string; setup(): Promise<[string, string]> }[] = [
  { name: 'duckdb', setup: async () => [join(scratch, 'u.duckdb'), join(scratch, 'u.duckdb')] },
  {
    name: 'clickhouse (one server)',
    setup: async () => {
      const s = await startClickHouse(bin!);
      servers.push(s);
      return [s.url('hs'), s.url('hs')];
    },
  },
  { name: 'clickhouse (two shards)', setup: () => readyCluster(bin!, servers) },
];

/** What an answer holds, per table: the start times of its sessions and the paths of its HTTP requests. */
function shape(r: { tables: Partial<Record<string, Row[]>>; community_ids: string[] }): { starts: number[]; uris: string[]; cids: number } {
  return {
    starts: (r.tables.sessions ?? []).map((s) => s.start_time as number).sort((a, b) => a - b),
    uris: (r.tables.http ?? []).map((h) => `${String(h.uri)}@${String(h.ts)}`).sort(),
    cids: r.community_ids.length,
  };
}

for (const backend of BACKENDS) {
  const ch = backend.name.startsWith('clickhouse');
  describe.skipIf(ch && bin === null)(`uid lookup: ${backend.name}`, () => {
    let store: Store;
    let sessions: Row[];

    beforeAll(async () => {
      const [w, r] = await backend.setup();
      const writer = await openStore(w);
      try {
        const s = await ingest(writer, [A], { homeNet: ['10.0.0.0/24'], sensor: 'a' });
        const t = await ingest(writer, [B], { homeNet: ['10.0.0.0/24'], sensor: 'b' });
        expect([...s.files, ...t.files].map((f) => f.status)).toEqual(['ingested', 'ingested']);
      } finally {
        await writer.close();
      }
      store = await openStore(r);
      sessions = (await records(store, { table: 'sessions', where: [], from: null, to: null, order: 'asc', limit: 100 })).rows;
    }, 180_000);

    afterAll(async () => {
      await store?.close();
      if (ch) await Promise.all(servers.splice(0).map((s) => s.stop()));
    }, 60_000);

    const at = (start: number): Row => {
      const s = sessions.find((x) => x.start_time === start);
      expect(s, `a session starting at ${start}`).toBeDefined();
      return s!;
    };

    it('the store holds three sessions of one Community ID, each with its HTTP request', () => {
      expect(sessions.map((s) => s.start_time)).toEqual([T1, T1 + SKEW, REUSE]);
      expect(new Set(sessions.map((s) => s.community_id)).size).toBe(1);
      expect(new Set(sessions.map((s) => s.uid)).size).toBe(3);
    });

    it('a session: its own records and the other sensor\'s view of the flow, not the reused 5-tuple', async () => {
      const a = at(T1);
      const want = { starts: [T1, T1 + SKEW] };
      const r = await byUid(store, a.uid as string);
      const got = shape(r);
      expect(got.starts).toEqual(want.starts);
      expect(got.cids).toBe(1);
      // each view's request, not the one two days later
      expect(got.uris.map((u) => u.split('@')[0])).toEqual(['/first', '/first']);
      expect((r.tables.http ?? []).every((h) => (h.ts as number) < T1 + DAY)).toBe(true);
      // from the other sensor's session: the same flow
      expect(shape(await byUid(store, at(T1 + SKEW).uid as string)).starts).toEqual(want.starts);
      // the reused 5-tuple: its own session and request only
      const later = shape(await byUid(store, at(REUSE).uid as string));
      expect(later.starts).toEqual([REUSE]);
      expect(later.uris.map((u) => u.split('@')[0])).toEqual(['/again']);
    });

    it('a time hint gives the same answer, right or wrong (the full lookup when the session is not near it)', async () => {
      for (const s of sessions) {
        const uid = s.uid as string;
        const none = await byUid(store, uid);
        for (const hint of [s.start_time as number, (s.end_time as number) + 1000, T1, REUSE, T1 - 10 * DAY, REUSE + 10 * DAY, (s.start_time as number) + FLOW_LOOKBACK_US + FLOW_SLACK_US]) {
          expect(await byUid(store, uid, { at: hint }), `${uid} at ${hint}`).toEqual(none);
        }
      }
      await expect(byUid(store, sessions[0]!.uid as string, { at: 1.5 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      // a hint for a uid no store holds: nothing, as without one
      expect((await byUid(store, 'C-no-such-uid', { at: T1 })).tables).toEqual({});
    });

    it('the restriction holds with a hint: what it hides stays hidden, what it shows is found', async () => {
      const uid = at(T1).uid as string;
      const only = (sensor: string) => (s: RecordSchema): Expr[] | null => (s.fields.some((f) => f.name === 'sensor') ? [parseFilter(`sensor = "${sensor}"`, s)] : null);
      for (const hint of [null, T1]) {
        // sensor a: its session, not b's view of the flow; the tables without a sensor field are left out
        const a = await byUid(store, uid, { at: hint, restrict: only('a') });
        expect(shape(a).starts).toEqual([T1]);
        expect(Object.keys(a.tables)).toEqual(['sessions']);
        // sensor b: a's session is hidden, and with it everything
        expect((await byUid(store, uid, { at: hint, restrict: only('b') })).tables).toEqual({});
      }
    });
  });
}

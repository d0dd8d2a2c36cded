// Carve round trip: every session of the gen captures (and of a gzip copy, and of VLAN, QinQ, MPLS and
// multi-interface corpus captures) carved out of the store's capture and analysed again gives the same
// session record; a capture moved or changed gives HAYSTACK_GONE, an unknown uid HAYSTACK_NOT_FOUND.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../src/core/errors.js';
import { analyze } from '../src/pipeline/api.js';
import { carveSession } from '../src/pipeline/carve.js';
import { ingest } from '../src/pipeline/ingest.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, GEN } from './helpers/run.js';

const scratch = scratchDir('carve');
const corpus = corpusDir();
const GEN_CAPTURES = ['http-put.pcap', 'mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng'].map((f) => join(GEN, f));
/** Corpus captures with encapsulations the decoder handles: VLAN, QinQ, MPLS, and several pcapng interfaces. */
const CORPUS_CAPTURES = ['pcap/zeek/mixed-vlan-mpls.pcap', 'pcap/zeek/http-qinq-0.pcap', 'pcap/zeek/q-in-q.pcap', 'pcap/zeek/pcapng-multi-interface.pcapng', 'pcap/suricata-verify/eve-flow-vlan-02/input.pcap'];

/** What a session record says about its packets, without what names its capture (uid, capture id, range). */
const SAME = [
  'community_id', 'start_time', 'end_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'src_pkts', 'dst_pkts', 'src_bytes',
  'dst_bytes', 'src_ip_bytes', 'dst_ip_bytes', 'src_frame_bytes', 'dst_frame_bytes', 'state', 'tcp_flags_src', 'tcp_flags_dst',
  'app_proto', 'vlan', 'missed_bytes',
] as const;

/** The session records of a capture as the library's analyze() gives them (app_proto detected, as at ingest). */
async function sessionsOf(file: string): Promise<SessionRecord[]> {
  const out: SessionRecord[] = [];
  for await (const r of analyze(file)) if (r.type === 'session') out.push(r.record);
  return out;
}

function pick(r: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SAME.map((k) => [k, r[k]]));
}

async function storedSessions(store: Store, capturePath: string): Promise<Record<string, unknown>[]> {
  const cap = await store.select(`SELECT capture_id FROM captures WHERE path = '${capturePath.replace(/'/g, "''")}'`);
  const id = cap.rows[0]!.capture_id as string;
  return (await store.select(`SELECT * FROM sessions WHERE capture_id = '${id}' ORDER BY start_time, uid`)).rows;
}

/** Ingests the captures into a fresh store and carves every session; returns [stored, re-analysed carve] pairs. */
async function roundTrip(name: string, captures: string[]): Promise<{ stored: Record<string, unknown>; carved: SessionRecord[] }[]> {
  const db = join(scratch, `${name}.duckdb`);
  const w = await openStore(db);
  try {
    const s = await ingest(w, captures);
    expect(s.files.map((f) => f.status)).toEqual(captures.map(() => 'ingested'));
  } finally {
    await w.close();
  }
  const store = await openStore(db, { readOnly: true });
  const out: { stored: Record<string, unknown>; carved: SessionRecord[] }[] = [];
  try {
    for (const c of captures) {
      const rows = await storedSessions(store, c);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const file = join(scratch, `${name}-${String(row.uid)}.pcap`);
        const r = await carveSession(store, String(row.uid), file);
        expect(r.packets).toBe(Number(row.src_pkts) + Number(row.dst_pkts));
        expect(r.bytes).toBe(statSync(file).size);
        out.push({ stored: row, carved: await sessionsOf(file) });
      }
    }
  } finally {
    await store.close();
  }
  return out;
}

function expectSame(pairs: { stored: Record<string, unknown>; carved: SessionRecord[] }[]): void {
  for (const { stored, carved } of pairs) {
    expect(carved.length, String(stored.uid)).toBe(1);
    expect(pick(carved[0]!), String(stored.uid)).toEqual(pick(stored));
  }
}

describe('carve', () => {
  it('every session of the gen captures comes back whole: the same record from the carved pcap', async () => {
    const pairs = await roundTrip('gen', GEN_CAPTURES);
    expect(pairs.length).toBeGreaterThan(50);
    expectSame(pairs);
  });

  it('a session inside a tunnel comes back with the outer frames that carried it (gen/tunnels.pcap)', async () => {
    const pairs = await roundTrip('tunnels', [join(GEN, 'tunnels.pcap')]);
    expect(pairs.filter((p) => p.stored.encap !== null).length).toBeGreaterThan(15);
    for (const { stored, carved } of pairs) {
      // the carve holds whole frames: the layers around or inside the session are sessions of their own there
      const same = carved.filter((c) => c.community_id === stored.community_id && c.proto === stored.proto);
      expect(same.length, String(stored.uid)).toBe(1);
      expect(pick(same[0]!), String(stored.uid)).toEqual(pick(stored));
      expect(same[0]!.encap).toBe(stored.encap);
    }
  });

  it('from a gzip capture: the range is in the decompressed stream', async () => {
    const gz = join(scratch, 'mixed-home.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(GEN, 'mixed-home.pcap'))));
    const pairs = await roundTrip('gzip', [gz]);
    expectSame(pairs);
    // the same sessions as from the uncompressed file
    const plain = await sessionsOf(join(GEN, 'mixed-home.pcap'));
    expect(pairs.map((p) => pick(p.stored))).toEqual(expect.arrayContaining(plain.map((s) => pick(s as unknown as Record<string, unknown>))));
    expect(pairs.length).toBe(plain.length);
  });

  it('the carved pcap holds the original frames, and their times to the µs (tshark reads them as in the capture)', async () => {
    const db = join(scratch, 'frames.duckdb');
    const src = join(GEN, 'tls-clients.pcapng');
    const w = await openStore(db);
    await ingest(w, [src]).finally(() => w.close());
    const store = await openStore(db, { readOnly: true });
    try {
      const row = (await storedSessions(store, src))[3]!;
      const file = join(scratch, 'frames.pcap');
      await carveSession(store, String(row.uid), file);
      // by construction: the frames of that flow in the source, filtered by tshark's own reader
      const fields = ['-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'data.data', '-e', 'tcp.payload'];
      const filter = `tcp.port == ${Number(row.src_port)} && tcp.port == ${Number(row.dst_port)} && ip.addr == ${String(row.src_ip)}`;
      // the capture's nanoseconds: a carve is a µs pcap (DESIGN-NOTES, issue 14 carve)
      const orig = execFileSync('tshark', ['-r', src, '-Y', filter, ...fields], { encoding: 'utf8' }).replace(/^(\d+\.\d{6})\d{3}/gm, '$1000');
      const carved = execFileSync('tshark', ['-r', file, ...fields], { encoding: 'utf8' });
      expect(carved.split('\n').length).toBeGreaterThan(5);
      expect(carved).toBe(orig);
    } finally {
      await store.close();
    }
  });

  it('a capture moved, resized or rewritten is HAYSTACK_GONE; an unknown uid HAYSTACK_NOT_FOUND', async () => {
    const copy = join(scratch, 'moved.pcap');
    copyFileSync(join(GEN, 'http-put.pcap'), copy);
    const db = join(scratch, 'gone.duckdb');
    const w = await openStore(db);
    await ingest(w, [copy]).finally(() => w.close());
    const store = await openStore(db, { readOnly: true });
    const out = join(scratch, 'gone.pcap');
    const code = async (uid: string, opts: { fullCheck?: boolean } = {}): Promise<string> =>
      carveSession(store, uid, out, opts).then(() => 'ok', (e: unknown) => (isHaystackError(e) ? e.code : String(e)));
    try {
      const uid = String((await storedSessions(store, copy))[0]!.uid);
      expect(await code(uid)).toBe('ok');
      expect(await code('CnoSuchSession0000')).toBe('HAYSTACK_NOT_FOUND');
      const original = readFileSync(copy);
      const st = statSync(copy);
      // moved away
      renameSync(copy, `${copy}.away`);
      expect(await code(uid)).toBe('HAYSTACK_GONE');
      renameSync(`${copy}.away`, copy);
      expect(await code(uid)).toBe('ok');
      // same size, one byte changed (deep in the file): the modification time changed, so it is hashed
      const changed = Buffer.from(original);
      changed.writeUInt8(changed.readUInt8(changed.length - 10) ^ 0xff, changed.length - 10);
      writeFileSync(copy, changed);
      expect(await code(uid)).toBe('HAYSTACK_GONE');
      // the same change with the old modification time put back: the quick check passes, the full one does not
      utimesSync(copy, st.atime, st.mtime);
      expect(await code(uid, { fullCheck: true })).toBe('HAYSTACK_GONE');
      // the session's own first packet changed under the old time: its flow no longer matches
      const moved = Buffer.from(original);
      const firstPacket = 24 + 16 + 26; // file header, record header, Ethernet + IPv4 source address offset
      moved.writeUInt8(moved.readUInt8(firstPacket) ^ 0x01, firstPacket);
      writeFileSync(copy, moved);
      utimesSync(copy, st.atime, st.mtime);
      expect(await code(uid)).toBe('HAYSTACK_GONE');
      // longer
      writeFileSync(copy, Buffer.concat([original, Buffer.alloc(1)]));
      expect(await code(uid)).toBe('HAYSTACK_GONE');
      // back as it was (contents and time): carvable again
      writeFileSync(copy, original);
      utimesSync(copy, st.atime, st.mtime);
      expect(await code(uid)).toBe('ok');
    } finally {
      await store.close();
    }
  });

  it('haystack carve writes the pcap and says what it did; unknown uids fail with one line', async () => {
    const db = join(scratch, 'gen.duckdb');
    const store = await openStore(db, { readOnly: true });
    const uid = String((await storedSessions(store, join(GEN, 'smtp-attachments.pcap')))[0]!.uid);
    await store.close();
    const out = join(scratch, 'cli.pcap');
    const ok = await cli('carve', '--uid', uid, '-o', out, '--db', db);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(new RegExp(`^haystack carve: \\d+ packets \\(\\d+ bytes\\) of ${uid} from .*smtp-attachments\\.pcap \\(checked by mtime\\)`));
    const s = await cli('sessions', out, '--format', 'jsonl');
    expect(s.out.trim().split('\n')).toHaveLength(1);
    const bad = await cli('carve', '--uid', 'Cnope', '-o', out, '--db', db);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`haystack carve: no session Cnope in ${db}\n`);
    expect((await cli('carve', '--uid', uid, '--db', db)).code).toBe(2);
  });

  it('haystack carve --filter writes one pcap per session the filter keeps, each its session whole', async () => {
    const db = join(scratch, 'gen.duckdb');
    const dir = join(scratch, 'smtp-sessions');
    const r = await cli('carve', '--filter', 'dst_port = 25', '-o', dir, '--db', db);
    expect(r.code, r.err).toBe(0);
    const store = await openStore(db, { readOnly: true });
    const want = (await store.select('SELECT * FROM sessions WHERE dst_port = 25')).rows;
    await store.close();
    expect(want.length).toBeGreaterThan(1);
    expect(r.err).toBe(`haystack carve: ${want.length} sessions (${want.reduce((n, x) => n + Number(x.src_pkts) + Number(x.dst_pkts), 0)} packets) to ${dir}\n`);
    for (const x of want) expect((await sessionsOf(join(dir, `${String(x.uid)}.pcap`))).map(pick)).toEqual([pick(x)]);
    expect((await cli('carve', '--filter', 'dst_port = 25', '--uid', 'x', '-o', dir, '--db', db)).code).toBe(2);
    const cut = await cli('carve', '--filter', 'dst_port = 25', '--limit', '1', '-o', join(scratch, 'one'), '--db', db);
    expect(cut.err).toMatch(/1 sessions .* \(stopped at --limit 1\)/);
  });
  it('haystack carve --filter -o FILE.pcap writes every kept session into one pcap in time order, as tshark reads it', async () => {
    const db = join(scratch, 'gen.duckdb');
    const out = join(scratch, 'smtp-all.pcap');
    const r = await cli('carve', '--filter', 'dst_port = 25', '-o', out, '--db', db);
    expect(r.code, r.err).toBe(0);
    const store = await openStore(db, { readOnly: true });
    const want = (await store.select('SELECT * FROM sessions WHERE dst_port = 25 ORDER BY start_time, uid')).rows;
    await store.close();
    const total = want.reduce((n, x) => n + Number(x.src_pkts) + Number(x.dst_pkts), 0);
    expect(r.err).toBe(`haystack carve: ${want.length} sessions (${total} packets) to ${out}\n`);
    // tshark: the frames are the sessions' packets, in time order, and its conversations are the sessions
    const times = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(times).toHaveLength(total);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const convs = execFileSync('tshark', ['-r', out, '-q', '-z', 'conv,tcp'], { encoding: 'utf8' }).split('\n').filter((l) => /<->/.test(l));
    expect(convs).toHaveLength(want.length);
    // and our own reading of it gives the same session records
    expect((await sessionsOf(out)).map(pick)).toEqual(want.map(pick));
    // nothing kept: no file, and exit 1
    const none = await cli('carve', '--filter', 'dst_port = 1', '-o', join(scratch, 'none.pcap'), '--db', db);
    expect(none.code).toBe(1);
    expect(existsSync(join(scratch, 'none.pcap'))).toBe(false);
  });
});

describe.skipIf(corpus === null)('carve (corpus: VLAN, QinQ, MPLS, pcapng interfaces)', () => {
  let pairs: { stored: Record<string, unknown>; carved: SessionRecord[] }[] = [];
  beforeAll(async () => {
    // copies under distinct names: the store keys captures by content, and the scratch dir is ours to change
    const files = CORPUS_CAPTURES.map((f, i) => {
      const p = join(scratch, `c${i}-${basename(f)}`);
      copyFileSync(join(corpus!, f), p);
      return p;
    });
    pairs = await roundTrip('corpus', files);
  });

  it('every session comes back with the same record, the tagged ones included', () => {
    expect(pairs.length).toBeGreaterThan(5);
    expect(pairs.some((p) => p.stored.vlan !== null)).toBe(true);
    expectSame(pairs);
  });
});

// Downloads over real HTTP: every session of two generated captures carved as pcap and read back to the same
// counts tshark gives, an SMTP session's transcript holding the commands tshark saw, an attachment by sha256
// with the bytes that were sent; all as attachments of type application/octet-stream, audited with the hash of
// what was sent; bad hashes and traversal refused, a moved capture 410, a restricted account kept to its rows.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/pipeline/api.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { addAccount } from '../../src/server/accounts.js';
import { listAudit } from '../../src/store/app-tables.js';
import { scratchDir } from '../helpers/cli.js';
import { GEN, readJson } from '../helpers/run.js';
import { Client, startTestServer, type TestServer } from '../helpers/server.js';

interface TsharkSession { proto: string; orig_port: number | null; resp_port: number | null; orig_pkts: number; resp_pkts: number; orig_payload_bytes?: number; resp_payload_bytes?: number }
interface Expected { sessions: TsharkSession[] }
const dir = scratchDir('server-downloads');
const moved = join(dir, 'moved.pcap');
const smtp = readJson<Expected & { sent_by_construction: { attachments: { filename: string; sha256: string; size: number }[] }[]; smtp_commands: { tcp_stream: number; commands: string[]; parameters: string[] }[] }>(join(GEN, 'expected/smtp-attachments.pcap.json'));
const mixed = readJson<Expected>(join(GEN, 'expected/mixed-home.pcap.json'));
let srv: TestServer;
let analyst: Client;
let captureOf: Record<string, string>;

beforeAll(async () => {
  srv = await startTestServer(dir, { filesDir: dir });
  copyFileSync(join(GEN, 'http-put.pcap'), moved);
  const s = await ingest(srv.store, [join(GEN, 'mixed-home.pcap'), join(GEN, 'smtp-attachments.pcap'), moved], { homeNet: ['127.0.0.0/24'], filesDir: dir });
  captureOf = {};
  for (const f of s.files) if (f.status === 'ingested') captureOf[f.path] = f.capture.capture_id;
  renameSync(moved, `${moved}.gone`);
  analyst = await srv.as('analyst');
  await addAccount(srv.users, { name: 'port25', role: 'analyst', password: 'port-25-only!', restrict: 'dst_port = 25' }, srv.clock.t * 1000);
});
afterAll(async () => {
  await srv?.stop();
});

async function sessionsOf(file: string): Promise<{ uid: string; proto: string; src_port: number; dst_port: number; src_pkts: number; dst_pkts: number; community_id: string }[]> {
  const q = encodeURIComponent(`capture_id = "${captureOf[file]}"`);
  const r = await analyst.get(`/api/records/sessions?q=${q}&limit=1000&fields=uid,proto,src_port,dst_port,src_pkts,dst_pkts,community_id`);
  return r.json.rows;
}

describe('pcap of a session', () => {
  for (const [name, expected] of [['mixed-home.pcap', mixed], ['smtp-attachments.pcap', smtp]] as const) {
    it(`carves every session of ${name} back to tshark's packet counts and its own Community ID`, async () => {
      const rows = await sessionsOf(join(GEN, name));
      expect(rows.length).toBe(expected.sessions.length);
      const got: string[] = [];
      for (const s of rows) {
        const r = await analyst.get(`/api/sessions/${s.uid}/pcap`);
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('application/octet-stream');
        expect(r.headers['content-disposition']).toBe(`attachment; filename="haystack-${s.uid}.pcap"`);
        const f = join(dir, `${s.uid}.pcap`);
        writeFileSync(f, r.body);
        const again = [];
        for await (const x of analyze(f)) if (x.type === 'session') again.push(x.record);
        expect(again).toHaveLength(1);
        expect(again[0]).toMatchObject({ community_id: s.community_id, src_pkts: s.src_pkts, dst_pkts: s.dst_pkts });
        got.push(`${s.proto} ${s.src_pkts}/${s.dst_pkts}`);
      }
      expect(got.sort()).toEqual(expected.sessions.map((t) => `${t.proto} ${t.orig_pkts}/${t.resp_pkts}`).sort());
    });
  }

  it('answers 410 for a session whose capture moved, and 404 for an unknown uid, 400 for a bad one', async () => {
    const [s] = await sessionsOf(moved);
    const r = await analyst.get(`/api/sessions/${s!.uid}/pcap`);
    expect(r.status).toBe(410);
    expect(r.json.error).toMatch(/moved|changed|not found|missing|gone/i);
    expect((await analyst.get('/api/sessions/CNoSuchUid000000000/pcap')).status).toBe(404);
    expect((await analyst.get('/api/sessions/..%2f..%2fetc/pcap')).status).toBe(400);
  });
});

describe('transcript', () => {
  it('gives the SMTP dialogue with direction markers as an attachment, and hex on asking', async () => {
    const rows = (await sessionsOf(join(GEN, 'smtp-attachments.pcap'))).filter((s) => s.dst_port === 25);
    const first = rows.find((s) => s.src_pkts === smtp.sessions[0]!.orig_pkts && s.dst_pkts === smtp.sessions[0]!.resp_pkts)!;
    const r = await analyst.get(`/api/sessions/${first.uid}/transcript`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="haystack-[A-Za-z0-9_-]+-text\.txt"$/);
    // the commands tshark decoded in stream 0, in order, each on a client line
    const want = smtp.smtp_commands.filter((c) => c.tcp_stream === 0).map((c) => `> ${c.commands[0]}${c.parameters[0] !== undefined ? ` ${c.parameters[0]}` : ''}`);
    const lines = r.text.split('\n').filter((l) => /^> (EHLO|MAIL|RCPT|DATA|QUIT)\b/.test(l)).map((l) => l.replace(/\\r$/, ''));
    expect(lines).toEqual(want);
    expect(r.text).toMatch(/^< 220 /m);
    const hex = await analyst.get(`/api/sessions/${first.uid}/transcript?format=hex&limit=64`);
    expect(hex.status).toBe(200);
    expect(hex.text).toMatch(/^< [0-9a-f]{8} {2}32 32 30 20/m); // "220 " from the server first
    expect((await analyst.get(`/api/sessions/${first.uid}/transcript?format=html`)).status).toBe(400);
  });
});

describe('extracted files', () => {
  it('gives an attachment by sha256 with the bytes that were sent, under a sanitised name', async () => {
    const a = smtp.sent_by_construction[0]!.attachments[0]!;
    for (const sha of [a.sha256, a.sha256.toUpperCase()]) {
      const r = await analyst.get(`/api/files/${sha}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/octet-stream');
      expect(r.headers['content-disposition']).toBe(`attachment; filename="${a.sha256.slice(0, 12)}_${a.filename}.bin"`);
      expect(r.body.length).toBe(a.size);
      expect(createHash('sha256').update(r.body).digest('hex')).toBe(a.sha256);
    }
  });

  it('refuses what is not 64 hex digits, and traversal, and answers 404 for an unknown hash', async () => {
    for (const p of ['abc', 'g'.repeat(64), '..%2f..%2f..%2fetc%2fpasswd', `${'a'.repeat(64)}%2f..`, '%2e%2e', 'a'.repeat(65)]) {
      expect([400, 404], p).toContain((await analyst.get(`/api/files/${p}`)).status);
      expect((await analyst.get(`/api/files/${p}`)).status, p).not.toBe(200);
    }
    expect((await analyst.get(`/api/files/${'ab'.repeat(32)}`)).status).toBe(404);
  });
});

describe('restriction and audit', () => {
  it('keeps a restricted account to its own sessions', async () => {
    const c = new Client(srv.url);
    expect((await c.login('port25', 'port-25-only!')).status).toBe(200);
    const dns = (await sessionsOf(join(GEN, 'mixed-home.pcap'))).find((s) => s.dst_port === 53)!;
    expect((await c.get(`/api/sessions/${dns.uid}/pcap`)).status).toBe(404);
    const mail = (await sessionsOf(join(GEN, 'smtp-attachments.pcap'))).find((s) => s.dst_port === 25)!;
    expect((await c.get(`/api/sessions/${mail.uid}/pcap`)).status).toBe(200);
  });

  it('audits every download with the SHA-256 of the bytes sent', async () => {
    const a = smtp.sent_by_construction[0]!.attachments[0]!;
    await new Promise((r) => setTimeout(r, 100)); // the last stream's audit row is written as it ends
    const rows = (await listAudit(srv.store, { from: null, to: null, limit: 1000 })).rows.filter((x) => x.action === 'download');
    expect(rows.some((x) => x.route === 'GET /api/files/:sha256' && x.sha256 === a.sha256 && x.outcome === 'ok' && x.user === 'analyst')).toBe(true);
    const pcaps = rows.filter((x) => x.route === 'GET /api/sessions/:uid/pcap' && x.outcome === 'ok');
    expect(pcaps.length).toBeGreaterThanOrEqual(mixed.sessions.length + smtp.sessions.length);
    expect(pcaps.every((x) => /^[0-9a-f]{64}$/.test(x.sha256 ?? ''))).toBe(true);
    expect(rows.some((x) => x.route === 'GET /api/sessions/:uid/pcap' && x.outcome === 'failed')).toBe(true);
    expect(rows.some((x) => x.route === 'GET /api/sessions/:uid/transcript' && /^[0-9a-f]{64}$/.test(x.sha256 ?? ''))).toBe(true);
  });
});

describe('a uid in two captures', () => {
  it('is carved from the capture named by `capture` (as an alert row carries it); without it, a 400 that says so', async () => {
    // the SMTP capture again with another snap length in its file header: the same packets and uids, another
    // file (a sensor's second copy), so a second capture
    const again = join(dir, 'smtp-again.pcap');
    const bytes = readFileSync(join(GEN, 'smtp-attachments.pcap'));
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    bytes.writeUInt32LE(bytes.readUInt32LE(16) - 1, 16);
    writeFileSync(again, bytes);
    const s = await ingest(srv.store, [again], { filesDir: dir });
    expect(s.files[0]!.status).toBe('ingested');
    const second = s.files[0]!.status === 'ingested' ? s.files[0]!.capture.capture_id : '';
    const uid = (await sessionsOf(join(GEN, 'smtp-attachments.pcap'))).find((x) => x.dst_port === 25)!.uid;
    const both = (await analyst.get(`/api/records/sessions?q=${encodeURIComponent(`uid = "${uid}"`)}&fields=capture_id`)).json.rows.map((r: { capture_id: string }) => r.capture_id);
    expect(both.sort()).toEqual([captureOf[join(GEN, 'smtp-attachments.pcap')], second].sort());
    const plain = await analyst.get(`/api/sessions/${uid}/pcap`);
    expect(plain.status).toBe(400);
    expect(plain.json.error).toMatch(/two captures.*name the capture/);
    const one = await analyst.get(`/api/sessions/${uid}/pcap?capture=${captureOf[join(GEN, 'smtp-attachments.pcap')]}`);
    const other = await analyst.get(`/api/sessions/${uid}/pcap?capture=${second}`);
    expect([one.status, other.status]).toEqual([200, 200]);
    // the same packets from either file
    expect(one.body.equals(other.body)).toBe(true);
    expect(one.body.length).toBeGreaterThan(24);
    const t = await analyst.get(`/api/sessions/${uid}/transcript?capture=${second}`);
    expect(t.status).toBe(200);
    expect(t.text).toMatch(/^> ehlo /im);
    expect((await analyst.get(`/api/sessions/${uid}/pcap?capture=${'0'.repeat(16)}`)).status).toBe(404);
    expect((await analyst.get(`/api/sessions/${uid}/pcap?capture=${encodeURIComponent('x" or 1=1 --')}`)).status).toBe(400);
  });
});

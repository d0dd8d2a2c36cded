// `haystack serve` as a process, as an operator runs it: it refuses to start without an admin; with one it
// listens on 127.0.0.1, says so beside the DuckDB file, and `haystack ingest` on the same file is refused in
// one line naming its pid and URL; a capture copied slowly into the --watch directory is ingested once, whole;
// an admin's upload is ingested and kept (its sessions carve); SIGTERM stops it and frees the file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/cli.js';
import { GEN, ROOT, readJson } from '../helpers/run.js';
import { Client } from '../helpers/server.js';

const HAYSTACK = join(ROOT, 'bin/haystack.js');
const dir = scratchDir('serve-process');
const db = join(dir, 'h.duckdb');
const watch = join(dir, 'drop');
mkdirSync(watch);
const PASSWORD = 'an admin password';
const mixed = readJson<{ sessions: unknown[] }>(join(GEN, 'expected/mixed-home.pcap.json'));
const smtp = readJson<{ sessions: unknown[] }>(join(GEN, 'expected/smtp-attachments.pcap.json'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function run(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [HAYSTACK, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err }));
    c.stdin.end(stdin);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await sleep(100);
  }
}

describe('haystack serve, the process', () => {
  let server: ChildProcess;
  let url = '';
  let stderr = '';

  it('refuses to start while no admin account exists, saying how to make one', async () => {
    const r = await run(['serve', '--db', db, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no admin account in .*h\.duckdb\.users\.json: create one first with/);
    expect(r.err).toMatch(/haystack users add NAME --role admin --db /);
  });

  it('starts on 127.0.0.1 once an admin exists, and names itself beside the DuckDB file', async () => {
    const add = await run(['users', 'add', 'admin', '--role', 'admin', '--db', db], `${PASSWORD}\n`);
    expect(add.code, add.err).toBe(0);
    server = spawn(process.execPath, [HAYSTACK, 'serve', '--db', db, '--listen', '127.0.0.1:0', '--watch', watch, '--watch-settle', '1s'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(server);
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await until(() => Promise.resolve(stderr), (s) => /listening on/.test(s), 20_000);
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? '';
    expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const lock = JSON.parse(readFileSync(`${db}.serve.json`, 'utf8')) as { pid: number; url: string };
    expect(lock).toMatchObject({ pid: server.pid, url });
  });

  it('makes `haystack ingest` on the same file say, in one line, who holds it', async () => {
    const r = await run(['ingest', join(GEN, 'mixed-home.pcap'), '--db', db]);
    expect(r.code).not.toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pid ${server.pid}`);
    expect(lines[0]).toContain(url);
    expect(lines[0]).toMatch(/haystack serve/);
  });

  it('ingests a capture copied slowly into the watched directory once, whole', async () => {
    const c = new Client(url);
    expect((await c.login('admin', PASSWORD)).status).toBe(200);
    const bytes = readFileSync(join(GEN, 'mixed-home.pcap'));
    const target = join(watch, 'mixed-home.pcap');
    const step = Math.ceil(bytes.length / 6);
    writeFileSync(target, bytes.subarray(0, step));
    for (let i = step; i < bytes.length; i += step) {
      await sleep(400); // shorter than the settle time: the file is still being written
      appendFileSync(target, bytes.subarray(i, i + step));
      expect((await c.get('/api/summary/captures')).json.count).toBe(0);
    }
    const n = await until(async () => (await c.get('/api/summary/sessions')).json.count as number, (x) => x > 0, 15_000);
    expect(n).toBe(mixed.sessions.length);
    await sleep(2500); // more polls and settle times: nothing more is ingested
    expect((await c.get('/api/summary/sessions')).json.count).toBe(mixed.sessions.length);
    expect((await c.get('/api/summary/captures')).json.count).toBe(1);
    expect(stderr).toMatch(/mixed-home\.pcap: ingested/);
  });

  it('ingests an admin\'s upload and keeps it, so that its sessions carve', async () => {
    const c = new Client(url);
    await c.login('admin', PASSWORD);
    const r = await c.send('POST', '/api/ingest?name=mail%2F..%2Fsmtp.pcap', { raw: readFileSync(join(GEN, 'smtp-attachments.pcap')), headers: { 'content-type': 'application/vnd.tcpdump.pcap' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.ingest).toMatchObject({ status: 'ingested', kind: 'capture' });
    expect(r.json.ingest.records.sessions).toBe(smtp.sessions.length);
    const again = await c.send('POST', '/api/ingest?name=again.pcap', { raw: readFileSync(join(GEN, 'smtp-attachments.pcap')) });
    expect(again.json.ingest.status).toBe('already');
    const rows = (await c.get(`/api/records/sessions?q=${encodeURIComponent(`capture_id = "${r.json.ingest.capture_id}"`)}&limit=1`)).json.rows;
    const pcap = await c.get(`/api/sessions/${rows[0].uid}/pcap`);
    expect(pcap.status).toBe(200);
    expect(pcap.body.readUInt32LE(0)).toBe(0xa1b2c3d4);
  });

  it('stops on SIGTERM, frees the file, and ingest works again', async () => {
    const exited = new Promise<number | null>((r) => server.on('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(`${db}.serve.json`)).toBe(false);
    const r = await run(['ingest', join(GEN, 'http-put.pcap'), '--db', db]);
    expect(r.code, r.err).toBe(0);
  });
});

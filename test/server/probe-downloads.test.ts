// Probe (attacker's view) of the download routes over real HTTP: a download that is not read to its end (HEAD,
// a client that goes away) against open files and the audit trail; traversal and hostile names in paths and
// in Content-Disposition.
// Tests named "FIXED" are holes this probe found (written as it.fails against the code of the time); they pass
// since the fix and keep it. "held" tests pin attacks that failed from the start.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { downloadName } from '../../src/server/handlers/downloads.js';
import { scratchDir } from '../helpers/cli.js';
import { conversationsPcap, tcpConversation } from '../helpers/conversation.js';
import type { Client} from '../helpers/server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('server-probe-downloads');
const big = join(dir, 'big.pcap');
let srv: TestServer;
let analyst: Client;
let uid = '';

beforeAll(async () => {
  srv = await startTestServer(dir, { filesDir: dir });
  // one TCP session carrying 8 MiB from the server: its carve is far larger than any stream buffer
  const body = Buffer.alloc(8 << 20, 0x41);
  writeFileSync(big, conversationsPcap(tcpConversation({ dport: 8080, start: Date.UTC(2026, 0, 5) * 1000 }, [
    { from: 'client', data: 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n' },
    { from: 'server', data: Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]) },
  ])));
  const s = await ingest(srv.store, [big], {});
  expect(s.files.map((f) => f.status)).toEqual(['ingested']);
  analyst = await srv.as('analyst');
  const r = await analyst.get(`/api/records/sessions?q=${encodeURIComponent('dst_port = 8080')}&fields=uid`);
  uid = String(r.json.rows[0].uid);
});
afterAll(async () => {
  await srv?.stop();
});

/** This process's open descriptors on the capture (the server runs in the test's process). */
function openOnCapture(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === big) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET that reads the status and the first bytes of the body, then drops the connection. */
function abortAfterFirstChunk(path: string, c: Client): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, c.base);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, headers: { host: u.host, cookie: c.cookie! } }, (res) => {
      res.once('data', () => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

describe('downloads not read to the end', () => {
  it('the whole carve is a pcap of the session (baseline for the tests below)', async () => {
    const r = await analyst.get(`/api/sessions/${uid}/pcap`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThan(8 << 20);
    await settle(100);
    expect(openOnCapture()).toBe(0);
  });

  it('FIXED: HEAD on a pcap starts a carve nobody reads: the capture stays open (descriptor leak per request)', async () => {
    const open = openOnCapture();
    for (let i = 0; i < 10; i++) expect((await analyst.send('HEAD', `/api/sessions/${uid}/pcap`)).status).toBe(200);
    await settle(2000);
    // (some are closed later when the abandoned streams are collected; most stay open while the server runs)
    expect(openOnCapture()).toBe(open);
  });

  it('FIXED: a pcap download dropped mid-way leaves no audit row, though payload bytes left the server', async () => {
    const before = srv.audits.length;
    expect(await abortAfterFirstChunk(`/api/sessions/${uid}/pcap`, analyst)).toBe(200);
    await settle(2000);
    // the row is written only when the whole carve has passed the hash (handlers/downloads.ts hashing flush)
    expect(srv.audits.slice(before).filter((a) => a.action === 'download' && a.target === uid).length).toBeGreaterThan(0);
  });
});

describe('paths and names', () => {
  it('held: traversal and non-hex in uid and sha256 are refused; a hash in upper case is the same file', async () => {
    for (const p of ['/api/sessions/..%2F..%2Fetc%2Fpasswd/pcap', '/api/sessions/%2e%2e/transcript', `/api/sessions/${'a'.repeat(65)}/pcap`, '/api/sessions/a%00b/pcap',
      '/api/files/..%2F..%2F..%2Fetc%2Fpasswd', `/api/files/${'g'.repeat(64)}`, `/api/files/${'a'.repeat(63)}`, `/api/files/${'a'.repeat(64)}%2F..`, `/api/files/${'a'.repeat(62)}..`]) {
      const r = await analyst.get(p);
      expect([400, 404], `${p}: ${r.status}`).toContain(r.status);
      expect(r.headers['content-disposition']).toBeUndefined();
    }
    expect((await analyst.get(`/api/files/${'A'.repeat(64)}`)).status).toBe(404);
  });

  it('held: a download name never carries quotes, CR/LF, path separators or a leading dot', () => {
    for (const hostile of ['a"; filename*=UTF-8\'\'evil.html', 'x\r\nSet-Cookie: haystack=1', '../../etc/passwd', '..\\..\\boot.ini', '.htaccess', '', '\u202egpj.exe', 'é'.repeat(300)]) {
      const n = downloadName(hostile);
      expect(n).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/);
    }
  });

  it('held: downloads are attachments of type application/octet-stream with the security headers', async () => {
    const r = await analyst.get(`/api/sessions/${uid}/transcript?limit=1024`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="haystack-${uid}-text.txt"`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(String(r.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    expect(r.text.length).toBeLessThan(4096);
  });
});

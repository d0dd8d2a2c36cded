// Hostile traffic end to end (issue 13): a mail with a 5 MB Subject, 2,000 To addresses and 1,500 RCPT TO beside
// a plain HTTP exchange is ingested whole (one bad record does not lose the capture); a message longer than the
// analyzer keeps is parsed as far as it was kept; a flood of pipelined NOOPs does not hide the mail behind it;
// 200 nested-gzip bombs are not each inflated to the body limit. Captures are built here (test/helpers).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE } from '../src/analyzers/smtp/smtp-analyzer.js';
import { SMTP_MAX_ADDRESSES, SMTP_MAX_HEADER_BYTES } from '../src/schema/smtp.js';
import { cli, scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation, type Turn } from './helpers/conversation.js';

const dir = scratchDir('hostile');
const enc = new TextEncoder();
// an executable (MZ header) for a part labelled as a PDF
const MZ = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000b800000000000000400000000000000000000000', 'hex'), Buffer.alloc(200)]);
const exePart = ['--b', 'Content-Type: application/pdf; name=invoice.pdf', 'Content-Transfer-Encoding: base64', '', MZ.toString('base64').replace(/.{76}/g, '$&\r\n')].join('\r\n');

function write(name: string, ...conversations: Parameters<typeof conversationsPcap>): string {
  const path = join(dir, name);
  writeFileSync(path, conversationsPcap(...conversations));
  return path;
}

function csv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])));
}

const C = (data: string | Uint8Array): Turn => ({ from: 'client', data });
const S = (data: string | Uint8Array): Turn => ({ from: 'server', data });

describe('hostile records end to end', () => {
  it('ingests a capture whose mail has oversized fields and keeps its HTTP exchange too', async () => {
    const rcpts: Turn[] = [];
    for (let i = 0; i < 1500; i++) rcpts.push(C(`RCPT TO:<r${i}@corpus.example>\r\n`), S('250 ok\r\n'));
    const to = Array.from({ length: 2000 }, (_x, i) => `t${i}@corpus.example`).join(', ');
    const message = [`Subject: ${'S'.repeat(5 << 20)}`, 'From: a@vendor.example', `To: ${to}`, 'Content-Type: multipart/mixed; boundary=b', '', exePart, '--b--', ''].join('\r\n');
    const smtp = tcpConversation({ dport: 25, sport: 40001 }, [
      S('220 mx ESMTP\r\n'), C('EHLO c\r\n'), S('250 mx\r\n'), C('MAIL FROM:<a@vendor.example>\r\n'), S('250 ok\r\n'), ...rcpts,
      C('DATA\r\n'), S('354 go\r\n'), C(`${message}.\r\n`), S('250 queued\r\n'), C('QUIT\r\n'), S('221 bye\r\n'),
    ]);
    const http = tcpConversation({ dport: 80, sport: 40002, start: Date.UTC(2026, 0, 12, 10, 5, 0) * 1000 }, [
      C('GET /index.html HTTP/1.1\r\nHost: www.corpus.example\r\n\r\n'), S('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'),
    ]);
    const pcap = write('bigfields.pcap', smtp, http);
    const db = join(dir, 'bigfields.duckdb');
    const r = await cli('ingest', pcap, '--db', db, '--files', join(dir, 'bigfields-files'));
    expect(r.err).toMatch(/1 capture ingested/);
    expect(r.code).toBe(0);
    const q = await cli('sql', '--db', db, '--format', 'csv',
      `SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM http) AS http, (SELECT uri FROM http) AS uri,
        (SELECT count(*) FROM smtp) AS smtp, (SELECT length(subject) FROM smtp) AS subject, (SELECT len("to") FROM smtp) AS "to",
        (SELECT len(rcpt_to) FROM smtp) AS rcpt, (SELECT "from" FROM smtp) AS "from", (SELECT count(*) FROM files WHERE filename = 'invoice.pdf') AS files`);
    expect(q.code).toBe(0);
    expect(csv(q.out)).toEqual([{
      sessions: '2', http: '1', uri: '/index.html', smtp: '1', subject: String(SMTP_MAX_HEADER_BYTES - 2), to: String(SMTP_MAX_ADDRESSES),
      rcpt: String(SMTP_MAX_ADDRESSES), from: 'a@vendor.example', files: '1',
    }]);
    const a = await cli('sql', '--db', db, '--format', 'jsonl', "SELECT name, detail FROM anomalies WHERE name LIKE 'smtp%' ORDER BY name, detail");
    expect(a.out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { name: 'smtp_header_truncated', detail: `subject: ${5 << 20} characters` },
      { name: 'smtp_header_truncated', detail: 'to: 2000 entries' },
      { name: 'smtp_too_many_recipients', detail: 'rcpt_to: 1500 entries' },
    ].map((x) => ({ ...x, detail: expect.stringContaining(x.detail) as string })));
  }, 120_000);

  it(`parses the first ${MAX_MESSAGE} bytes of a longer message: headers, skeleton, the attachment and its mismatch`, async () => {
    const line = `${'x'.repeat(998)}\r\n`;
    const padding = line.repeat(Math.ceil((MAX_MESSAGE + (1 << 20)) / line.length));
    const head = ['From: evil@x', 'Subject: invoice', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '', exePart, '--b', 'Content-Type: text/plain', '', ''].join('\r\n');
    const content = Buffer.concat([enc.encode(head), Buffer.from(padding, 'latin1'), enc.encode('--b--\r\n.\r\nQUIT\r\n')]);
    const pcap = write('long.pcap', tcpConversation({ dport: 25, mss: 65_000 }, [
      S('220 mx\r\n'), C('EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'), S('250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n'), C(content), S('250 queued\r\n221 bye\r\n'),
    ]));
    const r = await cli('smtp', pcap, '--format', 'jsonl', '--fields', 'subject,from,data_bytes,fuids,skeleton');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as { subject: string; from: string; data_bytes: number; fuids: string[]; skeleton: string });
    expect(rows.map((x) => [x.subject, x.from, x.data_bytes, x.fuids.length])).toEqual([['invoice', 'evil@x', content.length - '.\r\nQUIT\r\n'.length, 1]]);
    expect(rows[0]!.skeleton).toContain('Filename: invoice.pdf\n    Size: 236\n    Real-type: application/x-msdownload');
    expect(rows[0]!.skeleton).toContain(`Cut: the first ${MAX_MESSAGE} of`);
    expect(r.err).toMatch(/smtp_message_too_large 1/);
    expect(r.err).toMatch(/file_type_mismatch 1/);
  }, 180_000);

  it('reads the mail behind 1,001 pipelined NOOPs in one segment', async () => {
    const noops = 'NOOP\r\n'.repeat(1001);
    const message = ['Subject: invoice', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'see attached', exePart, '--b--', ''].join('\r\n');
    const pcap = write('noops.pcap', tcpConversation({ dport: 25, mss: 65_000 }, [
      S('220 mx ESMTP\r\n'), C(`EHLO c\r\n${noops}MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n${message}.\r\nQUIT\r\n`),
      S(`250-mx\r\n250 PIPELINING\r\n${'250 ok\r\n'.repeat(1003)}354 go\r\n250 queued as ABC\r\n221 bye\r\n`),
    ]));
    const r = await cli('smtp', pcap, '--format', 'jsonl', '--fields', 'subject,rcpt_to,last_reply,fuids');
    expect(r.out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { subject: 'invoice', rcpt_to: ['b@example.com'], last_reply: '250 queued as ABC', fuids: [expect.stringMatching(/^F/) as string] },
    ]);
    expect(r.err).toMatch(/smtp_pending_dropped/);
    const x = await cli('extract', pcap, '-o', join(dir, 'noops-out'));
    expect(x.err).toMatch(/1 message, 1 object/);
  });

  it('does not inflate 200 nested-gzip bombs each to the body limit (http, alerts)', async () => {
    const bomb = gzipSync(gzipSync(new Uint8Array(80 << 20), { level: 9 }), { level: 9 });
    const turns: Turn[] = [];
    for (let i = 0; i < 200; i++) {
      turns.push(C('GET /x HTTP/1.1\r\nHost: bomb.example\r\n\r\n'),
        S(Buffer.concat([enc.encode(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip, gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`), bomb])));
    }
    const pcap = write('bombs.pcap', tcpConversation({ dport: 80 }, turns));
    const r = await cli('http', pcap, '--format', 'jsonl', '--fields', 'status_code,response_body_len');
    expect(r.out.trim().split('\n')).toHaveLength(200);
    expect(r.err).toMatch(/http_decode_budget_exhausted 1/);
    const rules = join(dir, 'bomb.rules');
    writeFileSync(rules, 'alert http any any -> any any (msg:"raw gzip body"; flow:to_client; file.data; content:"|1f 8b|"; depth:2; sid:1;)\n');
    const a = await cli('alerts', pcap, '--rules', rules, '--format', 'csv', '--fields', 'sid');
    // bodies kept as sent past the budget: the signature sees the gzip magic of every one of them
    expect(a.out.trim().split('\n').length - 1).toBe(200);
    expect(a.err).toMatch(/http_decode_budget_exhausted 1/);
  }, 120_000);
});

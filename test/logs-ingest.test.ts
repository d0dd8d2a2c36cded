// Log files through the CLI: a gzip-rotated log reads as its text, a capture or binary data given as a log is
// refused by name and offset with nothing stored, and `haystack ingest` finds logs beside captures by content.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('logs-ingest');
const LINES = [
  'Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<alice@acme.test>, size=329, class=0, nrcpts=1, msgid=<m1@acme.test>, proto=ESMTP, daemon=MTA-v4, relay=ws-alice.acme.test [127.0.1.11]',
  'Nov 22 06:11:30 mail postfix/smtpd[4591]: connect from mail.acme.test[127.0.0.10]:47911',
  'Nov 22 06:11:32 mail sshd[100]: Failed password for invalid user admin from 192.0.2.7 port 2222 ssh2',
];

describe('log ingest from the command line', () => {
  it('reads a gzip-compressed log as its text; refuses a capture and binary data by name and offset, storing nothing', async () => {
    const db = join(dir, 'a.duckdb');
    writeFileSync(join(dir, 'maillog.1.gz'), gzipSync(`${LINES.join('\n')}\n`));
    const gz = await cli('logs', 'ingest', join(dir, 'maillog.1.gz'), '--db', db, '--year', '2026');
    expect([gz.code, gz.err]).toEqual([0, expect.stringMatching(/maillog\.1\.gz: 3 lines into .*, 3 parsed in/)]);
    const pcap = await cli('logs', 'ingest', join(GEN, 'mixed-home.pcap'), '--db', db);
    expect([pcap.code, pcap.err]).toEqual([1, `haystack logs ingest: ${join(GEN, 'mixed-home.pcap')}: not a text log: it begins like a packet capture or a compressed file (haystack ingest reads captures)\n`]);
    writeFileSync(join(dir, 'bin.log'), Buffer.from('Nov 22 06:11:29 mail x: a\n\0\u0001'));
    const bin = await cli('logs', 'ingest', join(dir, 'bin.log'), '--db', db);
    expect([bin.code, bin.err]).toEqual([1, `haystack logs ingest: ${join(dir, 'bin.log')}: not a text log: a NUL byte at byte offset 26\n`]);
    const n = await cli('sql', 'SELECT count(*) AS n, count(DISTINCT capture_id) AS files FROM logs', '--db', db, '--format', 'jsonl');
    expect(JSON.parse(n.out)).toEqual({ n: 3, files: 1 });
  });

  it('haystack ingest takes a directory with captures and logs, and tells them apart by content', async () => {
    const d = join(dir, 'mixed');
    mkdirSync(d);
    copyFileSync(join(GEN, 'http-put.pcap'), join(d, 'web.pcap'));
    writeFileSync(join(d, 'mail.log'), `${LINES.join('\n')}\n`);
    writeFileSync(join(d, 'notes.txt'), 'not a log, not a capture\n');
    const db = join(dir, 'b.duckdb');
    const r = await cli('ingest', d, '--db', db, '--year', '2026');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/1 capture ingested into .*, 1 files skipped \(neither captures nor logs\): \d+ packets, \d+ sessions, \d+ records, 1 log file \(3 lines\)/);
    const q = await cli('sql', "SELECT format, packets FROM captures ORDER BY format", '--db', db, '--format', 'jsonl');
    expect(q.out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ format: 'log', packets: 3 }, { format: 'pcap', packets: expect.any(Number) }]);
  });
  it('haystack mail: a postfix queue id used again days later is another message', async () => {
    const db = join(dir, 'reuse.duckdb');
    const log = join(dir, 'reuse.log');
    writeFileSync(log, [
      'Nov  1 10:00:00 mx postfix/cleanup[10]: 4F2A1B3C7D: message-id=<first@x.test>',
      'Nov  1 10:00:01 mx postfix/qmgr[11]: 4F2A1B3C7D: from=<a@x.test>, size=100, nrcpt=1 (queue active)',
      'Nov  1 10:00:02 mx postfix/qmgr[11]: 4F2A1B3C7D: removed',
      'Nov 12 09:00:00 mx postfix/cleanup[10]: 4F2A1B3C7D: message-id=<second@x.test>',
      'Nov 12 09:00:01 mx postfix/qmgr[11]: 4F2A1B3C7D: from=<b@x.test>, size=200, nrcpt=1 (queue active)',
    ].join('\n') + '\n');
    expect((await cli('logs', 'ingest', log, '--db', db, '--year', '2026')).code).toBe(0);
    const r = await cli('mail', '4F2A1B3C7D', '--db', db, '--format', 'json');
    const got = JSON.parse(r.out) as { messages: { message_ids: string[]; lines: { line_no: number }[] }[] };
    expect(got.messages.map((m) => [m.message_ids, m.lines.map((l) => l.line_no)])).toEqual([[['first@x.test'], [1, 2, 3]], [['second@x.test'], [4, 5]]]);
  });
  it('a rotated log is the same log compressed or not (known by its text); a cut gzip is refused by name; haystack ingest finds .gz logs', async () => {
    const db = join(dir, 'rot.duckdb');
    const text = `${LINES.join('\n')}\n`;
    writeFileSync(join(dir, 'maillog.1'), text);
    const gz = gzipSync(text);
    const rot = join(dir, 'rot');
    mkdirSync(rot);
    writeFileSync(join(rot, 'maillog.2.gz'), gz);
    expect((await cli('logs', 'ingest', join(dir, 'maillog.1'), '--db', db)).code).toBe(0);
    const again = await cli('ingest', rot, '--db', db);
    expect([again.code, again.err]).toEqual([0, expect.stringContaining(`${join(rot, 'maillog.2.gz')}: already in the store`)]);
    writeFileSync(join(dir, 'cut.gz'), gz.subarray(0, gz.length - 12));
    const cut = await cli('logs', 'ingest', join(dir, 'cut.gz'), '--db', db);
    expect([cut.code, cut.err]).toEqual([1, expect.stringContaining(`${join(dir, 'cut.gz')}: not a whole gzip stream (`)]);
    const n = await cli('sql', 'SELECT count(*) AS n FROM logs', '--db', db, '--format', 'jsonl');
    expect(JSON.parse(n.out)).toEqual({ n: 3 });
    const parsed = await cli('logs', 'parse', join(rot, 'maillog.2.gz'), '--year', '2026');
    expect(parsed.out.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['sendmail_from', 'postfix_connect', 'sshd_failed']);
    const notFile = await cli('logs', 'parse', dir);
    expect([notFile.code, notFile.err]).toEqual([1, `haystack logs parse: ${dir}: cannot read (EISDIR)\n`]);
  });
});

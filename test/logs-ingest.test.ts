// Log files through the CLI: a gzip-rotated log reads as its text, a capture or binary data given as a log is
// refused by name and offset with nothing stored, and `haystack ingest` finds logs beside captures by content.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { MAX_LOG_LINE } from '../src/pipeline/logs.js';
import { GEN, ROOT } from './helpers/run.js';

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

  it('a 5 MB line among normal ones (gzip): cut to MAX_LOG_LINE and flagged, every other line stored, by logs ingest and ingest', async () => {
    const head = 'Jan 12 10:00:02 mx postfix/smtpd[123]: ';
    const good = (n: number): string => `Jan 12 10:00:0${n} mx postfix/smtpd[123]: connect from unknown[10.0.0.${n}]`;
    const f = join(dir, 'longline.log.gz');
    writeFileSync(f, gzipSync(`${good(1)}\n${head}${'a'.repeat(5 << 20)}\n${good(3)}\n`));
    for (const verb of [['logs', 'ingest'], ['ingest']]) {
      const db = join(dir, `long-${verb.length}.duckdb`);
      const r = await cli(...verb, f, '--db', db, '--year', '2026');
      expect([r.code, r.err]).toEqual([0, verb.length === 2 ? expect.stringContaining('3 lines into') : expect.stringContaining('1 log file (3 lines)')]);
      if (verb.length === 2) expect(r.err).toContain(`1 line longer than ${MAX_LOG_LINE} characters cut to it (fields _line_truncated)`);
      const q = await cli('sql', 'SELECT line_no, parse_ok, length(message) AS len, fields FROM logs ORDER BY line_no', '--db', db, '--format', 'jsonl');
      const rows = q.out.trim().split('\n').map((l) => JSON.parse(l) as { line_no: number; parse_ok: boolean; len: number; fields: string });
      expect(rows.map((x) => [x.line_no, x.parse_ok, x.len, JSON.parse(x.fields) as unknown])).toEqual([
        [1, true, 'connect from unknown[10.0.0.1]'.length, { client_name: 'unknown', client_ip: '10.0.0.1' }],
        [2, false, MAX_LOG_LINE - head.length, { _line_truncated: head.length + (5 << 20) }],
        [3, true, 'connect from unknown[10.0.0.3]'.length, { client_name: 'unknown', client_ip: '10.0.0.3' }],
      ]);
      const a = await cli('sql', "SELECT a.name, a.detail, json_extract(c.stats, '$.truncated') AS truncated FROM anomalies a JOIN captures c USING (capture_id)", '--db', db, '--format', 'jsonl');
      expect(JSON.parse(a.out)).toEqual({ name: 'log_line_truncated', detail: `line 2: ${head.length + (5 << 20)} characters, cut to ${MAX_LOG_LINE}`, truncated: '1' });
    }
  });

  it('the costliest lines, captured whole many times, are stored (each row under the store\'s limit)', async () => {
    const f = join(dir, 'costly.log');
    const lines = ['\u0001', '"', '€', '😀'].map((ch) => `Jan 12 10:00:01 mx app: ${ch.repeat(MAX_LOG_LINE)}`);
    writeFileSync(f, `${lines.join('\n')}\n`);
    const db = join(dir, 'costly.duckdb');
    const r = await cli('logs', 'ingest', f, '--db', db, '--recipe', 'none', '--pattern', '(?<a>(?<b>(?<c>(?<d>(?<e>.*)))))', '--pattern', '%{GREEDYDATA:g}');
    expect([r.code, r.err]).toEqual([0, expect.stringContaining('4 lines longer than 262144 characters cut to it (fields _line_truncated); 4 lines with captures over 524288 characters of JSON cut (fields _fields_truncated)')]);
    const q = await cli('sql', "SELECT count(*) AS n, sum(CASE WHEN json_extract(fields, '$._fields_truncated') IS NOT NULL THEN 1 ELSE 0 END) AS cut FROM logs", '--db', db, '--format', 'jsonl');
    expect(JSON.parse(q.out)).toEqual({ n: 4, cut: 4 });
  });

  it('logs parse -: a 128 MiB line without a line end between two good lines is cut; the line after it is parsed, in a 32 MB heap (needs npm run build)', () => {
    const sh = `(echo 'Jan 12 10:00:01 mx postfix/smtpd[1]: connect from a[10.0.0.1]'; head -c 128M /dev/zero | tr '\\0' a; echo; ` +
      `echo 'Jan 12 10:00:02 mx postfix/smtpd[1]: connect from b[10.0.0.2]') | "${process.execPath}" --max-old-space-size=32 "${join(ROOT, 'bin/haystack.js')}" logs parse - --year 2026`;
    const r = spawnSync('bash', ['-c', sh], { encoding: 'utf8', maxBuffer: 8 << 20 });
    expect([r.status, r.stderr]).toEqual([0, `haystack logs parse: -: 1 line longer than ${MAX_LOG_LINE} characters cut to it (fields _line_truncated)\n`]);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line_no: number; parse_ok: boolean; fields: Record<string, unknown>; message: string });
    expect(rows.map((x) => [x.line_no, x.parse_ok, x.fields, x.message.length])).toEqual([
      [1, true, { client_name: 'a', client_ip: '10.0.0.1' }, 'connect from a[10.0.0.1]'.length],
      [2, false, { _line_truncated: 128 << 20 }, MAX_LOG_LINE],
      [3, true, { client_name: 'b', client_ip: '10.0.0.2' }, 'connect from b[10.0.0.2]'.length],
    ]);
  }, 60_000);

  it('a UTF-8 byte-order mark does not keep the first line from parsing, also in a gzip log', async () => {
    const text = `\ufeff${LINES.join('\n')}\n`;
    writeFileSync(join(dir, 'bom.log'), text);
    writeFileSync(join(dir, 'bom.log.gz'), gzipSync(text));
    for (const f of ['bom.log', 'bom.log.gz']) {
      const r = await cli('logs', 'parse', join(dir, f), '--year', '2026');
      expect(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['sendmail_from', 'postfix_connect', 'sshd_failed']);
    }
    // haystack ingest finds a one-line log with a mark by its content, and parses its line
    const one = join(dir, 'bomdir');
    mkdirSync(one);
    writeFileSync(join(one, 'one.log'), `\ufeff${LINES[1]}\n`);
    const db = join(dir, 'bom.duckdb');
    expect((await cli('ingest', one, '--db', db, '--year', '2026')).err).toContain('1 log file (1 lines)');
    const q = await cli('sql', 'SELECT type, host FROM logs', '--db', db, '--format', 'jsonl');
    expect(JSON.parse(q.out)).toEqual({ type: 'postfix_connect', host: 'mail' });
  });
});

// What the CLI writes: captured text with terminal controls (ESC[2J, an OSC title, CR, a bidi override) is
// shown escaped in every human-readable output and kept exact in jsonl (and csv, quoted); a failed write to
// stdout or an output file is one line naming it with exit 1, a reader that went away a quiet exit 0.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { cli, scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation } from './helpers/conversation.js';
import { GEN, ROOT } from './helpers/run.js';
import { firstRawControl } from './helpers/terminal.js';

/** Clears the screen, sets the window title, returns to the line start, reverses what follows. */
const HOSTILE = 'names\x1b[2J\x1b]0;title\x07a\rb\u202egnp.exe';
const ESCAPED = 'names\\x1b[2J\\x1b]0;title\\x07a\\rb\\u202egnp.exe';
const FILENAME = 'esc\x1b]0;PWNED\x07\x1b[31mred.txt';

const dir = scratchDir('output');
/** One SMTP message whose Subject (an RFC 2047 word, so any character can be in it) and attachment name are HOSTILE. */
const capture = join(dir, 'hostile.pcap');
writeFileSync(capture, conversationsPcap(tcpConversation({ dport: 25 }, [
  { from: 'server', data: '220 mx ESMTP\r\n' },
  { from: 'client', data: 'EHLO client.example\r\n' },
  { from: 'server', data: '250 mx\r\n' },
  { from: 'client', data: 'MAIL FROM:<a@example.com>\r\n' },
  { from: 'server', data: '250 ok\r\n' },
  { from: 'client', data: 'RCPT TO:<b@example.com>\r\n' },
  { from: 'server', data: '250 ok\r\n' },
  { from: 'client', data: 'DATA\r\n' },
  { from: 'server', data: '354 go on\r\n' },
  {
    from: 'client',
    data: [
      'From: a@example.com', 'To: b@example.com', `Subject: =?UTF-8?B?${Buffer.from(HOSTILE).toString('base64')}?=`,
      'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'hello', '--b',
      `Content-Type: application/octet-stream; name="${FILENAME}"`, `Content-Disposition: attachment; filename="${FILENAME}"`, '',
      'payload', '--b--', '.', '',
    ].join('\r\n'),
  },
  { from: 'server', data: '250 queued as Q1\r\n' },
  { from: 'client', data: 'QUIT\r\n' },
  { from: 'server', data: '221 bye\r\n' },
])));

function noRawControl(s: string): void {
  expect(firstRawControl(s)).toBeNull();
}

describe('captured text with terminal controls', () => {
  it('jsonl keeps the exact subject (the input is what the test says it is)', async () => {
    const r = await cli('smtp', capture, '--format', 'jsonl', '--fields', 'subject,fuids');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { subject: string }).subject).toBe(HOSTILE);
  });

  it('smtp --format table shows it escaped', async () => {
    const r = await cli('smtp', capture, '--format', 'table', '--fields', 'subject,mail_from');
    noRawControl(r.out);
    expect(r.out).toContain(ESCAPED);
  });

  it('smtp --format csv keeps it exact, in quotes', async () => {
    const r = await cli('smtp', capture, '--format', 'csv', '--fields', 'subject,mail_from');
    expect(r.out).toBe(`subject,mail_from\n"${HOSTILE}",a@example.com\n`);
  });

  it('extract: the message header and the MIME skeleton escaped; --json exact', async () => {
    const r = await cli('extract', capture, '-o', join(dir, 'ex'));
    expect(r.code).toBe(0);
    noRawControl(r.out);
    noRawControl(r.err);
    expect(r.out).toContain(`Subject: ${ESCAPED}\n`);
    expect(r.out).toContain('Filename: esc\\x1b]0;PWNED\\x07\\x1b[31mred.txt\n');
    const j = await cli('extract', capture, '-o', join(dir, 'ex'), '--json');
    const rec = JSON.parse(j.out) as { smtp: { subject: string }; files: { filename: string | null }[] };
    expect(rec.smtp.subject).toBe(HOSTILE);
    expect(rec.files.map((f) => f.filename)).toContain(FILENAME);
  });

  it('mail (text) after ingest shows the subject, skeleton and file name escaped', async () => {
    const db = join(dir, 'mail.duckdb');
    expect((await cli('ingest', capture, '--db', db)).code).toBe(0);
    const r = await cli('mail', 'b@example.com', '--db', db);
    expect(r.code).toBe(0);
    noRawControl(r.out);
    expect(r.out).toContain('Filename: esc\\x1b]0;PWNED\\x07\\x1b[31mred.txt\n');
    expect(r.out).toContain('\\u202egnp.exe');
  });

  it('info: a capture file name with controls is escaped, in the text and in the error for a missing one', async () => {
    const named = join(dir, 'cap\x1b[2J\u202e.pcap');
    writeFileSync(named, conversationsPcap(tcpConversation({ dport: 80 }, [{ from: 'client', data: 'x' }])));
    const r = await cli('info', named);
    noRawControl(r.out);
    expect(r.out).toContain('cap\\x1b[2J\\u202e.pcap');
    const missing = await cli('sessions', join(dir, 'gone\x1b]0;t\x07.pcap'));
    expect(missing.code).toBe(1);
    noRawControl(missing.err);
    expect(missing.err).toContain('gone\\x1b]0;t\\x07.pcap');
  });

  it('a progress line names the input escaped (only our own \\r and erase-line are raw)', async () => {
    const named = join(dir, 'prog\x1b[2J\r.pcap');
    writeFileSync(named, conversationsPcap(tcpConversation({ dport: 80 }, [{ from: 'client', data: 'x' }])));
    let err = '';
    await main(['sessions', named, '--format', 'jsonl'], { stdout: () => undefined, stderr: (s) => void (err += s), stdoutIsTty: false, stderrIsTty: true });
    expect(err).toContain('prog\\x1b[2J\\r.pcap');
    noRawControl(err.replaceAll('\r', '').replaceAll('\x1b[K', ''));
  });

  it('error messages quoting arguments, grok text, rules check text and sql tables are escaped', async () => {
    const bad = await cli('sessions', capture, '--fields', 'x\x1b[2J\u202e');
    expect(bad.code).toBe(2);
    noRawControl(bad.err);
    expect(bad.err).toContain('x\\x1b[2J\\u202e');

    const g = await cli('grok', '--pattern', '%{WORD:w} %{GREEDYDATA:rest}', '--line', 'hello \x1b]0;t\x07\u202ex');
    noRawControl(g.out);
    expect(g.out).toContain('\\u202e');

    const rules = join(dir, 'r.rules');
    writeFileSync(rules, 'alert tcp any any -> any any (msg:"a\x1b[2J"; flow:established; sid:1;)\nalert tcp any any -> any any (msg:"b"; \x1b]0;t\x07:1; sid:2;)\n');
    const rc = await cli('rules', 'check', rules);
    noRawControl(rc.out);
    noRawControl(rc.err);
    expect(rc.out).toContain('\\x1b');

    const db = join(dir, 'mail.duckdb');
    const q = await cli('sql', 'SELECT \'a\' || chr(27) || \'[2J\' || chr(8238) AS "t\x1b[1m"', '--db', db, '--format', 'table');
    expect(q.code).toBe(0);
    noRawControl(q.out);
    expect(q.out).toBe('t\\x1b[1m\na\\x1b[2J\\u202e\n');
  });
});

describe('write errors', () => {
  const bin = join(ROOT, 'bin/haystack.js');
  const pcap = join(GEN, 'http-put.pcap');

  it('stdout on a full disk: one line naming stdout, exit 1', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [bin, 'sessions', pcap], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.stderr).toBe('haystack sessions: cannot write stdout: no space left on device (ENOSPC)\n');
      expect(r.status).toBe(1);
    } finally {
      closeSync(full);
    }
  });

  it('an output file on a full disk: one line naming the file, exit 1', async () => {
    const db = join(dir, 'export.duckdb');
    expect((await cli('ingest', pcap, '--db', db)).code).toBe(0);
    const r = await cli('export', 'sessions', '--format', 'csv', '-o', '/dev/full', '--db', db);
    expect(r).toMatchObject({ code: 1, err: 'haystack export: cannot write /dev/full: no space left on device (ENOSPC)\n' });
  });

  it('a stream file or the index of streams -o DIR on a full disk: one line naming it, exit 1', async () => {
    const first = join(dir, 'streams-ok');
    expect((await cli('streams', pcap, '-o', first)).code).toBe(0);
    const name = readdirSync(first).find((f) => f !== 'index.jsonl')!;
    for (const file of [name, 'index.jsonl']) {
      const out = join(dir, `streams-full-${file === name ? 'stream' : 'index'}`);
      mkdirSync(out);
      symlinkSync('/dev/full', join(out, file));
      const r = await cli('streams', pcap, '-o', out);
      expect(r).toMatchObject({ code: 1, err: `haystack streams: cannot write ${join(out, file)}: no space left on device (ENOSPC)\n` });
    }
  });

  it('extract -o DIR where an object cannot be written: one line naming it, exit 1', async () => {
    const out = join(dir, 'extract-blocked');
    mkdirSync(out);
    writeFileSync(join(out, 'files'), 'a file where the objects directory goes');
    const r = await cli('extract', join(GEN, 'smtp-attachments.pcap'), '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^haystack extract: cannot write ${join(out, 'files')}/[0-9a-f]{2}: not a directory \\(ENOTDIR\\)\n$`));
  });

  it('a reader that went away (EPIPE) is a quiet exit 0', async () => {
    const child = spawn(process.execPath, [bin, 'sessions', pcap, '--format', 'jsonl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

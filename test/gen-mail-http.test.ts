// Issue 16 section 3 on captures made here with real clients and servers (test/fixtures/mail-http,
// make-captures.sh): swaks against postfix with refused recipients and senders, a windows-1252 subject and one
// of many encoded words, a header line and an attachment name of several KB, a MAIL FROM of several KB; SMTP
// in clear after STARTTLS and its 220 (by construction: a decrypted export); curl through OpenSSH's SOCKS4,
// SOCKS4a and SOCKS5 proxy and tinyproxy's HTTP CONNECT, carrying HTTP and SMTP; HTTP 100 Continue and 103
// Early Hints. Expectations: tshark's reading of the captures (*.tshark.tsv), python's email package for
// the decoded subjects, and what the scripts sent.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../src/core/anomaly.js';
import { Session } from '../src/flow/session.js';
import type { SmtpMessage } from '../src/analyzers/smtp/smtp-analyzer.js';
import { mailRecords } from '../src/pipeline/mail.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/mail-http');
const tsv = (name: string): string[][] => readFileSync(join(DIR, name), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));

async function rows<T>(verb: string, pcap: string, fields: string): Promise<{ rows: T[]; err: string }> {
  const r = await cli(verb, join(DIR, pcap), '--format', 'jsonl', '--fields', fields);
  expect(r.code, r.err).toBe(0);
  return { rows: r.out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T), err: r.err };
}

interface Smtp { uid: string; src_port: number; mail_from: string | null; rcpt_to: string[]; last_reply: string | null; data_bytes: number; subject: string | null; starttls: boolean; fuids: string[] }
const SMTP_FIELDS = 'uid,src_port,mail_from,rcpt_to,last_reply,data_bytes,subject,starttls,fuids';

/** tshark's SMTP dialogue of one TCP stream: commands with their parameters, replies with code and text. */
function dialogue(stream: number): { cmd: string; param: string; code: string; text: string }[] {
  return tsv('mail.smtp.tshark.tsv').filter((r) => Number(r[0]) === stream).map(([, cmd = '', param = '', code = '', text = '']) => ({ cmd, param, code, text }));
}

describe('mail.pcap: swaks against postfix', async () => {
  const { rows: recs, err } = await rows<Smtp>('smtp', 'mail.pcap', SMTP_FIELDS);
  // one record per TCP stream here, in stream order
  const streams = [...new Set(tsv('mail.smtp.tshark.tsv').map((r) => Number(r[0])))];

  it('writes a record for every transaction, refused ones included, with the envelope and the refusing reply tshark shows', () => {
    expect(recs.length).toBe(streams.length);
    for (const [i, st] of streams.entries()) {
      const d = dialogue(st);
      const mail = d.find((x) => x.cmd === 'MAIL')!.param.replace(/^FROM:<([^>]*)>?.*$/s, '$1');
      const rcpts = d.filter((x) => x.cmd === 'RCPT').map((x) => x.param.replace(/^TO:<([^>]*)>$/, '$1'));
      // the transaction's last reply: to "." when a message went, else to the last MAIL/RCPT/DATA
      const replies = d.filter((x) => x.code !== '');
      const lastTx = replies[replies.length - 2]!; // the one before QUIT's 221
      const r = recs[i]!;
      expect([r.mail_from?.slice(0, 100), r.rcpt_to, r.last_reply], `stream ${st}`).toEqual([mail.slice(0, 100), rcpts, `${lastTx.code} ${lastTx.text}`]);
      const sent = d.some((x) => x.code === '354');
      expect(r.data_bytes > 0, `stream ${st}`).toBe(sent);
    }
    // the refused ones: every RCPT refused (stream 0), the sender refused at RCPT (1), MAIL refused (5)
    expect(recs.filter((r) => r.data_bytes === 0).map((r) => r.last_reply!.slice(0, 3))).toEqual(['554', '554', '501']);
  });

  it('decodes the windows-1252 subject (0x92 is U+2019) and the subject of many encoded words as python\'s email package does', () => {
    const want = new Map(tsv('mail.subjects.python.tsv').map(([st, subj]) => [Number(st), subj]));
    for (const [i, st] of streams.entries()) {
      if (want.has(st)) expect(recs[i]!.subject, `stream ${st}`).toBe(want.get(st));
    }
    expect(recs.map((r) => r.subject)).toContain('It\u2019s done \u2013 \u20ac100');
  });

  it('keeps a message with a 6,000-byte header line and a 5,000-byte attachment name, and its attachment', async () => {
    const long = recs.find((r) => r.subject === 'overflow probe')!;
    expect(long.fuids.length).toBe(1);
    const f = await cli('extract', join(DIR, 'mail.pcap'), '-o', scratchDir('mail-http-extract'), '--json');
    const msg = f.out.trim().split('\n').map((l) => JSON.parse(l) as { smtp: { subject: string }; files: { filename: string; sha256: string }[] })
      .find((m) => m.smtp.subject === 'overflow probe')!;
    // by construction: "MZ" and the bytes 0..255, named 5,000 "B"s and ".exe"
    const content = Buffer.concat([Buffer.from('MZ'), Buffer.from(Array.from({ length: 256 }, (_x, i) => i))]);
    expect(msg.files.map((x) => [x.filename.length, x.filename.endsWith('.exe'), x.sha256])).toEqual([[5004, true, createHash('sha256').update(content).digest('hex')]]);
    // the over-long lines are named: the X-Probe header, and the attachment's Content-Type and Content-Disposition
    expect(f.err).toMatch(/mime_header_line_too_long 3/);
  });

  it('reads a MAIL FROM of several KB as one (cut) command: its refusal is matched to it, and says so', () => {
    expect(err).toMatch(/smtp_line_too_long 1/);
    const probe = recs.find((r) => r.last_reply?.startsWith('501'))!;
    expect([probe.mail_from!.length, /^A+$/.test(probe.mail_from!)]).toEqual([4096 - 'MAIL FROM:<'.length, true]);
  });
});

describe('clear.pcap: SMTP goes on in clear after STARTTLS and its 220 (a decrypted export, by construction)', () => {
  it('reads the message after the hand-over, as tshark does', async () => {
    const { rows: recs } = await rows<Smtp>('smtp', 'clear.pcap', SMTP_FIELDS);
    const t = tsv('clear.tshark.tsv');
    const mail = t.find((r) => r[1] === 'mail')![2]!.replace(/^FROM:<(.*)>$/, '$1');
    const subject = t.find((r) => r[3] !== undefined && r[3] !== '')![3];
    expect(recs.map((r) => [r.mail_from, r.rcpt_to, r.subject, r.starttls, r.last_reply])).toEqual([[mail, ['bob@sec3.test'], subject, true, '250 2.0.0 Ok: queued as CLEAR1']]);
  });
});

describe('proxy.pcap: HTTP and SMTP behind SOCKS4, SOCKS4a, SOCKS5 (ssh -D) and HTTP CONNECT (tinyproxy)', async () => {
  const t = tsv('proxy.tshark.tsv');
  const sessions = await rows<{ uid: string; dst_port: number; app_proto: string | null; proxy: string | null }>('sessions', 'proxy.pcap', 'uid,dst_port,app_proto,proxy');

  it('names each prelude and its target in the session as tshark reads the request', () => {
    // tshark, per TCP stream: the SOCKS version and target (socks.dst or socks.remote_name, socks.dstport), or
    // the CONNECT's request target
    const want: string[] = [];
    for (const st of [...new Set(t.map((r) => r[0]))]) {
      const rs = t.filter((r) => r[0] === st);
      const connect = rs.find((r) => r[6] === 'CONNECT');
      if (connect !== undefined) {
        want.push(`http-connect ${connect[7]}`);
        continue;
      }
      const v = rs[0]![1]!;
      const req = rs.find((r) => r[2] === '1' && (r[3] !== '' || r[4] !== ''))!;
      // SOCKS4a: a 0.0.0.x address and the host name after the user id (tshark shows the address only)
      const host = req[4] !== '' ? req[4] : req[3] === '0.0.0.1' ? 'localhost' : req[3];
      const port = rs.find((r) => r[2] === '1' && r[5] !== '' && r[5] !== '0')![5];
      want.push(`${v === '4' ? (req[3] === '0.0.0.1' ? 'socks4a' : 'socks4') : 'socks5'} ${host}:${port}`);
    }
    expect(sessions.rows.map((s) => s.proxy)).toEqual(want);
  });

  it('reads the HTTP requests inside every tunnel, and the CONNECTs themselves', async () => {
    const { rows: http } = await rows<{ method: string; uri: string; status_code: number }>('http', 'proxy.pcap', 'method,uri,status_code');
    const want = t.filter((r) => r[6] !== undefined && r[6] !== '').map((r) => [r[6], r[7]]);
    expect(http.map((h) => [h.method, h.uri])).toEqual(want.flatMap(([m, u]) => (m === 'CONNECT' && u === '127.0.0.1:8080' ? [[m, u], ['GET', '/via-connect']] : [[m, u]])));
    expect(http.map((h) => h.status_code)).toEqual(http.map(() => 200));
  });

  it('reads the SMTP mail inside the SOCKS5, CONNECT and SOCKS4 tunnels', async () => {
    const { rows: recs } = await rows<Smtp>('smtp', 'proxy.pcap', SMTP_FIELDS);
    expect(recs.map((r) => [r.mail_from, r.rcpt_to, r.subject, r.last_reply?.slice(0, 3)])).toEqual(
      ['socks5', 'connect', 'socks4'].map((k) => ['carol@sec3.test', ['bob@sec3.test'], `through ${k}`, '250']),
    );
    const proxyOf = new Map(sessions.rows.map((s) => [s.uid, s.proxy]));
    expect(recs.map((r) => proxyOf.get(r.uid)?.replace(/ .*/, ''))).toEqual(['socks5', 'http-connect', 'socks4']);
  });
});

describe('http-1xx.pcap: interim responses', () => {
  it('records 100 Continue and 103 Early Hints as info_code and info_msg, as tshark pairs them', async () => {
    const { rows: http } = await rows<{ status_code: number; status_msg: string; info_code: number | null; info_msg: string | null }>('http', 'http-1xx.pcap', 'status_code,status_msg,info_code,info_msg');
    const t = tsv('http-1xx.tshark.tsv');
    const byStream = [...new Set(t.map((r) => r[0]))].map((st) => t.filter((r) => r[0] === st));
    expect(http.map((h) => [h.info_code, h.info_msg, h.status_code, h.status_msg])).toEqual(
      byStream.map((rs) => [Number(rs[0]![1]), rs[0]![2], Number(rs[1]![1]), rs[1]![2]]),
    );
  });
});

describe('charsets: labelled encoded words decode as python\'s codecs do, on every Node (CI runs this on 20 and 24)', () => {
  it('decodes each charset\'s bytes (python\'s undefined bytes, U+FFFD there, are left open)', async () => {
    const { charsets } = JSON.parse(readFileSync(join(DIR, 'charsets.python.json'), 'utf8')) as { charsets: Record<string, { hex: string; text: string }> };
    const s = new Session();
    s.uid = 'Ccharsets';
    for (const [label, c] of Object.entries(charsets)) {
      const word = `=?${label}?B?${Buffer.from(c.hex, 'hex').toString('base64')}?=`;
      const data = new TextEncoder().encode(`Subject: ${word}\r\n\r\nx\r\n`);
      const m: SmtpMessage = {
        session: s, transDepth: 1, ts: 0, endTs: 0, helo: null, mailFrom: null, rcptTo: [], data, dataBytes: data.length, missingBytes: 0,
        lastReply: null, starttls: false, authMechanism: null, authUser: null,
      };
      const got = [...(await mailRecords(m, { anomalies: new AnomalyLog(() => undefined), filesDir: null })).smtp.subject!];
      const want = [...c.text];
      expect(got.length, label).toBe(want.length);
      expect(got.map((ch, i) => (want[i] === '\ufffd' ? '\ufffd' : ch)).join(''), label).toBe(c.text);
    }
  });
});

// POP3, IMAP and FTP behind a proxy prelude, by construction (issue 16 §3: one prelude skipper for every
// analyzer): each dialogue opened through SOCKS5 (RFC 1928, no authentication, a domain name target) and through
// HTTP CONNECT, on the proxy's port, so only the content after the prelude can name the protocol. The pop3, imap
// and ftp records are the dialogue as written here, and the session names its prelude and target.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation, type Turn } from './helpers/conversation.js';
import { mailFtpRun, type MailFtpRun } from './helpers/mailftp.js';

const tmp = scratchDir('prelude-mailftp');
const PASSWORD = 'planted-Secret-42';

/** SOCKS5 without authentication to host:port (the reply's bound address 127.0.0.1:40000) */
function socks5(host: string, port: number): Turn[] {
  return [
    { from: 'client', data: Uint8Array.from([5, 1, 0]) },
    { from: 'server', data: Uint8Array.from([5, 0]) },
    { from: 'client', data: Uint8Array.from([5, 1, 0, 3, host.length, ...Buffer.from(host, 'latin1'), port >> 8, port & 0xff]) },
    { from: 'server', data: Uint8Array.from([5, 0, 0, 1, 127, 0, 0, 1, 0x9c, 0x40]) },
  ];
}
function connect(host: string, port: number): Turn[] {
  return [
    { from: 'client', data: `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n` },
    { from: 'server', data: 'HTTP/1.1 200 Connection established\r\n\r\n' },
  ];
}

/** Each dialogue as [who, line] and the records it must give: [command, arg, status or code, reply text]. */
interface Dialogue { proto: 'pop3' | 'imap' | 'ftp'; host: string; port: number; turns: Turn[]; records: [string, string | null, string | number, string][] }
const c = (data: string): Turn => ({ from: 'client', data });
const s = (data: string): Turn => ({ from: 'server', data });
const DIALOGUES: Dialogue[] = [
  {
    proto: 'pop3', host: 'pop.example', port: 110,
    turns: [s('+OK POP3 ready\r\n'), c('USER alice\r\n'), s('+OK send PASS\r\n'), c(`PASS ${PASSWORD}\r\n`), s('+OK logged in\r\n'),
      c('STAT\r\n'), s('+OK 2 320\r\n'), c('QUIT\r\n'), s('+OK bye\r\n')],
    records: [['<init>', null, 'OK', 'POP3 ready'], ['USER', 'alice', 'OK', 'send PASS'], ['PASS', null, 'OK', 'logged in'],
      ['STAT', null, 'OK', '2 320'], ['QUIT', null, 'OK', 'bye']],
  },
  {
    proto: 'imap', host: 'imap.example', port: 143,
    turns: [s('* OK IMAP4rev1 ready\r\n'), c(`a1 LOGIN alice ${PASSWORD}\r\n`), s('a1 OK LOGIN completed\r\n'), c('a2 SELECT INBOX\r\n'),
      s('* 3 EXISTS\r\na2 OK [READ-WRITE] SELECT completed\r\n'), c('a3 LOGOUT\r\n'), s('* BYE see you\r\na3 OK LOGOUT completed\r\n')],
    records: [['<init>', null, 'OK', 'IMAP4rev1 ready'], ['LOGIN', 'alice', 'OK', 'LOGIN completed'],
      ['SELECT', 'INBOX', 'OK', '[READ-WRITE] SELECT completed'], ['LOGOUT', null, 'OK', 'LOGOUT completed']],
  },
  {
    proto: 'ftp', host: 'ftp.example', port: 21,
    turns: [s('220 FTP ready\r\n'), c('USER alice\r\n'), s('331 Password required\r\n'), c(`PASS ${PASSWORD}\r\n`), s('230 Logged in\r\n'),
      c('PWD\r\n'), s('257 "/" is the current directory\r\n'), c('QUIT\r\n'), s('221 Goodbye\r\n')],
    records: [['<init>', null, 220, 'FTP ready'], ['USER', 'alice', 331, 'Password required'], ['PASS', null, 230, 'Logged in'],
      ['PWD', null, 257, '"/" is the current directory'], ['QUIT', null, 221, 'Goodbye']],
  },
];
const PRELUDES = [['socks5', socks5, 1080], ['http-connect', connect, 3128]] as const;

describe('POP3, IMAP and FTP behind SOCKS5 and HTTP CONNECT', () => {
  let ours: MailFtpRun;
  const sportOf = new Map<string, number>();
  beforeAll(async () => {
    const convs = [];
    let sport = 41000;
    for (const d of DIALOGUES) {
      for (const [kind, prelude, proxyPort] of PRELUDES) {
        sportOf.set(`${d.proto} ${kind}`, sport);
        convs.push(tcpConversation({ sport, dport: proxyPort, start: Date.UTC(2026, 0, 12, 10, 0, 0) * 1000 + sport * 10_000 }, [...prelude(d.host, d.port), ...d.turns]));
        sport++;
      }
    }
    const f = join(tmp, 'prelude-mailftp.pcap');
    writeFileSync(f, conversationsPcap(...convs));
    ours = await mailFtpRun(f);
  });

  for (const d of DIALOGUES) {
    for (const [kind, , proxyPort] of PRELUDES) {
      it(`${d.proto} behind ${kind}: the session names the prelude and target, and the ${d.proto} records are the dialogue`, () => {
        const sport = sportOf.get(`${d.proto} ${kind}`)!;
        const session = ours.sessions.find((x) => x.src_port === sport)!;
        // a CONNECT stream is named http by its request, which the HTTP analyzer reads (as for SMTP behind CONNECT)
        const app = kind === 'http-connect' ? 'http' : d.proto;
        expect([session.dst_port, session.app_proto, session.proxy]).toEqual([proxyPort, app, `${kind} ${d.host}:${d.port}`]);
        const recs = (ours[d.proto] as { src_port: number; uid: string; command: string; arg: string | null; user: string | null; password_seen: boolean }[])
          .filter((r) => r.src_port === sport);
        expect(recs.every((r) => r.uid === session.uid)).toBe(true);
        const got = recs.map((r) => {
          const x = r as unknown as { status?: string | null; reply_code?: number | null; reply_msg: string | null };
          return [r.command, r.arg, d.proto === 'ftp' ? x.reply_code : x.status, x.reply_msg];
        });
        expect(got).toEqual(d.records);
        // the user from USER/LOGIN on, the password noted as seen from its command on, never stored
        const login = d.records.findIndex((x) => x[0] === (d.proto === 'imap' ? 'LOGIN' : 'PASS'));
        expect(recs.map((r) => r.password_seen)).toEqual(recs.map((_, i) => i >= login));
        expect(recs.slice(login).every((r) => r.user === 'alice')).toBe(true);
        expect(JSON.stringify(recs)).not.toContain(PASSWORD);
      });
    }
  }

  it('no record of another protocol, and the proxy prelude is not read as one', () => {
    expect(ours.pop3.length + ours.imap.length + ours.ftp.length).toBe(2 * DIALOGUES.reduce((n, d) => n + d.records.length, 0));
    expect(ours.sessions).toHaveLength(DIALOGUES.length * PRELUDES.length);
  });
});

// The SMTP analyzer on synthetic dialogues: BDAT (with LAST and bad sizes), AUTH without the secret,
// STARTTLS, pipelined DATA whose content comes in the same segment, bare-LF end of data, gaps, RSET,
// one-sided captures, and streams that are not SMTP (FTP's 220 greeting).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir } from '../../reassembly/stream-analyzer.js';
import { MAX_PENDING, SmtpAnalyzer, type SmtpMessage } from './smtp-analyzer.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function run(steps: ([Dir, string] | ['gap', Dir, number])[], opts: { maxMessage?: number; details?: string[] } = {}): { msgs: SmtpMessage[]; anomalies: string[]; a: SmtpAnalyzer } {
  const s = new Session();
  s.uid = 'Ctest';
  const msgs: SmtpMessage[] = [];
  const anomalies: string[] = [];
  const log = new AnomalyLog((e) => {
    anomalies.push(e.name);
    opts.details?.push(`${e.name}: ${e.detail}`);
  });
  const a = new SmtpAnalyzer({ session: s, anomalies: log, emit: (m) => msgs.push(m), ...(opts.maxMessage !== undefined ? { maxMessage: opts.maxMessage } : {}) });
  for (const st of steps) {
    if (st[0] === 'gap') a.gap(st[1], st[2]);
    else a.deliver(st[0], enc.encode(st[1]));
  }
  a.end(ORIG);
  a.end(RESP);
  return { msgs, anomalies, a };
}

const C = (t: string): [Dir, string] => [ORIG, t];
const S = (t: string): [Dir, string] => [RESP, t];
const body = (m: SmtpMessage): string => (m.data === null ? '' : dec.decode(m.data));

describe('SmtpAnalyzer', () => {
  it('reads BDAT chunks (LAST ends the message) without waiting for replies', () => {
    const { msgs } = run([
      S('220 mx ESMTP\r\n'), C('EHLO c\r\n'), S('250-mx\r\n250 CHUNKING\r\n'),
      C('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 10\r\nSubject: 1'), C('\r\nBDAT 9 LAST\r\n\r\nhello\r\n'),
      S('250 ok\r\n250 ok\r\n250 10 octets\r\n250 queued\r\n'), C('QUIT\r\n'), S('221 bye\r\n'),
    ]);
    expect(msgs.map((m) => [m.mailFrom, m.rcptTo, body(m), m.lastReply])).toEqual([['a@x', ['b@y'], 'Subject: 1\r\nhello\r\n', '250 queued']]);
  });

  it('refuses a BDAT without a size and stops', () => {
    const { msgs, anomalies, a } = run([S('220 mx\r\n'), C('EHLO c\r\nMAIL FROM:<a@x>\r\nBDAT lots\r\n')]);
    expect(anomalies).toContain('smtp_bad_bdat');
    expect(a.active).toBe(false);
    expect(msgs).toEqual([]);
  });

  it('records the AUTH mechanism and user, never the password', () => {
    const plain = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 AUTH PLAIN LOGIN\r\n'), C(`AUTH PLAIN ${btoa('\0alice\0s3cret')}\r\n`), S('235 ok\r\n'),
      C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<b@y>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C('x\r\n.\r\n'), S('250 ok\r\n')]);
    expect(plain.msgs.map((m) => [m.authMechanism, m.authUser])).toEqual([['PLAIN', 'alice']]);
    const login = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 AUTH LOGIN\r\n'), C('AUTH LOGIN\r\n'), S('334 VXNlcm5hbWU6\r\n'), C(`${btoa('bob')}\r\n`),
      S('334 UGFzc3dvcmQ6\r\n'), C(`${btoa('hunter2')}\r\n`), S('235 ok\r\n'), C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C('x\r\n.\r\n'), S('250 ok\r\n')]);
    expect(login.msgs.map((m) => [m.authMechanism, m.authUser, m.mailFrom])).toEqual([['LOGIN', 'bob', 'a@x']]);
    expect(JSON.stringify(login.msgs)).not.toContain('hunter2');
  });

  it('ends with a starttls record when the server agrees to STARTTLS', () => {
    const { msgs, a } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 STARTTLS\r\n'), C('STARTTLS\r\n'), S('220 go ahead\r\n'), C('\x16\x03\x01\x00\x05hello')]);
    expect(msgs.map((m) => [m.starttls, m.helo, m.data])).toEqual([[true, 'c', null]]);
    expect(a.active).toBe(false);
  });

  it('holds content sent with a pipelined DATA until the 354, and ends data on a bare-LF dot line', () => {
    const { msgs } = run([
      S('220 mx\r\n'), C('EHLO c\r\n'), S('250 PIPELINING\r\n'),
      C('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nSubject: s\n\n..dotted\nbody\n.\nQUIT\r\n'),
      S('250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n'),
    ]);
    expect(msgs.map((m) => [body(m), m.lastReply])).toEqual([['Subject: s\n\n.dotted\nbody\n', '250 queued']]);
  });

  it('a 354 that comes after the content it allowed (the server side seen late) starts nothing (fuzz: smtp/9970153d)', () => {
    const { msgs, anomalies, a } = run([
      C('EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n250 ok\r\n354'),
      C('Subject: s\r\n\r\nbody\r\n.\r\n'), S(' go\r\n250 queued\r\n'), C('QUIT\r\n'), S('221 bye\r\n'),
    ]);
    expect(msgs.map((m) => [m.mailFrom, body(m), m.lastReply])).toEqual([['a@x', 'Subject: s\r\n\r\nbody\r\n', '250 queued']]);
    expect(anomalies).toEqual([]);
    expect(a.active).toBe(false);
  });

  it('drops the content of a refused DATA and reads what follows as commands', () => {
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n250 ok\r\n554 no valid recipients\r\n'),
      C('RSET\r\nMAIL FROM:<c@x>\r\nRCPT TO:<d@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n'), C('second\r\n.\r\n'), S('250 queued\r\n')]);
    // the refused transaction is a record of its own: envelope, no content, the reply that refused it
    expect(msgs.map((m) => [m.mailFrom, m.data === null ? null : body(m), m.transDepth, m.lastReply])).toEqual([
      ['a@x', null, 1, '554 no valid recipients'], ['c@x', 'second\r\n', 2, '250 queued'],
    ]);
  });

  it('records a transaction refused at MAIL or at every RCPT, with its envelope and the refusing reply', () => {
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'),
      C('MAIL FROM:<spam@bad.example>\r\n'), S('550 5.7.1 sender refused\r\n'),
      C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<nobody@y>\r\n'), S('550 5.1.1 no such user\r\n'),
      C('RCPT TO:<blocked@y>\r\n'), S('554 5.7.1 refused\r\n'), C('QUIT\r\n'), S('221 bye\r\n')]);
    expect(msgs.map((m) => [m.mailFrom, m.rcptTo, m.data, m.transDepth, m.lastReply])).toEqual([
      ['spam@bad.example', [], null, 1, '550 5.7.1 sender refused'],
      ['a@x', ['nobody@y', 'blocked@y'], null, 2, '554 5.7.1 refused'],
    ]);
    // a session without a transaction (EHLO, QUIT) has no record
    expect(run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'), C('QUIT\r\n'), S('221 bye\r\n')]).msgs).toEqual([]);
  });

  it('records a pipelined transaction whose MAIL was refused once, however its DATA is answered', () => {
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250-mx\r\n250 PIPELINING\r\n'), C('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'),
      S('553 sender refused\r\n503 need MAIL\r\n503 need RCPT\r\n'), C('QUIT\r\n'), S('221 bye\r\n')]);
    expect(msgs.map((m) => [m.mailFrom, m.rcptTo, m.data, m.lastReply])).toEqual([['a@x', ['b@y'], null, '553 sender refused']]);
  });

  it('goes on reading SMTP in clear after STARTTLS and its 220 when no TLS follows (a decrypted export)', () => {
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250-mx\r\n250 STARTTLS\r\n'), C('STARTTLS\r\n'), S('220 go ahead\r\n'),
      C('EHLO c\r\n'), S('250 mx\r\n'), C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<b@y>\r\n'), S('250 ok\r\n'),
      C('DATA\r\n'), S('354 go\r\n'), C('Subject: in clear\r\n\r\nhi\r\n.\r\n'), S('250 queued\r\n'), C('QUIT\r\n'), S('221 bye\r\n')]);
    expect(msgs.map((m) => [m.mailFrom, body(m), m.starttls, m.lastReply])).toEqual([['a@x', 'Subject: in clear\r\n\r\nhi\r\n', true, '250 queued']]);
    // TLS after the 220 (a ClientHello's first byte): the starttls record, nothing more
    const tls = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 STARTTLS\r\n'), C('STARTTLS\r\n'), S('220 go ahead\r\n'), C('\x16\x03\x01\x02\x00\x01')]);
    expect(tls.msgs.map((m) => [m.starttls, m.data])).toEqual([[true, null]]);
    expect(tls.a.active).toBe(false);
  });

  it('keeps a command line of several KB (an overflow probe) as one command: the replies stay matched, the mail is read', () => {
    const details: string[] = [];
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'), C(`MAIL FROM:<${'A'.repeat(6000)}@x>\r\n`), S('501 5.1.7 bad address\r\n'),
      C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<b@y>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C('hi\r\n.\r\n'), S('250 queued\r\n')],
    { details });
    expect(details).toContain('smtp_line_too_long: client line over 4096 bytes, cut');
    expect(msgs.map((m) => [m.mailFrom?.length, m.data === null ? null : body(m), m.lastReply])).toEqual([[4096 - 'MAIL FROM:<'.length, null, '501 5.1.7 bad address'], [3, 'hi\r\n', '250 queued']]);
  });

  it('ends a message cut by a gap, counts the missing bytes, and finds the next transaction', () => {
    const { msgs, anomalies } = run([
      S('220 mx\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'), C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<b@y>\r\n'), S('250 ok\r\n'),
      C('DATA\r\n'), S('354 go\r\n'), C('first part\r\n'), ['gap', ORIG, 1000], C('rest of it\r\n.\r\n'), S('250 queued\r\n'),
      C('MAIL FROM:<e@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<f@y>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C('whole\r\n.\r\n'), S('250 queued\r\n'),
    ]);
    expect(anomalies).toContain('smtp_gap');
    expect(msgs.map((m) => [m.mailFrom, body(m), m.missingBytes])).toEqual([['a@x', 'first part\r\n', 1000], ['e@x', 'whole\r\n', 0]]);
  });

  it('reads a capture that has only the client side', () => {
    const { msgs } = run([C('ehlo c\r\nmail FROM:<a@x>\r\nrcpt TO:<b@y>\r\ndata\r\nSubject: one-sided\r\n\r\nhi\r\n.\r\nquit\r\n')]);
    expect(msgs.map((m) => [m.helo, body(m)])).toEqual([['c', 'Subject: one-sided\r\n\r\nhi\r\n']]);
  });

  it('is not SMTP when the client answers a 220 with something else (FTP), and says so', () => {
    const { msgs, a } = run([S('220 ftp ready\r\n'), C('USER anonymous\r\n')]);
    expect(a.active).toBe(false);
    expect(msgs).toEqual([]);
  });

  it('names over-long lines and keeps going', () => {
    const { msgs, anomalies } = run([S('220 mx\r\n'), C(`EHLO ${'x'.repeat(5000)}\r\nEHLO c\r\n`), S('250 ok\r\n250 ok\r\n'),
      C('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n354 go\r\n'), C('.\r\n'), S('250 ok\r\n')]);
    expect(anomalies).toContain('smtp_line_too_long');
    expect(msgs.map((m) => [m.helo, m.dataBytes])).toEqual([['c', 0]]);
  });
});

describe('SmtpAnalyzer limits', () => {
  it('drops the oldest of a flood of pipelined commands and still reads the mail behind them (one segment hides nothing)', () => {
    const noops = 'NOOP\r\n'.repeat(MAX_PENDING + 1);
    const details: string[] = [];
    const { msgs, anomalies, a } = run([
      S('220 mx ESMTP\r\n'),
      C(`EHLO c\r\n${noops}MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nSubject: invoice\r\n\r\nsee attached\r\n.\r\nQUIT\r\n`),
      S(`250-mx\r\n250 PIPELINING\r\n${'250 ok\r\n'.repeat(MAX_PENDING + 1)}250 sender ok\r\n250 rcpt ok\r\n354 go\r\n250 queued as ABC\r\n221 bye\r\n`),
    ], { details });
    // the replies to the dropped commands were skipped in order: the message got its own verdict
    expect(msgs.map((m) => [m.mailFrom, m.rcptTo, body(m), m.lastReply])).toEqual([['a@x', ['b@y'], 'Subject: invoice\r\n\r\nsee attached\r\n', '250 queued as ABC']]);
    expect(anomalies).toContain('smtp_pending_dropped');
    expect(anomalies).not.toContain('smtp_too_many_pending');
    expect(details.find((d) => d.startsWith('smtp_pending_dropped'))).toMatch(/^smtp_pending_dropped: EHLO: more than 1000 commands/);
    expect(a.active).toBe(false); // ended by both sides, not given up
  });

  it('keeps the start of a message longer than it keeps, and says how long it was', () => {
    const content = `Subject: big\r\n\r\n${'x'.repeat(78)}\r\n`.repeat(100);
    const details: string[] = [];
    const { msgs } = run([S('220 mx\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'), C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('RCPT TO:<b@y>\r\n'), S('250 ok\r\n'),
      C('DATA\r\n'), S('354 go\r\n'), C(`${content}.\r\n`), S('250 queued\r\n')], { maxMessage: 1000, details });
    expect(msgs.map((m) => [body(m), m.dataBytes, m.lastReply])).toEqual([[content.slice(0, 1000), content.length, '250 queued']]);
    expect(details).toEqual([`smtp_message_too_large: ${content.length} bytes: the first 1000 are kept and parsed`]);
  });

  it('refuses a message limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => run([], { maxMessage: bad })).toThrow(/option maxMessage must be an integer >= 1/);
  });

  it('keeps the first 1000 RCPT TO of a transaction and counts the rest', () => {
    const rcpts = Array.from({ length: 1500 }, (_x, i) => `RCPT TO:<u${i}@y>\r\n`).join('');
    const details: string[] = [];
    const { msgs } = run([S('220 mx\r\n'), C(`EHLO c\r\nMAIL FROM:<a@x>\r\n${rcpts}DATA\r\n`), S(`250 ok\r\n250 ok\r\n${'250 ok\r\n'.repeat(1500)}354 go\r\n`),
      C('hi\r\n.\r\n'), S('250 queued\r\n'), C('MAIL FROM:<c@x>\r\nRCPT TO:<d@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n354 go\r\n'), C('two\r\n.\r\n'), S('250 queued\r\n')], { details });
    expect(msgs.map((m) => [m.rcptTo.length, m.rcptTo[0], m.rcptTo[999]])).toEqual([[1000, 'u0@y', 'u999@y'], [1, 'd@y', undefined]]);
    expect(details.filter((d) => !d.startsWith('smtp_pending'))).toEqual(['smtp_too_many_recipients: rcpt_to: 1500 entries, first 1000 kept (at most 1000)']);
  });
});

describe('SmtpAnalyzer on noise', () => {
  it('never throws, whatever the bytes and their order', () => {
    const words = ['EHLO c\r\n', 'MAIL FROM:<a@x>\r\n', 'RCPT TO:<b@y>\r\n', 'DATA\r\n', 'BDAT 5\r\n', 'BDAT 3 LAST\r\n', '.\r\n', '..x\r\n', 'AUTH PLAIN\r\n',
      'STARTTLS\r\n', 'RSET\r\n', '220 ok\r\n', '250-x\r\n', '250 ok\r\n', '354 go\r\n', '334 \r\n', '550 no\r\n', '\r\n', '\n', 'x'.repeat(5000)];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.constantFrom(...words), fc.string()), fc.option(fc.integer({ min: 1, max: 5000 }))), { maxLength: 40 }), (steps) => {
        run(steps.map(([client, text, gap]) => (gap !== null && text.length % 7 === 0 ? ['gap', client ? ORIG : RESP, gap] : [client ? ORIG : RESP, text])));
      }),
      { numRuns: 300 },
    );
  });
});

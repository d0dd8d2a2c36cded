// Messages fetched over POP3 (RETR/TOP, dot-unstuffed) and IMAP (FETCH literals of BODY[], RFC822, BODY[]<0>) on
// synthetic dialogues: the bytes are the message as made (the wire form built here by stuffing it), partial fetches
// are marked, sections and errors give none, the limits cut with an anomaly, gaps are counted, and any split of the
// streams gives the same messages (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { SmtpMessage } from '../smtp/smtp-analyzer.js';
import { ImapAnalyzer } from './imap-analyzer.js';
import { Pop3Analyzer } from './pop3-analyzer.js';

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

/** A message whose lines begin with dots (one is a lone dot) and a body line longer than any command line. */
const MESSAGE = [
  'From: a@example.test', 'To: b@example.test', 'Subject: dots', '', 'first', '.starts with a dot', '..two dots', '.', 'x'.repeat(9000), 'last', '',
].join('\r\n');
/** RFC 1939 §3: a line that begins with "." gets one more, and "." alone ends the response. */
const stuffed = (m: string): string => m.split('\r\n').slice(0, -1).map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n') + '\r\n.\r\n';

/** TOP 1 2's reply: the headers, the blank line and two body lines (RFC 1939 §7) */
const TOP = MESSAGE.split('\r\n').slice(0, 6).join('\r\n') + '\r\n';

type Step = [Dir, string] | ['gap', Dir, number];
const C = (t: string): Step => [ORIG, t];
const S = (t: string): Step => [RESP, t];

interface Run { msgs: SmtpMessage[]; rows: Record<string, unknown>[]; anomalies: string[] }

function run(make: (o: { session: Session; anomalies: AnomalyLog; emit: (r: never) => void; message?: (m: SmtpMessage) => void; maxMessage?: number }) => StreamAnalyzer,
  steps: Step[], o: { messages?: boolean; maxMessage?: number; chunks?: number[] } = {}): Run {
  const s = new Session();
  s.uid = 'Ctest';
  s.bPort = 0;
  const r: Run = { msgs: [], rows: [], anomalies: [] };
  const a = make({
    session: s, anomalies: new AnomalyLog((e) => r.anomalies.push(e.name)), emit: ((row: Record<string, unknown>) => r.rows.push(row)) as (r: never) => void,
    ...(o.messages === false ? {} : { message: (m: SmtpMessage) => r.msgs.push(m) }), ...(o.maxMessage !== undefined ? { maxMessage: o.maxMessage } : {}),
  });
  let k = 0;
  // stream offsets per side (the analyzers do not read them)
  const off = [0, 0];
  for (const st of steps) {
    if (st[0] === 'gap') {
      a.gap(st[1], st[2], off[st[1]]!);
      off[st[1]] = off[st[1]]! + st[2];
      continue;
    }
    const b = enc.encode(st[1]);
    // the step's bytes in pieces (sizes from the property's list, cycled), or whole
    let p = 0;
    while (p < b.length) {
      const n = o.chunks === undefined || o.chunks.length === 0 ? b.length : o.chunks[k++ % o.chunks.length]!;
      const piece = b.subarray(p, p + n);
      a.deliver(st[0], piece, off[st[0]]!);
      off[st[0]] = off[st[0]]! + piece.length;
      p += n;
    }
  }
  a.end(ORIG);
  a.end(RESP);
  return r;
}

const pop3 = (steps: Step[], o: Parameters<typeof run>[2] = {}): Run => run((x) => new Pop3Analyzer(x as never), steps, o);
const imap = (steps: Step[], o: Parameters<typeof run>[2] = {}): Run => run((x) => new ImapAnalyzer(x as never), steps, o);
const text = (m: SmtpMessage): string => dec.decode(m.data!);
const summary = (r: Run): unknown[] => r.msgs.map((m) => [m.fetched, m.transDepth, text(m), m.dataBytes, m.missingBytes, m.authUser]);

const POP3: Step[] = [
  S('+OK ready\r\n'), C('USER carol\r\n'), S('+OK\r\n'), C('PASS secret\r\n'), S('+OK logged in\r\n'),
  C('RETR 1\r\n'), S(`+OK ${MESSAGE.length} octets\r\n${stuffed(MESSAGE)}`),
  C('TOP 1 2\r\n'), S(`+OK\r\n${stuffed(TOP)}`),
  C('RETR 9\r\n'), S('-ERR no such message\r\n'),
  C('LIST\r\n'), S('+OK\r\n1 120\r\n.\r\n'), C('QUIT\r\n'), S('+OK bye\r\n'),
];

const literal = (s: string): string => `{${enc.encode(s).length}}\r\n${s}`;
const IMAP: Step[] = [
  S('* OK ready\r\n'), C('a1 LOGIN carol secret\r\n'), S('a1 OK done\r\n'), C('a2 SELECT INBOX\r\n'), S('* 1 EXISTS\r\na2 OK selected\r\n'),
  C('a3 FETCH 1 (BODY.PEEK[])\r\n'), S(`* 1 FETCH (BODY[] ${literal(MESSAGE)})\r\na3 OK done\r\n`),
  C('a4 UID FETCH 7 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822)\r\n'),
  S(`* 1 FETCH (UID 7 RFC822.SIZE ${MESSAGE.length} BODY[HEADER.FIELDS (SUBJECT)] ${literal('Subject: dots\r\n\r\n')} RFC822 ${literal(MESSAGE)})\r\na4 OK done\r\n`),
  C('a5 FETCH 1 (BODY.PEEK[TEXT] BODY.PEEK[1])\r\n'), S(`* 1 FETCH (BODY[TEXT] ${literal('first\r\n')} BODY[1] ${literal('first\r\n')})\r\na5 OK done\r\n`),
  C('a6 FETCH 1 (BODY.PEEK[]<0.40>)\r\n'), S(`* 1 FETCH (BODY[]<0> ${literal(MESSAGE.slice(0, 40))})\r\na6 OK done\r\n`),
  C('a7 FETCH 1 (BODY.PEEK[]<40.40>)\r\n'), S(`* 1 FETCH (BODY[]<40> ${literal(MESSAGE.slice(40, 80))})\r\na7 OK done\r\n`),
  C('a8 LOGOUT\r\n'), S('* BYE\r\na8 OK bye\r\n'),
];

describe('POP3 messages', () => {
  it('RETR gives the message as made (dot-unstuffed, line endings kept); TOP gives a partial one; -ERR none', () => {
    const r = pop3(POP3);
    expect(summary(r)).toEqual([
      [{ via: 'pop3', command: 'RETR 1', partial: false }, 1, MESSAGE, MESSAGE.length, 0, 'carol'],
      [{ via: 'pop3', command: 'TOP 1 2', partial: true }, 2, TOP, TOP.length, 0, 'carol'],
    ]);
    expect(r.msgs[0]!.lastReply).toBe(`+OK ${MESSAGE.length} octets`);
    // the rows are as without messages: the body's lines counted (the long one too), the "." line not
    const plain = pop3(POP3, { messages: false });
    expect(plain.msgs).toEqual([]);
    expect(r.rows).toEqual(plain.rows);
    expect(r.rows.filter((x) => x.command === 'RETR').map((x) => [x.status, x.reply_lines])).toEqual([['OK', MESSAGE.split('\r\n').length - 1], ['ERR', 0]]);
    expect(r.anomalies).toEqual(plain.anomalies.filter((a) => a !== 'pop3_line_too_long'));
  });

  it('a message over the limit keeps its start, counts all, and says so', () => {
    const r = pop3(POP3.slice(0, 7), { maxMessage: 100 });
    expect(r.msgs.map((m) => [m.data!.length, m.dataBytes])).toEqual([[100, MESSAGE.length]]);
    expect(text(r.msgs[0]!)).toBe(MESSAGE.slice(0, 100));
    expect(r.anomalies).toContain('pop3_message_truncated');
  });

  it('a gap inside a message is counted and the message still ends at its "." line', () => {
    const wire = stuffed(MESSAGE);
    const r = pop3([...POP3.slice(0, 6), S(`+OK\r\n${wire.slice(0, 30)}`), ['gap', RESP, 20], S(wire.slice(50)), C('QUIT\r\n'), S('+OK bye\r\n')]);
    expect(r.msgs.map((m) => [m.missingBytes, m.dataBytes])).toEqual([[20, MESSAGE.length - 20]]);
    expect(r.rows.map((x) => x.command)).toEqual(['<init>', 'USER', 'PASS', 'RETR', 'QUIT']);
  });

  it('a session that ends inside a message gives what came', () => {
    const r = pop3([...POP3.slice(0, 6), S(`+OK\r\n${stuffed(MESSAGE).slice(0, 60)}`)]);
    // the first 60 bytes hold no stuffed line: they are the message's first 60
    expect(r.msgs.map((m) => text(m))).toEqual([MESSAGE.slice(0, 60)]);
  });
});

describe('IMAP messages', () => {
  it('BODY[] and RFC822 literals are whole messages, BODY[]<0> a partial one; sections and later origins none', () => {
    const r = imap(IMAP);
    expect(summary(r)).toEqual([
      [{ via: 'imap', command: 'a3 FETCH 1 (BODY.PEEK[])', partial: false }, 1, MESSAGE, MESSAGE.length, 0, 'carol'],
      [{ via: 'imap', command: 'a4 UID FETCH 7 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822)', partial: false }, 2, MESSAGE, MESSAGE.length, 0, 'carol'],
      [{ via: 'imap', command: 'a6 FETCH 1 (BODY.PEEK[]<0.40>)', partial: true }, 3, MESSAGE.slice(0, 40), 40, 0, 'carol'],
    ]);
    const plain = imap(IMAP, { messages: false });
    expect(r.rows).toEqual(plain.rows);
    expect(r.anomalies).toEqual([]);
  });

  it('a message over the limit keeps its start and says so; a gap inside a literal keeps the framing', () => {
    const cut = imap(IMAP.slice(0, 8), { maxMessage: 10 });
    expect(cut.msgs.map((m) => [text(m), m.dataBytes])).toEqual([[MESSAGE.slice(0, 10), MESSAGE.length]]);
    expect(cut.anomalies).toEqual(['imap_message_truncated']);
    const resp = `* 1 FETCH (BODY[] ${literal(MESSAGE)})\r\na3 OK done\r\n`;
    const gapped = imap([...IMAP.slice(0, 6), S(resp.slice(0, 100)), ['gap', RESP, 500], S(resp.slice(600)), C('a9 NOOP\r\n'), S('a9 OK\r\n')]);
    expect(gapped.msgs.map((m) => [m.missingBytes, m.dataBytes])).toEqual([[500, MESSAGE.length - 500]]);
    expect(gapped.rows.map((x) => [x.command, x.status])).toEqual([['<init>', 'OK'], ['LOGIN', 'OK'], ['SELECT', 'OK'], ['FETCH', 'OK'], ['NOOP', 'OK']]);
    expect(gapped.anomalies).toEqual(['imap_gap']);
  });
});

describe('fetched messages: any segmentation gives the same messages', () => {
  const whole = { pop3: summary(pop3(POP3)), imap: summary(imap(IMAP)) };
  it('POP3 and IMAP', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (chunks) => {
      expect(summary(pop3(POP3, { chunks }))).toEqual(whole.pop3);
      expect(summary(imap(IMAP, { chunks }))).toEqual(whole.imap);
    }), { numRuns: 150 });
  });
});

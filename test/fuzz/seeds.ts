// Real inputs the fuzz targets mutate: the committed gen captures (whole, as packets, and as the TCP
// conversations the reassembler delivers), plus synthetic SMTP and HTTP dialogues built with the test
// helpers. Everything is read or made once per process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { CaptureReader } from '../../src/capture/capture-reader.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { Dir, StreamAnalyzer } from '../../src/reassembly/stream-analyzer.js';
import { conversationsPcap, tcpConversation, type Turn } from '../helpers/conversation.js';
import { GEN } from '../helpers/run.js';
import { concat, textBytes } from './target.js';

export const GEN_FILES = ['http-put.pcap', 'mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng'] as const;

const fileCache = new Map<string, Uint8Array>();

export function fixture(name: string): Uint8Array {
  let b = fileCache.get(name);
  if (b === undefined) fileCache.set(name, (b = new Uint8Array(readFileSync(join(GEN, name)))));
  return b;
}

/** One step of a TCP conversation as an analyzer sees it: bytes from one side, or a capture gap. */
export type Step = { dir: Dir; data: Uint8Array } | { dir: Dir; gap: number };
export type Conversation = Step[];

/** A captured packet: its frame and link type. */
export interface Frame {
  linktype: number;
  data: Uint8Array;
}

/** The packets of a capture, each a copy. */
export function frames(bytes: Uint8Array): Frame[] {
  const out: Frame[] = [];
  const r = new CaptureReader({ packet: (rec) => void out.push({ linktype: rec.linktype, data: rec.buf.slice(rec.off, rec.off + rec.caplen) }) }, { file: 'seed' });
  r.push(bytes);
  r.end();
  return out;
}

/**
 * The TCP conversations of a capture as the engine delivers them (per session, in delivery order, with
 * consecutive deliveries of one side merged), optionally only those whose server port is in `ports`.
 */
export async function conversations(bytes: Uint8Array, keep: (port: number) => boolean = () => true): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const engine = new Engine({}, {
    streams: (s) => {
      if (!keep(s.bPort)) return null;
      const steps: Conversation = [];
      out.push(steps);
      const add = (st: Step): void => {
        const last = steps[steps.length - 1];
        if (last !== undefined && 'data' in last && 'data' in st && last.dir === st.dir) last.data = concat(last.data, st.data);
        else steps.push(st);
      };
      const a: StreamAnalyzer = {
        deliver: (dir, data) => add({ dir, data: data.slice() }),
        gap: (dir, len) => add({ dir, gap: len }),
        end: () => undefined,
      };
      return a;
    },
  });
  async function* one(): AsyncGenerator<Uint8Array> {
    yield bytes;
  }
  await engine.inputFrom('seed', one());
  engine.flows.flush();
  return out.filter((c) => c.length > 0);
}

const C = (data: string | Uint8Array): Step => ({ dir: 0, data: typeof data === 'string' ? textBytes(data) : data });
const S = (data: string | Uint8Array): Step => ({ dir: 1, data: typeof data === 'string' ? textBytes(data) : data });

/** A MIME message with the shapes mail parsers trip on: nesting, encodings, encoded words, uuencode. */
function mimeMessage(): string {
  const b64 = Buffer.from('MZ\x90\x00fake executable body'.repeat(8)).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    'From: =?UTF-8?B?QWxpY2Ugw4Q=?= <alice@example.org>', 'To: bob@example.net, "Carol, C." <carol@example.net>',
    'Cc: <dave@example.com>', 'Subject: =?ISO-8859-1?Q?R=E9sum=E9?= and =?UTF-8?B?8J+Ygg==?=', 'Date: Mon, 12 Jan 2026 10:00:00 +0000',
    'Message-ID: <m1@example.org>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="outer"', '',
    '--outer', 'Content-Type: multipart/alternative; boundary=inner', '',
    '--inner', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9 =', 'soft break', '',
    '--inner', 'Content-Type: text/html', '', '<p>hi</p>', '--inner--', '',
    '--outer', 'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename*=UTF-8\'\'inv%C3%B6ice.pdf',
    'Content-Transfer-Encoding: base64', '', b64, '',
    '--outer', 'Content-Type: text/plain', '', 'begin 644 note.txt', '#:&D*', '`', 'end', '--outer--', '',
  ].join('\r\n');
}

/** SMTP dialogues: plain, pipelined, BDAT, AUTH, STARTTLS, a refused DATA, bare LF. */
export function smtpDialogues(): Conversation[] {
  const msg = mimeMessage();
  return [
    [S('220 mx ESMTP\r\n'), C('EHLO c.example\r\n'), S('250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n'), C('MAIL FROM:<alice@example.org>\r\n'), S('250 ok\r\n'),
      C('RCPT TO:<bob@example.net>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C(`${msg}\r\n.\r\n`), S('250 queued as 4ABC\r\n'), C('QUIT\r\n'), S('221 bye\r\n')],
    [S('220 mx\r\n'), C('EHLO c\r\n'), S('250 PIPELINING\r\n'), C(`MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nDATA\r\nSubject: s\n\n..dotted\nbody\n.\nQUIT\r\n`),
      S('250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n')],
    [S('220 mx\r\n'), C('EHLO c\r\n'), S('250 CHUNKING\r\n'), C('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 10\r\nSubject: 1'), C('\r\nBDAT 9 LAST\r\n\r\nhello\r\n'),
      S('250 ok\r\n250 ok\r\n250 10 octets\r\n250 queued\r\n')],
    [S('220 mx\r\n'), C('EHLO c\r\n'), S('250 AUTH PLAIN LOGIN\r\n'), C('AUTH LOGIN\r\n'), S('334 VXNlcm5hbWU6\r\n'), C('Ym9i\r\n'), S('334 UGFzc3dvcmQ6\r\n'),
      C('aHVudGVyMg==\r\n'), S('235 ok\r\n'), C('MAIL FROM:<a@x>\r\n'), S('250 ok\r\n'), C('DATA\r\n'), S('354 go\r\n'), C('x\r\n'), { dir: 0, gap: 100 }, C('y\r\n.\r\n'), S('250 ok\r\n')],
    [S('220 mx\r\n'), C('EHLO c\r\n'), S('250 STARTTLS\r\n'), C('STARTTLS\r\n'), S('220 go ahead\r\n'), C('\x16\x03\x01\x00\x05hello')],
    [S('220 mx\r\n'), C('HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'), S('250 ok\r\n250 ok\r\n250 ok\r\n554 no\r\n'), C('RSET\r\n'), S('250 ok\r\n')],
  ];
}

/** HTTP exchanges: chunked, gzip/deflate/br, keep-alive, pipelined, 100-continue, HEAD, 0.9, close-delimited. */
export function httpDialogues(): Conversation[] {
  const page = '<html><body>'.padEnd(2000, 'x') + '</body></html>';
  const gz = gzipSync(page);
  const df = deflateSync(page);
  const br = brotliCompressSync(page);
  const chunked = (b: Uint8Array): Uint8Array => concat(textBytes(`${b.length.toString(16)}\r\n`), b, textBytes('\r\n0\r\nX-Trailer: t\r\n\r\n'));
  const resp = (headers: string, body: Uint8Array | string): Step => S(concat(textBytes(`HTTP/1.1 200 OK\r\n${headers}\r\n`), typeof body === 'string' ? textBytes(body) : body));
  return [
    [C('GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: fuzz/1\r\nAccept-Encoding: gzip\r\n\r\n'),
      resp(`Content-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n`, gz)],
    [C('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'),
      resp(`Transfer-Encoding: chunked\r\nContent-Encoding: deflate\r\n`, chunked(df)), resp(`Content-Encoding: br\r\nContent-Length: ${br.length}\r\n`, br)],
    [C('PUT /upload/x.bin HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 16\r\n\r\n'), S('HTTP/1.1 100 Continue\r\n\r\n'),
      C('MZ\x90\x00binarybody!!'), S('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n')],
    [C('HEAD / HTTP/1.1\r\nHost: h\r\n\r\n'), S('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n'), C('POST /f HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2'),
      S('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited body')],
    [C('GET /old\r\n'), S('<html>0.9</html>')],
    [C('GET / HTTP/1.1\r\nHost: h\r\n\r\n'), S('HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\nContent-Length: 5\r\n\r\nabcde')],
  ];
}

/** Synthetic SMTP and HTTP dialogues (and their conversations' bytes) as one pcap each, for capture targets. */
export function syntheticCaptures(): Uint8Array[] {
  const toTurns = (c: Conversation): Turn[] => c.flatMap((s) => ('data' in s ? [{ from: s.dir === 0 ? 'client' as const : 'server' as const, data: s.data }] : []));
  const smtp = smtpDialogues().map((c, i) => tcpConversation({ dport: 25, sport: 41000 + i, start: Date.UTC(2026, 0, 12, 10, i) * 1000, mss: 536 }, toTurns(c)));
  const http = httpDialogues().map((c, i) => tcpConversation({ dport: 80, sport: 42000 + i, start: Date.UTC(2026, 0, 12, 11, i) * 1000 }, toTurns(c)));
  return [conversationsPcap(...smtp), conversationsPcap(...http)];
}

/** Conversation edits: a step's bytes mutated elsewhere; here steps dropped, repeated, turned around, or gapped. */
export type StepEdit = { t: 'drop'; at: number } | { t: 'repeat'; at: number } | { t: 'turn'; at: number } | { t: 'gap'; at: number; len: number };

export function editSteps(c: Conversation, edits: readonly StepEdit[]): Conversation {
  const out = c.slice();
  for (const e of edits) {
    if (out.length === 0) break;
    const i = e.at % out.length;
    const s = out[i]!;
    switch (e.t) {
      case 'drop':
        out.splice(i, 1);
        break;
      case 'repeat':
        out.splice(i, 0, s);
        break;
      case 'turn':
        out[i] = { ...s, dir: s.dir === 0 ? 1 : 0 } as Step;
        break;
      case 'gap':
        out.splice(i, 0, { dir: s.dir, gap: e.len });
        break;
      default: {
        const never: never = e;
        throw new Error(`unknown step edit ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}

/**
 * A conversation in one byte string (the corpus .bin): per step a tag byte (0/1: data from client/server,
 * 2/3: a gap on that side), a 32-bit big-endian length, then the data (none for a gap).
 */
export function packConversation(c: Conversation): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const s of c) {
    const h = new Uint8Array(5);
    const gap = 'gap' in s;
    h[0] = (gap ? 2 : 0) + s.dir;
    new DataView(h.buffer).setUint32(1, gap ? s.gap : s.data.length);
    parts.push(h);
    if (!gap) parts.push(s.data);
  }
  return concat(...parts);
}

export function unpackConversation(b: Uint8Array): Conversation {
  const out: Conversation = [];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  while (p + 5 <= b.length) {
    const tag = b[p]!;
    const len = v.getUint32(p + 1);
    p += 5;
    const dir = (tag & 1) as Dir;
    if (tag >= 2) out.push({ dir, gap: len });
    else {
      out.push({ dir, data: b.slice(p, p + len) });
      p += len;
    }
  }
  return out;
}

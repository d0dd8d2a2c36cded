// Messages fetched over POP3 and IMAP take SMTP's message path. On the captures made here with dovecot
// (mailbox-gen: RETR, TOP, FETCH BODY.PEEK[], RFC822, BODY.PEEK[]<0.300>, BODY.PEEK[TEXT]; mailftp-gen; the inspection
// corpus's POP3 capture) the messages, their parts' hashes and the planted card are the construction's; the headers
// are tshark's (imf) where tshark decodes them; on the corpus's POP3/IMAP traces the Message-IDs are tshark's.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES_LOG } from '../src/formats/zeek/logs/files.js';
import { builtinDetectors } from '../src/inspect/builtin.js';
import { analyze, type AnalyzeRecord } from '../src/pipeline/api.js';
import { ingest } from '../src/pipeline/ingest.js';
import type { FileRecord } from '../src/schema/files.js';
import type { FindingRecord } from '../src/schema/findings.js';
import type { SmtpRecord } from '../src/schema/smtp.js';
import { findMail, type MailResult } from '../src/store/mail.js';
import { openStore } from '../src/store/open.js';
import type { WritePacket } from '../src/capture/pcap-writer.js';
import { cli, scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation } from './helpers/conversation.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/mailbox');
const GEN = join(DIR, 'mailbox-gen.pcap');
const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
interface Made {
  user: string; message_id: string; subject: string; from: string; to: string[];
  message: { size: number; sha256: string };
  parts: { part_path: string; filename: string | null; content_type: string; size: number; sha256: string }[];
  fetches: { via: string; command: string; partial: boolean; size: number; sha256: string }[];
  not_messages: { via: string; command: string }[];
  planted: { detector: string; value: string; in: string };
}
const made = readJson<Made>(join(DIR, 'mailbox-gen.construction.json'));

interface Out { smtp: SmtpRecord[]; files: FileRecord[]; findings: FindingRecord[]; anomalies: string[]; pop3: number; imap: number }
async function run(file: string, inspect = false): Promise<Out> {
  const o: Out = { smtp: [], files: [], findings: [], anomalies: [], pop3: 0, imap: 0 };
  const opts = inspect ? { inspect: { key: KEY, detectors: builtinDetectors(), remoteAccess: null } } : {};
  for await (const r of analyze(file, opts) as AsyncGenerator<AnalyzeRecord>) {
    if (r.type === 'smtp') o.smtp.push(r.record);
    else if (r.type === 'file') o.files.push(r.record);
    else if (r.type === 'finding') o.findings.push(r.record);
    else if (r.type === 'anomaly') o.anomalies.push(r.record.name);
    else if (r.type === 'pop3') o.pop3++;
    else if (r.type === 'imap') o.imap++;
  }
  return o;
}
/** `haystack mail`'s answer for a key, from a store read once. */
async function findMailIn(db: string, key: string): Promise<MailResult> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await findMail(store, key);
  } finally {
    await store.close();
  }
}
const fetched = (o: Out): SmtpRecord[] => o.smtp.filter((m) => m.fetched_via != null);
/** The fetching command without IMAP's tag (the client picks tags). */
const untagged = (m: SmtpRecord): string => (m.fetched_via === 'imap' ? m.fetch_command!.replace(/^\S+ /, '') : m.fetch_command!);

describe('mailbox-gen.pcap (dovecot; poplib and imaplib)', () => {
  const out = run(GEN, true);

  it('each whole or partial fetch is one message record, in order, with the size the client received; sections none', async () => {
    const ms = fetched(await out);
    expect(ms.map((m) => [m.fetched_via, untagged(m), m.data_bytes, m.missing_bytes])).toEqual(made.fetches.map((f) => [f.via, f.command, f.size, 0]));
    expect(ms.some((m) => made.not_messages.some((n) => untagged(m) === n.command))).toBe(false);
    // headers as made (and as tshark's imf reads the IMAP ones, below), the mailbox user, no envelope
    for (const m of ms) {
      expect([m.subject, m.message_id, m.from, m.to, m.auth_user, m.mail_from, m.rcpt_to]).toEqual([made.subject, made.message_id, made.from, made.to, made.user, null, []]);
    }
    // numbered per session, as SMTP's transactions are
    expect(ms.map((m) => m.trans_depth)).toEqual([1, 2, 1, 2, 3]);
  });

  it('the whole fetches give the attachments with the hashes they were made with, source pop3/imap; partial ones none', async () => {
    const o = await out;
    const attached = made.parts.filter((p) => p.filename !== null);
    for (const m of fetched(o)) {
      const fs = o.files.filter((f) => m.fuids.includes(f.fuid));
      const partial = made.fetches.find((f) => f.via === m.fetched_via && f.command === untagged(m))!.partial;
      expect(fs.map((f) => [f.source, f.part_path, f.filename, f.declared_type, f.size, f.sha256])).toEqual(partial ? [] : attached.map((p) => [m.fetched_via, p.part_path, p.filename, p.content_type, p.size, p.sha256]));
      if (partial) expect(m.skeleton).toMatch(/^Partial: /m);
      expect(fs.every((f) => f.uid === m.uid && f.message_id === made.message_id)).toBe(true);
    }
    expect(o.files.filter((f) => f.filename === 'report.zip').map((f) => f.mime_type)).toEqual(['application/zip', 'application/zip', 'application/zip']);
    // a partial message lacks its end by design: no MIME anomaly for that
    expect(o.anomalies.filter((a) => a.startsWith('mime_'))).toEqual([]);
  });

  it('the card planted in report.zip is found in each fetched copy, through its MIME decode path', async () => {
    const o = await out;
    const h = createHmac('sha256', KEY).update(made.planted.value, 'utf8').digest('hex');
    const rows = o.findings.filter((f) => f.detector === made.planted.detector && f.value_hmac === h);
    const paths = rows.map((f) => [f.app_proto, f.side, f.decode_path, f.part_path, f.message_id]).sort();
    expect(paths).toEqual([
      ['imap', 'server', 'imap › 3 › base64 › zip:report.zip › cards.csv', '3', made.message_id],
      ['imap', 'server', 'imap › 3 › base64 › zip:report.zip › cards.csv', '3', made.message_id],
      ['pop3', 'server', 'pop3 › 3 › base64 › zip:report.zip › cards.csv', '3', made.message_id],
    ]);
    // each joins its file record
    for (const f of rows) expect(o.files.some((x) => x.fuid === f.fuid && x.filename === 'report.zip')).toBe(true);
  });

  it('the IMAP messages carry the headers tshark reads (imf)', async () => {
    const tsv = readFileSync(join(DIR, 'mailbox-gen.tshark.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    const imf = tsv.filter((c) => c[4] !== '' && c[4] !== undefined).map((c) => [c[3], c[4], c[5], c[6]]);
    const ours = fetched(await out).filter((m) => m.fetched_via === 'imap').map((m) => [m.subject, m.message_id, m.from, m.to.join(',')]);
    expect(ours).toEqual(imf);
  });

  it('ingest: fetched messages land in smtp (fetched_via, fetch_command) and files of the store; the password nowhere', async () => {
    const dir = scratchDir('mailbox');
    const db = join(dir, 'm.duckdb');
    const store = await openStore(db);
    try {
      await ingest(store, [GEN], { filesDir: join(dir, 'files') });
      const r = await store.select("SELECT fetched_via, count(*) AS n, sum(data_bytes) AS b FROM smtp GROUP BY fetched_via ORDER BY fetched_via");
      expect(r.rows.map((x) => [x.fetched_via, Number(x.n), Number(x.b)])).toEqual([
        ['imap', 3, made.fetches.filter((f) => f.via === 'imap').reduce((a, f) => a + f.size, 0)],
        ['pop3', 2, made.fetches.filter((f) => f.via === 'pop3').reduce((a, f) => a + f.size, 0)],
      ]);
      const f = await store.select("SELECT source, sha256, stored_path FROM files WHERE filename = 'report.zip' ORDER BY source");
      expect(f.rows.map((x) => [x.source, x.sha256])).toEqual([['imap', made.parts[2]!.sha256], ['imap', made.parts[2]!.sha256], ['pop3', made.parts[2]!.sha256]]);
      expect(existsSync(join(dir, 'files', String(f.rows[0]!.stored_path)))).toBe(true);
      // a fetched message joins the command that fetched it: POP3 by time, IMAP by tag
      const j = await store.select(`SELECT count(*) AS n FROM smtp m JOIN imap i ON i.uid = m.uid AND i.tag = split_part(m.fetch_command, ' ', 1) WHERE i.command IN ('FETCH', 'UID FETCH')`);
      expect(Number(j.rows[0]!.n)).toBe(3);
      const p = await store.select(`SELECT count(*) AS n FROM smtp m JOIN pop3 p ON p.uid = m.uid AND p.ts = m.ts AND p.command || ' ' || p.arg = m.fetch_command`);
      expect(Number(p.rows[0]!.n)).toBe(2);
    } finally {
      await store.close();
    }
    // haystack mail: the message is known only as fetched (no SMTP leg, no log line): its five copies, as made
    const mail = await findMailIn(db, made.message_id);
    expect(mail.messages.length).toBe(1);
    expect(mail.messages[0]!.wire).toEqual([]);
    expect(mail.messages[0]!.fetches.map((f) => [f.via, f.via === 'imap' ? f.command!.replace(/^\S+ /, '') : f.command, f.partial, f.data_bytes, f.user]))
      .toEqual(made.fetches.map((f) => [f.via, f.command, f.partial, f.size, made.user]));
    const printed = await cli('mail', made.message_id, '--db', db);
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toContain('on the wire: not in the captures ingested');
    expect(printed.out).toContain(`fetched from a mailbox: ${made.fetches.length} copies`);
    expect(printed.out).toContain(`fetched by ${made.user} via pop3 (RETR 1)`);
    // the POP3 PASS and IMAP LOGIN password (make-mailbox-gen.sh) is in no file the store wrote
    const pw = /^PASS='([^']+)'$/m.exec(readFileSync(join(DIR, 'make-mailbox-gen.sh'), 'utf8'))![1]!;
    expect(readFileSync(db, 'latin1').includes(pw)).toBe(false);
  });
});

describe('haystack export of mailbox-gen.pcap with an SMTP capture: a fetched message is no SMTP transaction', () => {
  const dir = scratchDir('mailbox-export');
  const db = join(dir, 'x.duckdb');
  const ready = (async () => {
    const r = await cli('ingest', GEN, join(ROOT, 'test/fixtures/mail-http/mail.pcap'), '--db', db);
    expect(r.code, r.err).toBe(0);
    const store = await openStore(db, { readOnly: true });
    try {
      const q = async (sql: string): Promise<Record<string, unknown>[]> => (await store.select(sql)).rows;
      return {
        sent: (await q('SELECT uid, message_id FROM smtp WHERE fetched_via IS NULL')).map((x) => String(x.uid)),
        fetchedUids: new Set((await q('SELECT uid FROM smtp WHERE fetched_via IS NOT NULL')).map((x) => String(x.uid))),
        files: Number((await q('SELECT count(*) AS n FROM files'))[0]!.n),
      };
    } finally {
      await store.close();
    }
  })();
  const column = (name: string): number => FILES_LOG.columns.findIndex((c) => c.name === name);
  const exported = async (table: string, format: string): Promise<string[]> => {
    const out = join(dir, `${table}.${format}`);
    const r = await cli('export', table, '--db', db, '--format', format, '-o', out);
    expect(r.code, r.err).toBe(0);
    return readFileSync(out, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  };

  it('the store has both: the SMTP capture\'s transactions and the five fetched messages', async () => {
    const s = await ready;
    expect(s.sent.length).toBeGreaterThan(0);
    expect(s.fetchedUids.size).toBeGreaterThan(0);
  });

  for (const format of ['zeek', 'zeek-json', 'eve', 'ecs']) {
    it(`export smtp --format ${format}: the SMTP transactions only, no fetched message`, async () => {
      const s = await ready;
      const lines = await exported('smtp', format);
      expect(lines.length).toBe(s.sent.length);
      // mailbox-gen's Message-ID, subject and POP3/IMAP sessions are in no line
      for (const l of lines) {
        expect(l.includes(made.message_id.slice(1, -1))).toBe(false);
        expect(l.includes(made.subject)).toBe(false);
        for (const u of s.fetchedUids) expect(l.includes(u)).toBe(false);
      }
    });

    it(`export files --format ${format}: the fetched attachments are there, from POP3/IMAP`, async () => {
      const s = await ready;
      const lines = await exported('files', format);
      expect(lines.length).toBe(s.files);
      const zips = lines.filter((l) => l.includes(made.parts[2]!.sha256));
      // each whole fetch (RETR, FETCH BODY.PEEK[], FETCH RFC822) gave report.zip; the partial ones nothing
      expect(zips.length).toBe(made.fetches.filter((f) => !f.partial).length);
      const via = zips.map((l) => {
        if (format === 'zeek') return l.split('\t')[column('source')];
        const o = JSON.parse(l) as { source?: string; app_proto?: string; network?: { protocol?: string } };
        return format === 'zeek-json' ? o.source : format === 'eve' ? o.app_proto : o.network?.protocol;
      }).sort();
      // Zeek's files.log names the analyzer (POP3; Zeek has no IMAP file analysis, ours is named alike)
      expect(via).toEqual(format.startsWith('zeek') ? ['IMAP', 'IMAP', 'POP3'] : ['imap', 'imap', 'pop3']);
      // the server sent them: Zeek's is_orig is F
      if (format === 'zeek') for (const l of zips) expect(l.split('\t')[column('is_orig')]).toBe('F');
      if (format === 'zeek-json') for (const l of zips) expect((JSON.parse(l) as { is_orig: boolean }).is_orig).toBe(false);
    });
  }
});

/**
 * Synthetic POP3 and IMAP sessions (tcpConversation) with a card planted in each place a value can be: a fetched
 * message's text part (RETR, FETCH BODY[]), a partial fetch (TOP), a section (BODY[TEXT]: not a message), a client
 * command (SEARCH) and a client upload (APPEND). A value is reported once: a fetched message's bytes go through MIME
 * only (`pop3 › 1`), what is no message stays with the raw stream (`imap › server`, `imap › client`). Any cut of
 * the stream (MSS) gives the same findings.
 */
describe('a value in a fetched message is reported once; commands, sections and uploads still raw', () => {
  // Luhn-valid numbers of the card networks' published test ranges, one per place
  const CARD = {
    retr: '4012888888881881', top: '5555555555554444', body: '5105105105105100', section: '6011111111111117', search: '4111111111111111', append: '378282246310005',
    header: '4000056655665556',
  };
  const message = (card: string, id: string, headers: readonly string[] = []): string => [
    'From: Erin <erin@example.test>', 'To: frank@example.test', `Subject: invoice ${id}`, `Message-ID: <${id}@example.test>`, ...headers, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii', '', `Please charge card ${card} for the order.`, '.leading dot line', 'Thanks', '',
  ].join('\r\n');
  const stuffed = (m: string): string => m.replace(/^\./gm, '..');
  const pop3 = (mss: number): WritePacket[] => {
    // the RETR message also carries a card in a header: its header block is inspected as a part of its own
    const m = message(CARD.retr, 'retr', [`X-Card-Number: ${CARD.header}`]);
    const t = message(CARD.top, 'top');
    return tcpConversation({ dport: 110, sport: 40110, mss }, [
      { from: 'server', data: '+OK POP3 ready\r\n' }, { from: 'client', data: 'USER frank\r\n' }, { from: 'server', data: '+OK\r\n' },
      { from: 'client', data: 'PASS hunter2hunter2\r\n' }, { from: 'server', data: '+OK logged in\r\n' },
      { from: 'client', data: 'RETR 1\r\n' }, { from: 'server', data: `+OK ${m.length} octets\r\n${stuffed(m)}.\r\n` },
      // TOP 2 1: the headers and the body's first line, the card in it
      { from: 'client', data: 'TOP 2 1\r\n' }, { from: 'server', data: `+OK\r\n${stuffed(t.split('\r\n').slice(0, 8).join('\r\n'))}\r\n.\r\n` },
      { from: 'client', data: 'QUIT\r\n' }, { from: 'server', data: '+OK bye\r\n' },
    ]);
  };
  const imap = (mss: number): WritePacket[] => {
    const m = message(CARD.body, 'body');
    const text = `Section text: card ${CARD.section} here.\r\n`;
    const up = message(CARD.append, 'append');
    return tcpConversation({ dport: 143, sport: 40143, mss, start: Date.UTC(2026, 0, 12, 11, 0, 0) * 1000 }, [
      { from: 'server', data: '* OK IMAP4rev1 ready\r\n' }, { from: 'client', data: 'a1 LOGIN frank hunter2hunter2\r\n' }, { from: 'server', data: 'a1 OK logged in\r\n' },
      { from: 'client', data: 'a2 SELECT INBOX\r\n' }, { from: 'server', data: '* 2 EXISTS\r\na2 OK [READ-WRITE] done\r\n' },
      { from: 'client', data: 'a3 FETCH 1 (BODY.PEEK[])\r\n' }, { from: 'server', data: `* 1 FETCH (BODY[] {${m.length}}\r\n${m})\r\na3 OK done\r\n` },
      { from: 'client', data: 'a4 FETCH 2 (BODY.PEEK[TEXT])\r\n' }, { from: 'server', data: `* 2 FETCH (BODY[TEXT] {${text.length}}\r\n${text})\r\na4 OK done\r\n` },
      { from: 'client', data: `a5 SEARCH BODY "${CARD.search}"\r\n` }, { from: 'server', data: '* SEARCH\r\na5 OK done\r\n' },
      { from: 'client', data: `a6 APPEND Sent {${up.length}}\r\n` }, { from: 'server', data: '+ go ahead\r\n' },
      { from: 'client', data: `${up}\r\n` }, { from: 'server', data: 'a6 OK appended\r\n' },
      { from: 'client', data: 'a7 LOGOUT\r\n' }, { from: 'server', data: '* BYE\r\na7 OK bye\r\n' },
    ]);
  };
  const dir = scratchDir('mailbox-once');
  /** The card findings of the two sessions cut at `mss`: [which card, app_proto, side, decode_path], sorted. */
  const cards = async (mss: number): Promise<string[][]> => {
    const file = join(dir, `once-${mss}.pcap`);
    writeFileSync(file, conversationsPcap(pop3(mss), imap(mss)));
    const o = await run(file, true);
    expect(fetched(o).map((m) => [m.fetched_via, untagged(m)])).toEqual([['pop3', 'RETR 1'], ['pop3', 'TOP 2 1'], ['imap', 'FETCH 1 (BODY.PEEK[])']]);
    const names = new Map(Object.entries(CARD).map(([k, v]) => [createHmac('sha256', KEY).update(v, 'utf8').digest('hex'), k]));
    return o.findings.filter((f) => f.detector === 'payment_card').map((f) => [names.get(f.value_hmac ?? '') ?? '?', f.app_proto ?? '', f.side ?? '', f.decode_path ?? '', String(f.count)]).sort();
  };

  it('each card once, where it was sent: fetched ones through MIME, the others in the raw stream', async () => {
    expect(await cards(1460)).toEqual([
      ['append', 'imap', 'client', 'imap › client', '1'],
      ['body', 'imap', 'server', 'imap › 1', '1'],
      ['header', 'pop3', 'server', 'pop3 › headers', '1'],
      ['retr', 'pop3', 'server', 'pop3 › 1', '1'],
      ['search', 'imap', 'client', 'imap › client', '1'],
      ['section', 'imap', 'server', 'imap › server', '1'],
      ['top', 'pop3', 'server', 'pop3 › 1', '1'],
    ]);
  });

  it('the same findings however the streams are cut', async () => {
    const whole = await cards(1460);
    for (const mss of [7, 64, 536]) expect(await cards(mss), `mss ${mss}`).toEqual(whole);
  });
});

describe('the other captures made here', () => {
  it('mailftp-gen.pcap: the one message curl fetched over POP3 and over IMAP', async () => {
    const o = await run(join(ROOT, 'test/fixtures/mailftp/mailftp-gen.pcap'));
    // make-mailftp-gen.sh's message, served with CRLF lines
    const script = readFileSync(join(ROOT, 'test/fixtures/mailftp/make-mailftp-gen.sh'), 'utf8');
    const msg = /cat > "\$T\/msg" <<MSG\n([\s\S]*?)\nMSG\n/.exec(script)![1]!.replace(/\n/g, '\r\n') + '\r\n';
    expect(fetched(o).map((m) => [m.fetched_via, untagged(m), m.data_bytes, m.subject, m.message_id, m.auth_user])).toEqual([
      ['pop3', 'RETR 1', msg.length, 'haystack pop3/imap fixture', '<mailftp-gen@example.test>', 'bob'],
      ['imap', 'UID FETCH 1 BODY[]', msg.length, 'haystack pop3/imap fixture', '<mailftp-gen@example.test>', 'bob'],
    ]);
  });

  it('inspect-pop3.pcap: the retrieved message has the size and hash poplib received; its addresses come through MIME', async () => {
    const c = readJson<{ transport: { pop3: { message_id: string; message_size: number; message_sha256: string }[] } }>(join(ROOT, 'test/fixtures/inspect/inspect.construction.json'));
    const want = c.transport.pop3[0]!;
    const m = await (async () => {
      const out: { rec: SmtpRecord; data: string }[] = [];
      for await (const r of analyze(join(ROOT, 'test/fixtures/inspect/inspect-pop3.pcap'), { inspect: { key: KEY, detectors: builtinDetectors(), remoteAccess: null } })) {
        if (r.type === 'smtp') out.push({ rec: r.record, data: '' });
        if (r.type === 'finding' && r.record.detector === 'email' && (r.record.decode_path ?? '').startsWith('pop3 › 1')) out.push({ rec: null as never, data: String(r.record.distinct_count) });
      }
      return out;
    })();
    const msgs = m.filter((x) => x.rec !== null).map((x) => x.rec);
    expect(msgs.map((r) => [r.fetched_via, r.fetch_command, r.message_id, r.data_bytes])).toEqual([['pop3', 'RETR 1', want.message_id, want.message_size]]);
    // the 40 planted addresses and the two of the headers' (From, To) are in the body part, seen as one bulk set
    expect(m.filter((x) => x.rec === null).map((x) => Number(x.data))).toEqual([40]);
  });
});

const corpus = corpusDir();
/** The requests for whole messages tshark reads in a trace: POP3 RETR, IMAP FETCH of BODY[] / BODY.PEEK[] / RFC822. */
function wholeRequests(file: string): number {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'pop.request || imap.request', '-T', 'fields', '-e', 'pop.request.command', '-e', 'imap.request'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => /^RETR\b/i.test(l.trim()) || (/ FETCH /i.test(l) && /(?:^|[ (])(?:BODY(?:\.PEEK)?\[\]|RFC822)(?=[ )]|$)/i.test(l))).length;
}
describe.skipIf(corpus === null)('corpus POP3/IMAP traces: the fetched messages are the ones tshark decodes (imf)', () => {
  const tshark = (file: string): string[] => {
    const out = execFileSync('tshark', ['-r', file, '-Y', '(pop || imap) && imf', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=\t', '-e', 'imf.message_id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split(/[\n\t]/).filter((x) => x !== '');
  };
  for (const name of ['pcap/zeek/pop3/pop3.pcap', 'maillog/A/smtp-imap.pcap']) {
    it(name, async () => {
      const file = join(corpus!, name);
      const o = await run(file);
      const ours = fetched(o).map((m) => m.message_id).filter((x): x is string => x !== null);
      // tshark also decodes header-only fetches (BODY.PEEK[HEADER.FIELDS ...]) as imf: ours is a sub-multiset of its
      const theirs = tshark(file);
      const left = [...theirs];
      for (const id of ours) {
        const i = left.indexOf(id);
        expect(i, `${id} fetched by us, not decoded by tshark`).toBeGreaterThanOrEqual(0);
        left.splice(i, 1);
      }
      // one message per request for a whole message (the header-only fetches are what is left of tshark's imf)
      expect(ours.length).toBe(wholeRequests(file));
      expect(ours.length).toBeGreaterThan(0);
    });
  }
});

// Findings joined to what delivered them, on the labelled captures (test/fixtures/inspect): each finding's session
// and file are rows of the store; `haystack mail` lists a message's findings part by part (masked); `haystack
// report labels` shows report.pdf layer by layer as the construction says (a zip of CSVs with 200 cards, labelled
// application/pdf, sent over clear HTTP on 8443), and the POP3 session whose raw stream carried a message of
// addresses, with its port, protocol and content side by side. Then a finding in an attachment joined through its
// message to the postfix log lines that delivered it: inspect-smtp.maillog was NOT written by postfix. The capture
// run's own maillog was not kept, so make-inspect-maillog.py writes, from what tshark reads in inspect-smtp.pcap
// (the queue ids of the server's "Ok: queued as" replies, client ports, AUTH users, envelope, Message-IDs, times),
// the lines postfix 3.7 logs for such a transaction, in the layout this machine's postfix writes (checked with
// postlog); pids, delays and size= are made up. The expectations below are read from that file and the construction.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
import { findMail } from '../src/store/mail.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/inspect');
interface Made {
  groups: { id: string; file?: string; distinct?: number; also_in_message?: string[]; label_lie?: { port: number; content_type_says: string; extension_says: string; magic_says: string } }[];
  transport: {
    smtp: { id: string; message_id: string; parts: { part_path: string; filename: string | null }[] }[];
    pop3: { id: string; port: number; message_id: string }[];
    ftp: { id: string }[];
  };
  captures: Record<string, { ports?: number[] }>;
  planted: { id: string; detector: string; transaction: string; value: string; file: string | null; decode_path: string; count: number }[];
}
const made = JSON.parse(readFileSync(join(DIR, 'inspect.construction.json'), 'utf8')) as Made;

describe('findings joined to their session, file, message and labels', () => {
  let db = '';
  beforeAll(async () => {
    db = join(scratchDir('inspect-joins'), 'a.duckdb');
    const store = await openStore(db);
    try {
      const s = await ingest(store, ['http', 'smtp', 'pop3', 'ftp'].map((p) => join(DIR, `inspect-${p}.pcap`)), { filesDir: null });
      expect(s.files.map((f) => f.status)).toEqual(['ingested', 'ingested', 'ingested', 'ingested']);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('every finding names a session of the store, and every file id a file', async () => {
    const q = async (sql: string): Promise<number> => Number(JSON.parse((await cli('sql', sql, '--db', db, '--format', 'jsonl')).out.trim()).n);
    expect(await q('SELECT count(*) AS n FROM findings')).toBeGreaterThan(100);
    expect(await q('SELECT count(*) AS n FROM findings f WHERE f.uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.uid = f.uid)')).toBe(0);
    expect(await q('SELECT count(*) AS n FROM findings f WHERE f.fuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files x WHERE x.fuid = f.fuid)')).toBe(0);
    // the attachment's findings carry its message and part, as the files row does
    expect(await q('SELECT count(*) AS n FROM findings f JOIN files x ON x.fuid = f.fuid WHERE x.source = \'smtp\' AND (f.message_id IS DISTINCT FROM x.message_id OR f.part_path IS DISTINCT FROM x.part_path)')).toBe(0);
  });

  it('haystack mail lists each part\'s findings, masked', async () => {
    const m1 = made.transport.smtp.find((m) => m.id === 'M1')!;
    const r = await cli('mail', m1.message_id, '--db', db);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.includes('finding in '));
    // by construction: cards in cards.xlsx, an SSN and a routing number in hr-record.docx, an IBAN in statement.pdf
    for (const [file, detector] of [['cards.xlsx', 'payment_card'], ['hr-record.docx', 'us_ssn'], ['hr-record.docx', 'aba_routing'], ['statement.pdf', 'iban']] as const) {
      const part = m1.parts.find((p) => p.filename === file)!.part_path;
      expect(lines.some((l) => l.includes(`finding in ${part}: ${detector} `)), `${detector} in part ${part}`).toBe(true);
    }
    expect(lines.some((l) => l.includes('cleartext_credentials') && l.includes('user dave'))).toBe(true);
    for (const p of made.planted.filter((x) => x.transaction === 'M1')) expect(r.out.includes(p.value.replace(/\D/g, '')) && p.value.replace(/\D/g, '').length > 8).toBe(false);
  });

  it('haystack report labels: report.pdf, layer by layer', async () => {
    const lie = made.groups.find((g) => g.id === 'G-report-cards')!;
    const r = await cli('report', 'labels', '--db', db, '--format', 'jsonl');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const row = rows.find((x) => x.filename === lie.file)!;
    expect(row).toMatchObject({
      kind: 'file',
      port: `tcp/${lie.label_lie!.port}`,
      protocol: 'http',
      content_type: lie.label_lie!.content_type_says,
      extension: lie.label_lie!.extension_says,
      extension_says: 'application/pdf',
      magic: `application/${lie.label_lie!.magic_says}`,
    });
    // 8443 is HTTPS's alternate port, and the port table takes clear HTTP there too (src/inspect/names/port-table.ts):
    // the port's layer is shown, not counted as a disagreement
    expect(String(row.port_says)).toMatch(/tls/);
    expect(String(row.content)).toMatch(/^payment_card 200 \(high\); inside zip:report\.pdf/);
    expect(row.disagree).toEqual(['extension/magic', 'content-type/magic', 'label/content']);
    // a part whose label and content agree and that holds nothing is not listed
    expect(rows.some((x) => x.filename === 'statement.pdf' && (x.disagree as string[]).join() !== 'label/content')).toBe(false);
  });

  it('haystack report labels: a session whose own stream carried the content, port, protocol and content side by side', async () => {
    const r = await cli('report', 'labels', '--db', db, '--format', 'jsonl');
    expect(r.code).toBe(0);
    const sessions = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.kind === 'session');
    // by construction two places held content that crossed as no file: the POP3 RETR (P1, dovecot on 1110, not
    // POP3's 110), whose message goes through the MIME path (its body part "1": the 40 planted addresses; its
    // header block, 2 addresses and the Message-ID, is a scope of its own under the bulk threshold), the raw scan
    // of the server's stream leaving the message's bytes to it
    const p1 = made.transport.pop3[0]!;
    const g = made.groups.find((x) => x.id === 'G-pop3-email')!;
    const withContent = sessions.filter((x) => (x.disagree as string[]).includes('label/content'));
    expect(withContent.length).toBe(2);
    const pop3 = withContent.find((x) => x.protocol === 'pop3');
    expect(pop3).toMatchObject({ port: `tcp/${p1.port}`, fuid: null, filename: null, disagree: ['port/protocol', 'label/content'] });
    const m = new RegExp(`^email (\\d+) \\(low\\); in (.+); pop3 on ${p1.port}, not its own port \\(110\\) \\(low\\)$`).exec(String(pop3!.content));
    expect(m, String(pop3!.content)).not.toBeNull();
    expect(m![2]).toBe('pop3 › 1');
    const q = async (sql: string): Promise<number> => Number(JSON.parse((await cli('sql', sql, '--db', db, '--format', 'jsonl')).out.trim()).n);
    // the body part's count is the construction's, found once (nothing of the message from the raw stream)
    expect(await q(`SELECT sum(count) AS n FROM findings WHERE uid = '${String(pop3!.uid)}' AND detector = 'email' AND decode_path = 'pop3 › 1'`)).toBe(g.distinct);
    expect(await q(`SELECT count(*) AS n FROM findings WHERE uid = '${String(pop3!.uid)}' AND decode_path = 'pop3 › server'`)).toBe(0);
    expect(Number(m![1])).toBe(await q(`SELECT sum(count) AS n FROM findings WHERE uid = '${String(pop3!.uid)}' AND detector = 'email'`));
    // and M1's text part (quoted-printable, no file of its own) holds one card number, P222
    const p222 = made.planted.find((x) => x.id === 'P222')!;
    const smtp = withContent.find((x) => x.protocol === 'smtp');
    expect(smtp).toMatchObject({ port: 'tcp/2525', fuid: null, disagree: ['label/content'] });
    // (its confidence is the detector's rule, not the construction's: any)
    expect(String(smtp!.content).replace(/\((high|medium|low)\)/, '(?)')).toBe(`payment_card ${p222.count} (?); in ${p222.decode_path}`);
    // the FTP control session on 2121 has its row for the port alone: customers.csv crossed as a file (its own row)
    const ftp = sessions.filter((x) => x.protocol === 'ftp');
    expect(ftp.length).toBe(1);
    expect(ftp[0]).toMatchObject({ port: 'tcp/2121', disagree: ['port/protocol'] });
    expect(String(ftp[0]!.content)).toMatch(/^ftp on 2121, not its own port \(21\) \(low\)$/);
    // no session row repeats what came in files (HTTP bodies, MIME parts, the FTP upload)
    expect(sessions.some((x) => x.protocol === 'http' || x.protocol === 'ftp-data')).toBe(false);
  });
});

describe('a finding in an attachment, its message, and the postfix log lines of that message', () => {
  const MAILLOG = join(DIR, 'inspect-smtp.maillog');
  const log = readFileSync(MAILLOG, 'utf8').split('\n').filter((l) => l !== '');
  /** the fixture's own lines of a message: its queue id's, and smtpd's connect/disconnect of its client port */
  const linesOf = (messageId: string): { qid: string; lineNos: number[] } => {
    const qid = log.map((l) => /: ([0-9A-F]+): message-id=(<[^>]+>)$/.exec(l)).find((m) => m !== null && m[2] === messageId)![1]!;
    const port = /client=localhost\[127\.0\.0\.1\]:(\d+)/.exec(log.find((l) => l.includes(`${qid}: client=`))!)![1]!;
    const lineNos = log.map((l, i) => (l.includes(` ${qid}: `) || new RegExp(`(connect|disconnect) from localhost\\[127\\.0\\.0\\.1\\]:${port}( |$)`).test(l) ? i + 1 : 0)).filter((n) => n > 0);
    return { qid, lineNos };
  };
  let db = '';
  beforeAll(async () => {
    db = join(scratchDir('inspect-maillog'), 'a.duckdb');
    const store = await openStore(db);
    try {
      // the capture's frames are of 2026-12-07 UTC, and the log lines were written from them in UTC
      const s = await ingest(store, [join(DIR, 'inspect-smtp.pcap'), MAILLOG], { filesDir: null, logs: { year: 2026, tz: 'UTC' } });
      expect(s.files.map((f) => f.status)).toEqual(['ingested', 'ingested']);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('finding → message → log lines, and from a log line\'s queue id back to the finding', async () => {
    const m1 = made.transport.smtp.find((m) => m.id === 'M1')!;
    const { qid, lineNos } = linesOf(m1.message_id);
    expect(lineNos.length).toBe(7);
    const store = await openStore(db, { readOnly: true });
    try {
      // the card numbers of cards.xlsx (construction: M1's part 2) are findings of that file, in that message
      const part = m1.parts.find((p) => p.filename === 'cards.xlsx')!;
      const f = (await store.query(`SELECT f.uid, f.fuid, f.message_id, f.part_path FROM findings f JOIN files x ON x.fuid = f.fuid WHERE x.filename = 'cards.xlsx' AND f.detector = 'payment_card'`)).rows;
      expect(f.length).toBeGreaterThan(0);
      for (const x of f) expect(x).toMatchObject({ message_id: m1.message_id, part_path: part.part_path });
      const finding = f[0]!;
      for (const key of [m1.message_id, qid]) {
        const r = await findMail(store, key);
        expect(r.messages.length, key).toBe(1);
        const m = r.messages[0]!;
        expect(m.queue_ids).toEqual([qid]);
        expect(m.lines.every((l) => l.source === MAILLOG)).toBe(true);
        expect(m.lines.map((l) => l.line_no).sort((a, b) => a - b)).toEqual(lineNos);
        // each line read by the postfix recipe, not found as text
        expect(new Set(m.lines.map((l) => l.type))).toEqual(new Set(['postfix_connect', 'postfix_client', 'postfix_message_id', 'postfix_qmgr_active', 'postfix_delivery', 'postfix_disconnect', 'postfix_removed']));
        expect(m.wire.length).toBe(1);
        expect(m.wire[0]!.join).toBe('queue id in the server reply');
        expect(m.wire[0]!.smtp!.uid).toBe(finding.uid);
        expect(m.wire[0]!.findings.some((x) => x.fuid === finding.fuid && x.detector === 'payment_card')).toBe(true);
      }
      // the other message's lines are its own
      const m2 = made.transport.smtp.find((m) => m.id === 'M2')!;
      const other = await findMail(store, m2.message_id);
      expect(other.messages.map((m) => m.queue_ids)).toEqual([[linesOf(m2.message_id).qid]]);
      expect(other.messages[0]!.wire[0]!.smtp!.uid).not.toBe(finding.uid);
    } finally {
      await store.close();
    }
  });
});

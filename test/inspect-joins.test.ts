// Findings joined to what delivered them, on the labelled captures (test/fixtures/inspect): each finding's session
// and file are rows of the store; `haystack mail` lists a message's findings part by part (masked); `haystack
// report labels` shows report.pdf layer by layer as the construction says (a zip of CSVs with 200 cards, labelled
// application/pdf, sent over clear HTTP on 8443), and the POP3 session whose raw stream carried a message of
// addresses, with its port, protocol and content side by side.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
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
    // POP3's 110): 40 planted addresses, the 2 header addresses, and the Message-ID, which has an address's form
    const p1 = made.transport.pop3[0]!;
    const g = made.groups.find((x) => x.id === 'G-pop3-email')!;
    const emails = g.distinct! + g.also_in_message!.length + (/^<[^@<>\s]+@[^@<>\s]+\.[a-z]+>$/.test(p1.message_id) ? 1 : 0);
    const withContent = sessions.filter((x) => (x.disagree as string[]).includes('label/content'));
    expect(withContent.length).toBe(2);
    const pop3 = withContent.find((x) => x.protocol === 'pop3');
    expect(pop3).toMatchObject({ port: `tcp/${p1.port}`, fuid: null, filename: null, disagree: ['port/protocol', 'label/content'] });
    expect(String(pop3!.content)).toMatch(new RegExp(`^email ${emails} \\(low\\); in pop3 › server; pop3 on ${p1.port}, not its own port \\(110\\) \\(low\\)$`));
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

// Findings joined to what delivered them, on the labelled captures (test/fixtures/inspect): each finding's session
// and file are rows of the store; `haystack mail` lists a message's findings part by part (masked); `haystack
// report labels` shows report.pdf layer by layer as the construction says (a zip of CSVs with 200 cards, labelled
// application/pdf, sent over clear HTTP on 8443).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/inspect');
interface Made {
  groups: { id: string; file?: string; label_lie?: { port: number; content_type_says: string; extension_says: string; magic_says: string } }[];
  transport: { smtp: { id: string; message_id: string; parts: { part_path: string; filename: string | null }[] }[] };
  planted: { detector: string; transaction: string; value: string; file: string | null }[];
}
const made = JSON.parse(readFileSync(join(DIR, 'inspect.construction.json'), 'utf8')) as Made;

describe('findings joined to their session, file, message and labels', () => {
  let db = '';
  beforeAll(async () => {
    db = join(scratchDir('inspect-joins'), 'a.duckdb');
    const store = await openStore(db);
    try {
      const s = await ingest(store, [join(DIR, 'inspect-http.pcap'), join(DIR, 'inspect-smtp.pcap')], { filesDir: null });
      expect(s.files.map((f) => f.status)).toEqual(['ingested', 'ingested']);
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
});

/// <reference lib="dom" />
// The console's detail screens in Chromium: the session of an SMTP message (its MIME tree and attachments with
// the sha256 known by construction, the transcript with client lines styled apart and one side alone), a
// mislabelled attachment flagged, the TLS view's SNI counts equal to the API's values and its first/last seen
// equal to the store's, and (corpus) the mail view of a maillog A queue id with exactly its log lines and the
// attachments' by-construction sha256, and the logs view with recipe fields as columns. Zero CSP violations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { ingestLog } from '../../src/pipeline/logs.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { conversationsPcap, tcpConversation } from '../helpers/conversation.js';
import { corpusDir, GEN, readJson, ROOT } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-detail');
const SHOTS = join(ROOT, 'docs/console');
const corpus = corpusDir();
const MAILLOG = join(corpus ?? '', 'maillog/A');

interface Sent { id: string; session: number; subject: string; attachments: { filename: string; sha256: string }[] }
const SMTP_GEN = readJson<{ sha256: string; sent_by_construction: Sent[] }>(join(GEN, 'expected/smtp-attachments.pcap.json'));
const TLS_GEN = readJson<{ sha256: string; client_hellos: { sni?: string | null }[] }>(join(GEN, 'expected/tls-clients.pcapng.json'));

/** An executable sent as invoice.pdf (labelled application/pdf): the real type is not what the label says. */
function mislabelledMail(): Uint8Array {
  const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(56), Buffer.from('This program cannot be run in DOS mode.\r\n'), Buffer.alloc(200, 0x41)]);
  const msg = [
    'From: Billing <billing@evil.example>', 'To: clerk@corpus.example', 'Subject: Your invoice', 'Message-ID: <mislabelled@evil.example>',
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', 'Please pay.', '--b1',
    'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="invoice.pdf"', '',
    ...(exe.toString('base64').match(/.{1,76}/g) ?? []), '--b1--', '',
  ].join('\r\n');
  return conversationsPcap(tcpConversation({ dport: 25, client: '10.7.7.7', server: '10.7.7.8' }, [
    { from: 'server', data: '220 mx.corpus.example ESMTP\r\n' },
    { from: 'client', data: 'EHLO evil.example\r\n' }, { from: 'server', data: '250 mx.corpus.example\r\n' },
    { from: 'client', data: 'MAIL FROM:<billing@evil.example>\r\n' }, { from: 'server', data: '250 OK\r\n' },
    { from: 'client', data: 'RCPT TO:<clerk@corpus.example>\r\n' }, { from: 'server', data: '250 OK\r\n' },
    { from: 'client', data: 'DATA\r\n' }, { from: 'server', data: '354 go ahead\r\n' },
    { from: 'client', data: `${msg}\r\n.\r\n` }, { from: 'server', data: '250 OK queued as 4711\r\n' },
    { from: 'client', data: 'QUIT\r\n' }, { from: 'server', data: '221 bye\r\n' },
  ]));
}

describe.skipIf(!haveBrowser)('the console detail screens in Chromium', () => {
  let srv: TestServer;
  let b: Awaited<ReturnType<typeof launch>>;
  let w: Watched;
  const uidOf = async (sql: string): Promise<string> => String((await srv.store.select(sql)).rows[0]!.uid);

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    const bad = join(dir, 'mislabelled.pcap');
    writeFileSync(bad, mislabelledMail());
    const s = await ingest(srv.store, [join(GEN, 'smtp-attachments.pcap'), join(GEN, 'tls-clients.pcapng'), bad], { homeNet: ['10.7.7.0/24'], filesDir: dir });
    expect(s.files.every((f) => f.status === 'ingested')).toBe(true);
    if (corpus !== null) {
      expect((await ingestLog(srv.store, join(MAILLOG, 'maillog.traditional.log'), { year: 2026 })).status).toBe('ingested');
      expect((await ingest(srv.store, [join(MAILLOG, 'smtp-imap.pcap')], { filesDir: dir })).files.map((f) => f.status)).toEqual(['ingested']);
    }
    b = await launch();
    w = await watchedPage(b.browser);
    await loginInPage(w.page, srv.url, '/search/sessions', 'analyst', PASSWORDS.analyst);
    await w.page.waitForSelector('[data-testid=results]');
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('the session of each SMTP message shows it, its MIME tree and its attachments with the sha256 known by construction', async () => {
    const { page } = w;
    const cap = SMTP_GEN.sha256.slice(0, 16);
    for (const m of SMTP_GEN.sent_by_construction) {
      const uid = await uidOf(`SELECT uid FROM smtp WHERE capture_id = '${cap}' AND subject = '${m.subject.replace(/'/g, "''")}'`);
      await page.goto(`${srv.url}/session/${encodeURIComponent(uid)}`);
      await page.waitForSelector('[data-testid=smtp-message]');
      await page.waitForSelector('[data-testid=counters]');
      const card = page.locator('[data-testid=smtp-message]', { has: page.locator('h4', { hasText: m.subject }) });
      expect(await card.count(), m.id).toBe(1);
      expect(await card.locator('[data-testid=mime-tree]').count(), m.id).toBe(1);
      const parts = await card.locator('[data-testid=mime-part]').allTextContents();
      for (const a of m.attachments) expect(parts.some((p) => p.includes(a.filename) && p.includes(a.sha256)), `${m.id} ${a.filename}`).toBe(true);
      const shas = await card.locator('[data-testid=files] [data-testid=sha256]').allTextContents();
      expect(shas.sort(), m.id).toEqual(expect.arrayContaining(m.attachments.map((a) => a.sha256)));
      expect(await card.locator('[data-testid=mismatch]').count(), m.id).toBe(0);
      if (m.id === 'm1') {
        // the session's counters are the store's
        const s = (await srv.store.select(`SELECT src_pkts, dst_pkts, src_bytes, dst_bytes FROM sessions WHERE uid = '${uid}'`)).rows[0]!;
        const cells = await page.locator('[data-testid=counters] table.counters tbody td').allTextContents();
        expect(cells.slice(0, 2)).toEqual([Number(s.src_pkts).toLocaleString('en'), Number(s.src_bytes).toLocaleString('en')]);
        expect(cells.slice(4, 6)).toEqual([Number(s.dst_pkts).toLocaleString('en'), Number(s.dst_bytes).toLocaleString('en')]);
      }
    }
    expect(w.problems).toEqual([]);
  });

  it('the transcript shows the SMTP commands as client lines, styled apart from the server, and either side alone', async () => {
    const { page } = w;
    const uid = await uidOf(`SELECT uid FROM smtp WHERE subject = 'Invoice 4711 attached'`);
    await page.goto(`${srv.url}/session/${encodeURIComponent(uid)}`);
    await page.waitForSelector('.transcript-text .c');
    const client = await page.locator('.transcript-text .c').allTextContents();
    const server = await page.locator('.transcript-text .s').allTextContents();
    for (const cmd of ['EHLO ', 'MAIL FROM:<billing@vendor.example>', 'RCPT TO:<victim@corpus.example>', 'DATA', 'QUIT']) {
      expect(client.some((l) => l.toUpperCase().startsWith(`> ${cmd.toUpperCase()}`)), cmd).toBe(true);
    }
    expect(server.some((l) => l.startsWith('< 220 '))).toBe(true);
    expect(server.some((l) => l.startsWith('< 354 '))).toBe(true);
    const colour = (sel: string): Promise<string> => page.locator(sel).first().evaluate((e) => getComputedStyle(e).color);
    expect(await colour('.transcript-text .c')).not.toBe(await colour('.transcript-text .s'));
    await page.locator('[data-testid=transcript]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'transcript.png') });
    await page.click('[data-testid=side-server]');
    await page.waitForFunction(() => document.querySelectorAll('.transcript-text .c').length === 0);
    expect(await page.locator('.transcript-text .s').count()).toBe(server.length);
    expect(new URL(page.url()).searchParams.get('side')).toBe('server');
    await page.click('[data-testid=side-client]');
    await page.waitForFunction(() => document.querySelectorAll('.transcript-text .s').length === 0);
    expect(await page.locator('.transcript-text .c').count()).toBe(client.length);
    // hex: the same sides, as a dump
    await page.click('[data-testid=side-both]');
    await page.click('[data-testid=fmt-hex]');
    await page.waitForFunction(() => /^> 00000000 /.test(document.querySelector('.transcript-text .c')?.textContent ?? ''));
    expect(w.problems).toEqual([]);
  });

  it('an executable sent as invoice.pdf carries the mismatch badge, and its sha256 pivots to the file', async () => {
    const { page } = w;
    const uid = await uidOf(`SELECT uid FROM smtp WHERE message_id = '<mislabelled@evil.example>'`);
    await page.goto(`${srv.url}/session/${encodeURIComponent(uid)}`);
    await page.waitForSelector('[data-testid=files]');
    const row = page.locator('[data-testid=file]', { hasText: 'invoice.pdf' });
    expect(await row.locator('[data-testid=mismatch]').count()).toBe(1);
    expect(await row.textContent()).toContain('application/x-msdownload');
    const sha = String((await srv.store.select(`SELECT sha256 FROM files WHERE uid = '${uid}' AND filename = 'invoice.pdf'`)).rows[0]!.sha256);
    expect(await row.locator('[data-testid=download]').getAttribute('href')).toBe(`/api/files/${sha}`);
    await page.waitForSelector('.transcript-text');
    await page.screenshot({ path: join(SHOTS, 'session.png'), fullPage: true });
    await row.locator('[data-testid=sha256]').click();
    await page.waitForSelector('[data-testid=pivot-files]');
    expect(await page.locator('[data-testid=pivot-files] tbody tr').count()).toBe(1);
    expect(w.problems).toEqual([]);
  });

  it('the TLS view lists the SNIs of tls-clients.pcapng with the API\'s counts, first and last seen from the store', async () => {
    const { page } = w;
    const q = `capture_id = "${TLS_GEN.sha256.slice(0, 16)}"`;
    await page.goto(`${srv.url}/tls?q=${encodeURIComponent(q)}`);
    await page.waitForSelector('[data-testid=tls-group]');
    const api = (await (await srv.as('viewer')).get(`/api/values/tls/sni?limit=100&q=${encodeURIComponent(q)}`)).json as { values: { value: string | null; count: number }[] };
    expect(api.values.length).toBeGreaterThan(1);
    // every SNI the clients sent (tshark) is there
    const sent = new Set(TLS_GEN.client_hellos.map((h) => h.sni ?? null).filter((s) => s !== null));
    expect(new Set(api.values.map((v) => v.value).filter((v) => v !== null))).toEqual(sent);
    const rows = await page.locator('[data-testid=tls-group]').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    expect(rows.map((r) => [r[0], r[1]])).toEqual(api.values.map((v) => [v.value ?? '(none)', v.count.toLocaleString('en')]));
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('[data-testid=tls-group] td')).some((td) => td.textContent === '…'));
    const seen = (await srv.store.select(`SELECT sni, strftime(min(ts), '%Y-%m-%d %H:%M:%S.%f') AS first, strftime(max(ts), '%Y-%m-%d %H:%M:%S.%f') AS last FROM tls WHERE capture_id = '${TLS_GEN.sha256.slice(0, 16)}' GROUP BY sni`)).rows;
    const shown = await page.locator('[data-testid=tls-group]').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    for (const r of seen) {
      const row = shown.find((x) => x[0] === (r.sni === null ? '(none)' : String(r.sni)))!;
      expect([row[2], row[3]], String(r.sni)).toEqual([r.first, r.last]);
    }
    await page.locator('[data-testid=tls-group]').first().click();
    await page.waitForSelector('[data-testid=behind] tbody tr');
    expect(await page.locator('[data-testid=behind] tbody tr').count()).toBe(api.values[0]!.count);
    await page.screenshot({ path: join(SHOTS, 'tls.png') });
    await page.click('[data-testid=by-ja4]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('by') === 'ja4');
    await page.waitForSelector('[data-testid=tls-group]');
    const ja4 = (await (await srv.as('viewer')).get(`/api/values/tls/ja4?limit=100&q=${encodeURIComponent(q)}`)).json as { values: { value: string | null; count: number }[] };
    expect(await page.locator('[data-testid=tls-group] [data-testid=group-count]').allTextContents()).toEqual(ja4.values.map((v) => v.count.toLocaleString('en')));
    expect(w.problems).toEqual([]);
  });

  describe.skipIf(corpus === null)('maillog A (corpus)', () => {
    interface Expected {
      correlation: { step: string; transaction: number; queue_id: string | null; relayed_to_postfix?: { postfix_queue_id: string }[]; dsn_queue_id?: string }[];
      sendmail_queue_ids: Record<string, { lines: { n: number }[] }>;
      postfix_queue_ids: Record<string, { lines: { n: number }[] }>;
      postfix_smtpd_sessions: { queue_ids: string[]; lines: { n: number }[] }[];
      opendkim: Record<string, { line_n: number }[]>;
      messages: { step: string; transaction: number; attachments: { filename: string; sha256: string }[] }[];
    }
    const want = corpus === null ? null! : readJson<Expected>(join(MAILLOG, 'expected.json'));
    const linesOf = (q: string): number[] => [
      ...(want.sendmail_queue_ids[q]?.lines ?? []).map((l) => l.n),
      ...(want.postfix_queue_ids[q]?.lines ?? []).map((l) => l.n),
      ...(want.opendkim[q] ?? []).map((l) => l.line_n),
      ...want.postfix_smtpd_sessions.filter((s) => s.queue_ids.includes(q)).flatMap((s) => s.lines.map((l) => l.n)),
    ];

    it('the mail view of a queue id shows exactly its log lines, in time order across programs, and its attachments with the sha256 known by construction', async () => {
      const { page } = w;
      // A05: sendmail relays to postfix, so the lines span sm-mta, opendkim and postfix
      const c = want.correlation.find((x) => x.step === 'A05')!;
      const attachments = want.messages.find((m) => m.step === c.step && m.transaction === c.transaction)!.attachments;
      expect(attachments.length).toBeGreaterThan(0);
      await page.goto(`${srv.url}/mail?key=${encodeURIComponent(c.queue_id!)}`);
      await page.waitForSelector('[data-testid=mail-message]');
      expect(await page.locator('[data-testid=mail-message]').count()).toBe(1);
      const qs = [c.queue_id!, ...(c.relayed_to_postfix ?? []).map((p) => p.postfix_queue_id), ...(c.dsn_queue_id !== undefined ? [c.dsn_queue_id] : [])];
      const lines = (await page.locator('[data-testid=mail-lines] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-line')))));
      expect([...new Set(lines)].sort((a, b) => a - b)).toEqual([...new Set(qs.flatMap(linesOf))].sort((a, b) => a - b));
      const programs = new Set(await page.locator('[data-testid=mail-lines] tbody tr td:nth-child(3)').allTextContents());
      expect([...programs].some((p) => p.startsWith('postfix/'))).toBe(true);
      expect([...programs].some((p) => p.startsWith('sm-mta'))).toBe(true);
      const times = await page.locator('[data-testid=mail-lines] tbody tr td:first-child').allTextContents();
      expect(times).toEqual([...times].sort());
      const shas = await page.locator('[data-testid=mail-message] [data-testid=files] [data-testid=sha256]').allTextContents();
      for (const a of attachments) expect(shas, a.filename).toContain(a.sha256);
      expect(await page.locator('[data-testid=mail-message] [data-testid=mime-tree]').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-testid=mail-message] [data-testid=files] [data-testid=download]').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, 'mail.png'), fullPage: true });
      expect(w.problems).toEqual([]);
    });

    it('the logs view has the recipe fields as columns, a row opens to its raw line, and a queue id opens the mail view', async () => {
      const { page } = w;
      await page.goto(`${srv.url}/logs?q=${encodeURIComponent('program = "sm-mta"')}`);
      await page.waitForSelector('[data-testid=results] tbody tr');
      const heads = await page.locator('[data-testid=results] thead th').allTextContents();
      expect(heads).toEqual(expect.arrayContaining(['ts', 'host', 'program', 'type', 'queue_id']));
      const n = Number((await srv.store.select(`SELECT count(*) AS n FROM logs WHERE program = 'sm-mta'`)).rows[0]!.n);
      expect(await page.textContent('[data-testid=count]')).toBe(`${n.toLocaleString('en')} log lines`);
      // the newest line with a queue id opens to its raw line, as stored
      const row = page.locator('[data-testid=results] tbody tr', { has: page.locator('[data-testid=to-mail]') }).first();
      const qid = (await row.locator('[data-testid=to-mail]').first().textContent())!;
      await row.locator('td').first().click();
      await page.waitForSelector('[data-testid=raw-line]');
      const raw = (await page.textContent('[data-testid=raw-line]'))!;
      expect(raw).toMatch(new RegExp(`^${qid}: `));
      const stored = (await srv.store.select(`SELECT message FROM logs WHERE program = 'sm-mta' AND message LIKE '${qid}: %'`)).rows.map((r) => String(r.message));
      expect(stored).toContain(raw);
      await page.screenshot({ path: join(SHOTS, 'logs.png') });
      await page.locator('tr.detail [data-testid=to-mail]', { hasText: qid }).first().click();
      await page.waitForSelector('[data-testid=mail-message]');
      expect(new URL(page.url()).pathname).toBe('/mail');
      expect(new URL(page.url()).searchParams.get('key')).toBe(qid);
      expect(await page.locator('[data-testid=mail-lines]').textContent()).toContain(raw);
      expect(w.problems).toEqual([]);
    });
  });
});

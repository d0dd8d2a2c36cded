// Mail to records on synthetic messages: the label/content mismatch analysts hunt for, uuencoded bodies,
// address lists, part numbers through a forwarded message, malformed structure and nesting limits.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../core/anomaly.js';
import { Session } from '../flow/session.js';
import type { SmtpMessage } from '../analyzers/smtp/smtp-analyzer.js';
import { SmtpAnalyzer } from '../analyzers/smtp/smtp-analyzer.js';
import { ORIG, RESP } from '../reassembly/stream-analyzer.js';
import { jsonStringBytes } from '../schema/bounds.js';
import { SMTP_MAX_ADDRESSES, SMTP_MAX_HEADER_BYTES } from '../schema/smtp.js';
import { addresses, mailRecords, typeMismatch, uudecode } from './mail.js';

const enc = new TextEncoder();
const MZ = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000b800000000000000400000000000000000000000', 'hex'), Buffer.alloc(200)]);

function message(text: string): SmtpMessage {
  const s = new Session();
  s.uid = 'Ctest';
  return {
    session: s, transDepth: 1, ts: 1, endTs: 2, helo: 'c', mailFrom: 'a@x', rcptTo: ['b@y'], data: enc.encode(text), dataBytes: text.length,
    missingBytes: 0, lastReply: '250 ok', starttls: false, authMechanism: null, authUser: null,
  };
}

async function records(text: string, allParts = false): Promise<{ r: Awaited<ReturnType<typeof mailRecords>>; anomalies: string[] }> {
  const anomalies: string[] = [];
  const r = await mailRecords(message(text), { anomalies: new AnomalyLog((a) => anomalies.push(`${a.name}: ${a.detail}`)), filesDir: null, allParts });
  return { r, anomalies };
}

describe('mail records', () => {
  it('flags an executable labelled and named as a PDF, not one labelled as what it is', async () => {
    expect(typeMismatch('application/pdf', 'invoice.pdf', 'application/x-msdownload')).toBe(true);
    expect(typeMismatch('application/octet-stream', 'invoice.pdf', 'application/x-msdownload')).toBe(true);
    expect(typeMismatch('application/x-msdownload', 'invoice.exe', 'application/x-msdownload')).toBe(false);
    expect(typeMismatch('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'a.docx', 'application/zip')).toBe(false);
    expect(typeMismatch('application/octet-stream', 'blob.bin', 'application/pdf')).toBe(false);
    expect(typeMismatch('image/png', 'chart.png', 'image/png')).toBe(false);
    const b64 = MZ.toString('base64');
    const { r, anomalies } = await records([
      'From: billing@vendor.example', 'To: Victim <victim@corpus.example>, "Doe, Jane" <jane@corpus.example>', 'Subject: =?UTF-8?Q?Rechnung_f=C3=BCr_Sie?=',
      'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'see attached', '--b',
      'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename="invoice.pdf"', 'Content-Transfer-Encoding: base64', '', b64, '--b--', '',
    ].join('\r\n'));
    expect(r.smtp.subject).toBe('Rechnung für Sie');
    expect(r.smtp.to).toEqual(['victim@corpus.example', 'jane@corpus.example']);
    expect(r.files.map((f) => [f.filename, f.declared_type, f.mime_type, f.size, f.sha256])).toEqual([
      ['invoice.pdf', 'application/pdf', 'application/x-msdownload', MZ.length, createHash('sha256').update(MZ).digest('hex')],
    ]);
    expect(anomalies).toEqual([expect.stringMatching(/^file_type_mismatch: invoice\.pdf: labelled application\/pdf, content is application\/x-msdownload/)]);
  });

  it('decodes uuencoded attachments in a text body', async () => {
    const uu = ['begin 644 hi.txt', '#:&D*', '`', 'end'].join('\n');
    expect(uudecode(enc.encode(uu))).toEqual({ name: 'hi.txt', data: enc.encode('hi\n') });
    const { r } = await records(`Subject: uu\r\n\r\nhere it is\r\n${uu}\r\n`);
    expect(r.files.map((f) => [f.filename, f.size, f.part_path])).toEqual([['hi.txt', 3, '1.uu']]);
  });

  it('numbers parts through a forwarded message as IMAP does', async () => {
    const inner = ['From: x@y', 'Subject: inner', 'Content-Type: multipart/mixed; boundary=i', '', '--i', 'Content-Type: text/plain', '', 'inner body', '--i',
      'Content-Type: text/plain; name=a.txt', '', 'AAA', '--i--', ''].join('\r\n');
    const { r } = await records(['Subject: fwd', 'Content-Type: multipart/mixed; boundary=o', '', '--o', 'Content-Type: text/plain', '', 'fwd',
      '--o', 'Content-Type: message/rfc822', '', inner, '--o--', ''].join('\r\n'), true);
    expect(r.files.map((f) => [f.part_path, f.filename, f.size])).toEqual([['1', null, 3], ['2.1', null, 10], ['2.2', 'a.txt', 3], ['2', null, inner.length]]);
    expect(r.smtp.skeleton).toContain('    Subject: inner');
  });

  it('reports malformed structure and keeps what it found', async () => {
    const { r, anomalies } = await records('Subject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: image/png; name=p.png\r\n\r\nnot a png\r\n');
    expect(anomalies).toContainEqual(expect.stringMatching(/^mime_unterminated_multipart/));
    expect(r.files.map((f) => f.filename)).toEqual(['p.png']);
    const nob = await records('Subject: x\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n');
    expect(nob.anomalies).toContainEqual(expect.stringMatching(/^mime_no_boundary/));
    let deep = 'Content-Type: text/plain\r\n\r\nbottom\r\n';
    for (let i = 0; i < 30; i++) deep = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${deep}--b${i}--\r\n`;
    expect((await records(`Subject: deep\r\n${deep}`)).anomalies).toContainEqual(expect.stringMatching(/^mime_too_deep/));
  });

  it('keeps a 5 MB Subject and 200,000 To addresses within their bounds, and the rest of the record whole', async () => {
    const to = Array.from({ length: 200_000 }, (_x, i) => `u${i}@corpus.example`).join(', ');
    const { r, anomalies } = await records(['From: Billing <billing@vendor.example>', `To: ${to}`, `Subject: ${'A'.repeat(5 << 20)}`, 'Cc: c@corpus.example',
      'Message-ID: <m1@vendor.example>', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: application/pdf; name=a.pdf', '', '%PDF-1.4 x', '--b--', ''].join('\r\n'));
    expect(jsonStringBytes(r.smtp.subject!)).toBeLessThanOrEqual(SMTP_MAX_HEADER_BYTES);
    expect(r.smtp.subject).toBe('A'.repeat(SMTP_MAX_HEADER_BYTES - 2));
    expect(r.smtp.to).toHaveLength(SMTP_MAX_ADDRESSES);
    expect(r.smtp.to.slice(0, 2)).toEqual(['u0@corpus.example', 'u1@corpus.example']);
    expect([r.smtp.from, r.smtp.cc, r.smtp.message_id, r.smtp.rcpt_to, r.files.map((f) => f.filename)]).toEqual(
      ['Billing <billing@vendor.example>', ['c@corpus.example'], '<m1@vendor.example>', ['b@y'], ['a.pdf']]);
    // both header lines are far past RFC 5322's 998 (flagged, kept), then cut to the record's bounds
    const line = (name: string, value: string): number => Buffer.byteLength(`${name}: ${value}`);
    expect(anomalies).toEqual([
      `mime_header_line_too_long: To: ${line('To', to)} bytes (RFC 5322: 998)`,
      `mime_header_line_too_long: Subject: ${line('Subject', 'A'.repeat(5 << 20))} bytes (RFC 5322: 998)`,
      `smtp_header_truncated: to: 200000 entries, first ${SMTP_MAX_ADDRESSES} kept (at most ${SMTP_MAX_ADDRESSES} entries, 262144 bytes)`,
      `smtp_header_truncated: subject: ${5 << 20} characters, first ${SMTP_MAX_HEADER_BYTES - 2} kept (at most ${SMTP_MAX_HEADER_BYTES} bytes)`,
    ]);
  });

  it('parses the kept start of a message longer than the analyzer keeps: headers, skeleton, the attachments in it, the mismatch', async () => {
    // an .exe labelled invoice.pdf, then a padding part that runs far past the analyzer's limit
    const b64 = MZ.toString('base64').replace(/.{76}/g, '$&\r\n');
    const content = ['From: evil@x', 'Subject: invoice', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=b', '', '--b',
      'Content-Type: application/pdf; name=invoice.pdf', 'Content-Transfer-Encoding: base64', '', b64, '--b', 'Content-Type: text/plain', '',
      'x'.repeat(20_000), '--b--', ''].join('\r\n');
    const s = new Session();
    s.uid = 'Ctest';
    const msgs: SmtpMessage[] = [];
    const a = new SmtpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (m) => msgs.push(m), maxMessage: 4096 });
    for (const [d, t] of [[RESP, '220 mx\r\n'], [ORIG, 'EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n'], [RESP, '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n'],
      [ORIG, `${content}.\r\n`], [RESP, '250 queued\r\n']] as const) a.deliver(d, enc.encode(t));
    a.end(ORIG);
    a.end(RESP);
    expect(msgs).toHaveLength(1);
    const anomalies: string[] = [];
    const r = await mailRecords(msgs[0]!, { anomalies: new AnomalyLog((x) => anomalies.push(`${x.name}: ${x.detail}`)), filesDir: null });
    expect([r.smtp.subject, r.smtp.from, r.smtp.data_bytes]).toEqual(['invoice', 'evil@x', content.length]);
    expect(r.files.map((f) => [f.filename, f.mime_type, f.size])).toEqual([['invoice.pdf', 'application/x-msdownload', MZ.length]]);
    expect(r.smtp.fuids).toEqual([r.files[0]!.fuid]);
    expect(r.smtp.skeleton).toContain('Filename: invoice.pdf');
    expect(r.smtp.skeleton).toContain('Part: 2');
    expect(r.smtp.skeleton!.split('\n').at(-1)).toBe(`Cut: the first 4096 of ${content.length} bytes were kept`);
    expect(anomalies).toContainEqual(expect.stringMatching(/^file_type_mismatch: invoice\.pdf: labelled application\/pdf, content is application\/x-msdownload/));
  });

  it('decodes transfer encodings only, which never grow a part: gzip inside a part stays gzip', async () => {
    const zeros = new Uint8Array(1 << 20);
    const gz = gzipSync(zeros);
    const { r } = await records(['Subject: gz', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: application/gzip; name=z.gz',
      'Content-Encoding: gzip', 'Content-Transfer-Encoding: base64', '', gz.toString('base64').replace(/.{76}/g, '$&\r\n'), '--b--', ''].join('\r\n'));
    expect(r.files.map((f) => [f.filename, f.size, f.mime_type])).toEqual([['z.gz', gz.length, 'application/gzip']]);
  });

  it('parses address lists', () => {
    expect(addresses('"Doe, Jane" <jane@x.example>, bob@y.example, Carol <carol@z.example>')).toEqual(['jane@x.example', 'bob@y.example', 'carol@z.example']);
    expect(addresses('undisclosed-recipients:;')).toEqual([]);
  });

  it('never throws on mangled messages', async () => {
    const base = ['From: a@x', 'Subject: =?UTF-8?B?bad', 'Content-Type: multipart/mixed; boundary="q"', '', '--q', 'Content-Type: message/rfc822', '',
      'Content-Type: multipart/alternative; boundary=r', '', '--r', 'Content-Transfer-Encoding: quoted-printable', '', '=ZZ=4', '--r',
      'Content-Type: application/x; name*0*=bad%ZZ; filename*=x', 'Content-Transfer-Encoding: base64', '', '!!!@@@', '--q--', ''].join('\r\n');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 30 }), fc.string({ maxLength: 20 })), { maxLength: 12 }), async (edits) => {
        let t = base;
        for (const [at, del, ins] of edits) t = t.slice(0, at) + ins + t.slice(at + del);
        await records(t, true);
      }),
      { numRuns: 150 },
    );
  });
});

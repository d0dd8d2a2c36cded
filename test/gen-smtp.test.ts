// Our SMTP capture (test/fixtures/gen/smtp-attachments.pcap): every message's content byte-identical to what
// the server stored, envelopes and decoded subjects as sent, every attachment with the md5/sha256 known by
// construction (RFC 2231 and encoded-word names, nested and forwarded parts, dot-stuffing, bare LF, the
// two messages of the RSET session), and the same result however the streams are cut into segments.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../src/core/anomaly.js';
import { Session } from '../src/flow/session.js';
import { SmtpAnalyzer, type SmtpMessage } from '../src/analyzers/smtp/smtp-analyzer.js';
import { Engine } from '../src/pipeline/engine.js';
import { mailRecords } from '../src/pipeline/mail.js';
import { ORIG, RESP, type Dir } from '../src/reassembly/stream-analyzer.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const PCAP = join(GEN, 'smtp-attachments.pcap');
interface Attachment { filename: string; size: number; md5: string; sha256: string; content_type: string }
interface Sent { id: string; port: number; session: number; mail_from: string; rcpt: string[]; subject: string; attachments: Attachment[] }
const expected = readJson<{ sent_by_construction: Sent[]; received_by_server: { name: string; size: number; sha256: string }[] }>(
  join(GEN, 'expected/smtp-attachments.pcap.json'),
);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Every TCP session's deliveries in the order the reassembler made them, and the messages the analyzer made. */
async function sessions(): Promise<{ deliveries: [Dir, Uint8Array][][]; messages: SmtpMessage[]; all: SmtpMessage[] }> {
  const deliveries: [Dir, Uint8Array][][] = [];
  const messages: SmtpMessage[] = [];
  const engine: Engine = new Engine({}, {
    streams: (s) => {
      const log: [Dir, Uint8Array][] = [];
      deliveries.push(log);
      const a = new SmtpAnalyzer({ session: s, anomalies: engine.anomalies, emit: (m) => messages.push(m) });
      return {
        deliver: (d, b) => {
          log.push([d, b.slice()]);
          a.deliver(d, b);
        },
        gap: (d, l) => a.gap(d, l),
        end: (d) => a.end(d),
      };
    },
  });
  await engine.run([PCAP]);
  // the messages, and the transactions that ended without one (the RSET session's aborted MAIL/RCPT)
  return { deliveries, messages: messages.filter((m) => m.data !== null), all: messages };
}

/** Replays deliveries, each cut at the given points, into a fresh analyzer. */
function replay(log: [Dir, Uint8Array][], cuts: number[]): SmtpMessage[] {
  const out: SmtpMessage[] = [];
  const s = new Session();
  s.uid = 'Ctest';
  const a = new SmtpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (m) => out.push(m) });
  for (const [d, b] of log) {
    const pts = [...new Set([0, ...cuts.filter((c) => c < b.length), b.length])].sort((x, y) => x - y);
    for (let i = 1; i < pts.length; i++) a.deliver(d, b.subarray(pts[i - 1]!, pts[i]!));
  }
  a.end(ORIG);
  a.end(RESP);
  return out;
}

const summary = (m: SmtpMessage): unknown => ({ from: m.mailFrom, rcpt: m.rcptTo, data: m.data === null ? null : sha256(m.data), reply: m.lastReply, depth: m.transDepth });

describe('smtp: smtp-attachments.pcap', async () => {
  const { deliveries, messages, all } = await sessions();

  it('takes out every message byte-identical to what the server stored, with its envelope', () => {
    expect(messages.map((m) => sha256(m.data!))).toEqual(expected.received_by_server.map((r) => r.sha256));
    expect(messages.map((m) => m.dataBytes)).toEqual(expected.received_by_server.map((r) => r.size));
    expect(messages.map((m) => [m.mailFrom, m.rcptTo, m.session.bPort])).toEqual(expected.sent_by_construction.map((s) => [s.mail_from, s.rcpt, s.port]));
    expect(messages.map((m) => m.lastReply)).toEqual(messages.map(() => expect.stringMatching(/^250 /)));
    // the RSET session: the aborted transaction (MAIL, RCPT, RSET: by construction, see the note of m6) is
    // transaction 1, with its envelope and no content; its two messages are transactions 2 and 3
    const aborted = all.filter((m) => m.data === null);
    expect(aborted.map((m) => [m.mailFrom, m.rcptTo, m.transDepth, m.lastReply])).toEqual([['aborted@corpus.example', ['nobody@corpus.example'], 1, '250 2.1.5 Ok']]);
    const rset = messages.filter((m) => m.mailFrom === 'alice@corpus.example');
    expect(rset.map((m) => [m.session.uid === aborted[0]!.session.uid, m.transDepth])).toEqual([[true, 2], [true, 3]]);
  });

  it('decodes subjects and extracts every attachment with the hashes known by construction', async () => {
    const anomalies = new AnomalyLog(() => undefined);
    const recs = [];
    for (const m of messages) recs.push(await mailRecords(m, { anomalies, filesDir: null }));
    expect(recs.map((r) => r.smtp.subject)).toEqual(expected.sent_by_construction.map((s) => s.subject));
    for (const [i, s] of expected.sent_by_construction.entries()) {
      const files = recs[i]!.files;
      expect({ id: s.id, files: files.map((f) => [f.filename, f.size, f.md5, f.sha256]) })
        .toEqual({ id: s.id, files: s.attachments.map((a) => [a.filename, a.size, a.md5, a.sha256]) });
      expect(files.map((f) => f.declared_type)).toEqual(s.attachments.map((a) => a.content_type));
      expect(recs[i]!.smtp.fuids).toEqual(files.map((f) => f.fuid));
    }
    expect(anomalies.counts.get('file_type_mismatch') ?? 0).toBe(0);
  });

  it('gives the same messages however each delivery is cut into segments', () => {
    const smtpLogs = deliveries.filter((l) => l.length > 0);
    const whole = smtpLogs.map((l) => replay(l, []).map(summary));
    expect(whole.flat().length).toBe(all.length);
    for (const [k, log] of smtpLogs.entries()) {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 25 }), (cuts) => {
          expect(replay(log, cuts).map(summary)).toEqual(whole[k]);
        }),
        { numRuns: 25 },
      );
    }
  });

  it('haystack extract writes each object once under files/ and prints the skeletons', async () => {
    const dir = scratchDir('extract');
    const r = await cli('extract', PCAP, '-o', dir);
    expect(r.code).toBe(0);
    const total = expected.sent_by_construction.reduce((a, m) => a + m.attachments.length, 0);
    expect(r.err).toContain(`10 messages, ${total} objects`);
    expect(r.out).toContain('Filename: отчёт.docx');
    expect(r.out).toContain('Filename: Grüße aus München.txt');
    const stored = readdirSync(join(dir, 'files'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const want = new Set(expected.sent_by_construction.flatMap((s) => s.attachments.map((a) => a.sha256)));
    expect(new Set(stored.map((e) => e.name))).toEqual(want);
    for (const e of stored) expect(sha256(readFileSync(join(e.parentPath, e.name)))).toBe(e.name);
    const j = await cli('extract', PCAP, '-o', dir, '--json', '--proto', 'smtp', '--filter', 'subject ~ "lebenslauf"');
    const lines = j.out.trim().split('\n').map((l) => JSON.parse(l) as { smtp: { subject: string }; files: { stored_path: string }[] });
    expect(lines.map((l) => l.smtp.subject)).toEqual(['Lebenslauf für Jürgen']);
    expect(lines[0]!.files.map((f) => f.stored_path)).toEqual([expect.stringMatching(/^files\/50\/5060f032/), expect.any(String), expect.any(String)]);
    const t = await cli('smtp', PCAP, '--format', 'csv', '--fields', 'dst_port,mail_from,subject');
    expect(t.out.split('\n').slice(1).filter((l) => l.startsWith('587,'))).toEqual(['587,submit@corpus.example,Submission port 587']);
  });
});

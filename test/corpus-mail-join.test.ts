// maillog A, logs and capture of the same traffic in one store: `haystack mail` joins every message's log
// lines (queue ids followed to postfix and to DSNs, opendkim, postfix smtpd's client lines) to its SMTP
// transactions on the wire. What is right comes from expected.json (the daemons' own output, the clients'
// manifest and tshark): the line numbers of each queue id, the relays' postfix queue ids and client ports,
// the client port of each transaction, Message-IDs and attachment hashes by construction. Run on DuckDB and
// on a ClickHouse server (the joins are SQL in both dialects).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMail, type MailMessage } from '../src/store/mail.js';
import type { Store } from '../src/store/store.js';
import { clickhouseBinary } from './helpers/clickhouse-server.mjs';
import { ingestMaillogA, maillogBackends } from './helpers/maillog-store.js';
import { cli } from './helpers/cli.js';
import { corpusDir, readJson } from './helpers/run.js';

const root = corpusDir();
const bin = root === null ? null : clickhouseBinary();

interface Correlation {
  step: string;
  transaction: number;
  client_port: number;
  server: string;
  queue_id: string | null;
  message_id: string | null;
  outcome: string;
  relayed_to_postfix?: { postfix_queue_id: string; sendmail_client_port: number }[];
  dsn_queue_id?: string;
}
interface Expected {
  correlation: Correlation[];
  sendmail_queue_ids: Record<string, { lines: { n: number }[] }>;
  postfix_queue_ids: Record<string, { lines: { n: number }[] }>;
  postfix_smtpd_sessions: { queue_ids: string[]; client_port: number; lines: { n: number }[] }[];
  postfix_noqueue: { line_n: number; client_port: number }[];
  opendkim: Record<string, { line_n: number }[]>;
  messages: {
    step: string; transaction: number; envelope_from: string; attachments: { sha256: string; sha256_lf?: string }[];
    smtp: { mail_reply: [number, string]; rcpt_replies: [string, number, string][] };
  }[];
}

/** The log lines expected.json gives for a queue id: its own, opendkim's, and postfix smtpd's client session. */
function linesOf(want: Expected, q: string): number[] {
  return [
    ...(want.sendmail_queue_ids[q]?.lines ?? []).map((l) => l.n),
    ...(want.postfix_queue_ids[q]?.lines ?? []).map((l) => l.n),
    ...(want.opendkim[q] ?? []).map((l) => l.line_n),
    ...want.postfix_smtpd_sessions.filter((s) => s.queue_ids.includes(q)).flatMap((s) => s.lines.map((l) => l.n)),
  ];
}

/** What the smtp record of a transaction refused before DATA holds, and what the manifest says it should. */
function refused(r: MailMessage['wire'][number]['smtp']): unknown {
  return r === null ? null : { mail_from: r.mail_from, rcpt_to: r.rcpt_to, last_reply: r.last_reply, data_bytes: Number(r.data_bytes), subject: r.subject };
}
function refusal(want: Expected, c: Correlation): unknown {
  const msg = want.messages.find((x) => x.step === c.step && x.transaction === c.transaction)!;
  // the transaction's last reply: to its last RCPT, or to MAIL when that was refused (then no RCPT was sent)
  const last = msg.smtp.rcpt_replies.length > 0 ? msg.smtp.rcpt_replies[msg.smtp.rcpt_replies.length - 1]!.slice(1) : msg.smtp.mail_reply;
  return { mail_from: msg.envelope_from, rcpt_to: msg.smtp.rcpt_replies.map((r) => r[0]), last_reply: `${last[0]} ${last[1]}`, data_bytes: 0, subject: null };
}

const ports = (m: MailMessage): number[] => m.wire.map((w) => Number((w.smtp ?? w.session)!.src_port)).sort((a, b) => a - b);
const uniqSorted = (xs: number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

const { backends: BACKENDS, stopServers } = maillogBackends('mail', bin);

for (const backend of BACKENDS) {
  describe.skipIf(root === null || (backend.name === 'clickhouse' && bin === null))(`maillog A joined to its capture: ${backend.name}`, () => {
    const dir = join(root ?? '', 'maillog/A');
    const want = root === null ? null! : readJson<Expected>(join(dir, 'expected.json'));
    let url = '';
    let store: Store;

    beforeAll(async () => {
      url = await backend.url();
      store = await ingestMaillogA(url, dir);
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await stopServers();
    }, 60_000);

    it('every queue id: exactly its log lines (relays to postfix and DSNs followed) and its own transactions on the wire', async () => {
      const withQueue = want.correlation.filter((c) => c.queue_id !== null);
      expect(withQueue.length).toBe(35);
      for (const c of withQueue) {
        const r = await findMail(store, c.queue_id!);
        const what = `${c.step}/${c.transaction} ${c.queue_id}`;
        expect(r.kind, what).toBe('queue-id');
        expect(r.messages.length, what).toBe(1);
        const m = r.messages[0]!;
        const qs = [c.queue_id!, ...(c.relayed_to_postfix ?? []).map((p) => p.postfix_queue_id), ...(c.dsn_queue_id !== undefined ? [c.dsn_queue_id] : [])];
        expect([...m.queue_ids].sort(), what).toEqual([...qs].sort());
        expect(uniqSorted(m.lines.map((l) => l.line_no)), what).toEqual(uniqSorted(qs.flatMap((q) => linesOf(want, q))));
        // in time order
        expect(m.lines.map((l) => l.ts!), what).toEqual([...m.lines.map((l) => l.ts!)].sort((a, b) => a - b));
        // on the wire: the client's transaction (or its session, when no message was sent) and each relay leg
        expect(ports(m), what).toEqual([c.client_port, ...(c.relayed_to_postfix ?? []).map((p) => p.sendmail_client_port)].sort((a, b) => a - b));
        const client = m.wire.find((w) => Number((w.smtp ?? w.session)!.src_port) === c.client_port)!;
        if (c.outcome === 'accepted' && c.step !== 'A12') {
          expect(client.join, what).toBe('queue id in the server reply');
          expect(client.smtp!.message_id ?? null, what).toBe(c.message_id !== null && c.message_id.includes(c.queue_id!) ? null : c.message_id);
          const msg = want.messages.find((x) => x.step === c.step && x.transaction === c.transaction)!;
          const got = new Set(client.files.map((f) => String(f.sha256)));
          for (const a of msg.attachments) expect(got.has(a.sha256) || (a.sha256_lf !== undefined && got.has(a.sha256_lf)), `${what} ${a.sha256}`).toBe(true);
        } else if (c.step === 'A12') {
          // STARTTLS: the session is joined by address and time, the message itself is encrypted
          expect([client.join, client.smtp?.starttls === true || client.smtp?.starttls === 1], what).toEqual(['client address and time', true]);
        } else if (c.outcome === 'rejected') {
          expect([client.join, client.smtp!.message_id], what).toEqual(['Message-ID and client address', c.message_id]);
        } else {
          // refused before DATA: no message was transferred; the transaction's record has the envelope and the
          // reply that refused it (the clients' manifest: what the server answered the last RCPT)
          expect([client.join, client.session !== null], what).toEqual(['client address and time', true]);
          expect(refused(client.smtp), what).toEqual(refusal(want, c));
        }
        for (const p of c.relayed_to_postfix ?? []) {
          const leg = m.wire.find((w) => Number(w.smtp?.src_port) === p.sendmail_client_port)!;
          expect([leg.join, leg.smtp!.last_reply], what).toEqual(['queue id in the server reply', `250 2.0.0 Ok: queued as ${p.postfix_queue_id}`]);
        }
      }
    });

    it('postfix NOQUEUE rejects are found by address and joined by client address and port', async () => {
      for (const c of want.correlation.filter((x) => x.queue_id === null)) {
        const msg = want.messages.find((x) => x.step === c.step && x.transaction === c.transaction)!;
        const r = await findMail(store, msg.envelope_from);
        const hit = r.messages.filter((m) => m.queue_ids.length === 0 && ports(m).includes(c.client_port));
        expect(hit.length, c.step).toBe(1);
        const line = want.postfix_noqueue.find((n) => n.client_port === c.client_port)!;
        expect(hit[0]!.lines.map((l) => l.line_no), c.step).toEqual([line.line_n]);
        expect(hit[0]!.wire.map((w) => [w.join, refused(w.smtp)]), c.step).toEqual([['client address and port', refusal(want, c)]]);
      }
    });

    it('a Message-ID sent twice is two messages, each with its own transaction', async () => {
      const id = '<plan-q1.A02@ws-alice.acme.test>';
      const sent = want.correlation.filter((c) => c.message_id === id);
      expect(sent.length).toBe(2);
      const r = await findMail(store, id);
      expect(r.kind).toBe('message-id');
      expect(r.messages.map((m) => m.queue_ids[0])).toEqual(sent.map((c) => c.queue_id));
      expect(r.messages.map((m) => ports(m))).toEqual(sent.map((c) => [c.client_port]));
    });

    it('a message clients fetched over IMAP: its copies are shown as fetches (by Message-ID), never as legs of its way', async () => {
      // the Message-IDs of the messages tshark decodes in the capture's IMAP responses (imf), sent with a queue id
      const out = execFileSync('tshark', ['-r', join(dir, 'smtp-imap.pcap'), '-Y', 'imap && imf', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=\t', '-e', 'imf.message_id'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const read = new Set(out.split(/[\n\t]/).filter((x) => x !== '').map((x) => `<${x.replace(/^<|>$/g, '')}>`));
      const sent = want.correlation.filter((c) => c.queue_id !== null && c.outcome === 'accepted' && c.message_id !== null && read.has(c.message_id));
      expect(sent.length).toBeGreaterThan(0);
      let copies = 0;
      for (const c of sent) {
        const m = (await findMail(store, c.queue_id!)).messages[0]!;
        const what = `${c.step}/${c.transaction} ${c.queue_id}`;
        // the legs are the SMTP transactions (the client's and each relay's), as above, whatever was fetched
        expect(ports(m), what).toEqual([c.client_port, ...(c.relayed_to_postfix ?? []).map((p) => p.sendmail_client_port)].sort((a, b) => a - b));
        // tshark's imf also decodes header-only fetches: a message read that way has no whole copy
        expect(m.fetches.every((f) => f.via === 'imap' && f.user !== null && f.command !== null && /\bFETCH\b/i.test(f.command)), what).toBe(true);
        expect(m.fetches.map((f) => f.ts), what).toEqual([...m.fetches.map((f) => f.ts)].sort((a, b) => a - b));
        copies += m.fetches.length;
      }
      expect(copies).toBeGreaterThan(0);
      // by Message-ID: the messages sent (a resend is another message), not one more per fetched copy
      const byId = await findMail(store, sent[0]!.message_id!);
      expect(byId.messages.length).toBe(want.correlation.filter((c) => c.message_id === sent[0]!.message_id).length);
      expect(byId.messages.every((x) => x.wire.every((w) => w.smtp === null || w.smtp.mail_from !== null))).toBe(true);
    });

    it('an address is found in any letter case and also when written <like@this>', async () => {
      const lower = await findMail(store, 'erin@partner.test');
      expect(lower.messages.length).toBeGreaterThan(0);
      const sig = (r: typeof lower): string[] => r.messages.map((m) => m.queue_ids.join('+'));
      expect(sig(await findMail(store, 'Erin@PARTNER.test'))).toEqual(sig(lower));
      const bracketed = await findMail(store, '<erin@partner.test>');
      expect([bracketed.kind, sig(bracketed)]).toEqual(['address', sig(lower)]);
    });

    it('haystack mail prints the lines and the transaction; an unknown key is exit status 1', async () => {
      const c = want.correlation.find((x) => x.step === 'A05')!;
      const r = await cli('mail', c.queue_id!, '--db', url);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`queue ${c.queue_id} → ${c.relayed_to_postfix![0]!.postfix_queue_id}`);
      expect(r.out).toContain(`:${c.client_port} → `);
      expect(r.out).toContain('(joined by queue id in the server reply)');
      const none = await cli('mail', 'ZZZZZZZZZZ', '--db', url);
      expect([none.code, none.err]).toEqual([1, 'haystack mail: no log line or captured message carries queue-id ZZZZZZZZZZ\n']);
    });
  });
}

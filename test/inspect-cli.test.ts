// `haystack inspect` and ingest's findings on captures made here with real clients and servers: the logins of
// test/fixtures/mailftp (vsftpd, dovecot; make-mailftp-gen.sh: anonymous FTP, bob over POP3 and IMAP, one IMAP
// login with a wrong password) are reported with their users and never with the password; in a store, value_hmac is
// the HMAC of the value under the store's own key, and that key is never exported. `--reveal` is shown on a card
// number of the labelled corpus (test/fixtures/inspect), whose clear value is not its mask.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
import { listAudit, storeKey } from '../src/store/app-tables.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/mailftp');
const PCAP = join(DIR, 'mailftp-gen.pcap');
const made = JSON.parse(readFileSync(join(DIR, 'mailftp-gen.construction.json'), 'utf8')) as { password: string; ftp_user: string; mail_user: string };

interface Row { [k: string]: unknown }
const rows = (out: string): Row[] => out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);

describe('haystack inspect: cleartext logins', () => {
  it('names each session\'s login with its user and protocol, and never prints the password', async () => {
    const r = await cli('inspect', PCAP, '--format', 'jsonl');
    expect(r.code).toBe(0);
    expect(r.out + r.err).not.toContain(made.password);
    const logins = rows(r.out).filter((f) => f.detector === 'cleartext_credentials');
    // by construction: 4 FTP sessions of curl as anonymous, 2 POP3 and 2 IMAP sessions as bob (one of them refused)
    const by = (p: string): Row[] => logins.filter((f) => f.app_proto === p);
    expect(by('ftp').map((f) => f.masked)).toEqual(Array(4).fill(made.ftp_user));
    expect(by('pop3').map((f) => f.masked)).toEqual(Array(2).fill(made.mail_user));
    expect(by('imap').map((f) => f.masked)).toEqual(Array(2).fill(made.mail_user));
    for (const f of logins) {
      expect(f).toMatchObject({ category: 'credential', confidence: 'high', side: 'client', count: 1 });
      expect(f.value_hmac).toMatch(/^[0-9a-f]{64}$/);
      expect(typeof f.community_id).toBe('string');
      expect(f.note).toMatch(new RegExp(`^(USER/PASS|AUTH PLAIN|AUTHENTICATE (LOGIN|PLAIN)) for user ${f.masked as string} over ${f.app_proto as string}$`));
    }
    // one user, one hash within the run
    expect(new Set(by('pop3').concat(by('imap')).map((f) => f.value_hmac)).size).toBe(1);
  });

});

describe('haystack inspect --reveal: printed in clear, keyed with the store\'s key, recorded in its audit table', () => {
  // inspect-http.pcap (test/fixtures/inspect): H1 is a form POST whose card_number field holds P001, a valid Visa
  // number written with dashes; the construction gives the number (its canonical digits) and where it is
  const INSPECT = join(ROOT, 'test/fixtures/inspect');
  const corpus = JSON.parse(readFileSync(join(INSPECT, 'inspect.construction.json'), 'utf8')) as { planted: { id: string; detector: string; value: string; wire: string | null }[] };
  const card = corpus.planted.find((p) => p.id === 'P001')!;
  const HTTP = join(INSPECT, 'inspect-http.pcap');

  it('shows a card number in clear beside its mask; its value_hmac is the store key\'s HMAC of it; the audit row holds no value', async () => {
    expect(card.detector).toBe('payment_card');
    const db = join(scratchDir('inspect-reveal'), 'a.duckdb');
    const r = await cli('inspect', HTTP, '--db', db, '--reveal', '--format', 'jsonl', '--filter', 'detector = "payment_card"');
    expect(r.code).toBe(0);
    expect(r.err).toContain('audit table');
    expect(r.err).not.toContain(card.value);
    const shown = rows(r.out);
    const row = shown.find((f) => f.value === card.value);
    expect(row, 'P001 among the revealed values').toBeDefined();
    // the mask hides the middle digits: it is not the value, in any spelling
    expect(row!.masked).not.toBe(card.value);
    expect(row!.masked).not.toBe(card.wire);
    expect(String(row!.masked).replace(/\D/g, '')).not.toBe(card.value);
    const store = await openStore(db);
    try {
      const key = await storeKey(store, 'finding_hmac');
      expect(row!.value_hmac).toBe(createHmac('sha256', key).update(card.value).digest('hex'));
      for (const f of shown) if (typeof f.value === 'string') expect(f.value_hmac).toBe(createHmac('sha256', key).update(f.value).digest('hex'));
      const { rows: audit } = await listAudit(store, { from: null, to: null, limit: 10 });
      expect(audit.length).toBe(1);
      expect(audit[0]).toMatchObject({
        action: 'reveal', user: userInfo().username, outcome: 'ok', target: HTTP, filter: 'detector = "payment_card"',
        rows: shown.filter((f) => typeof f.value === 'string').length,
      });
      // the audit row names no value, in any form the run printed it
      const text = JSON.stringify(audit);
      for (const f of shown) if (typeof f.value === 'string') expect(text.includes(f.value)).toBe(false);
      expect(text.includes(card.wire!)).toBe(false);
      // and inspect wrote nothing else to the store
      expect(Number((await store.query('SELECT count(*) AS n FROM findings')).rows[0]!.n)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('without a store there is no audit table to record it in: refused, nothing printed', async () => {
    const r = await cli('inspect', HTTP, '--reveal', '--format', 'jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('--reveal needs --db');
  });
});

describe('ingest: findings in the store', () => {
  it('keys value_hmac with the store\'s key, made once, which export refuses to write', async () => {
    const db = join(scratchDir('inspect-ingest'), 'a.duckdb');
    const w = await openStore(db);
    try {
      expect((await ingest(w, [PCAP])).files.map((f) => f.status)).toEqual(['ingested']);
      const key = await storeKey(w, 'finding_hmac');
      expect(Buffer.from(await storeKey(w, 'finding_hmac')).equals(Buffer.from(key))).toBe(true);
      const f = await w.query(`SELECT masked, value_hmac FROM findings WHERE detector = 'cleartext_credentials' AND app_proto = 'imap'`);
      expect(f.rows.length).toBe(2);
      for (const x of f.rows) expect(x.value_hmac).toBe(createHmac('sha256', key).update(made.mail_user).digest('hex'));
      const all = await w.query('SELECT * FROM findings');
      expect(JSON.stringify(all.rows, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).not.toContain(made.password);
    } finally {
      await w.close();
    }
    const e = await cli('export', 'store_keys', '--db', db, '--format', 'jsonl', '-o', join(scratchDir('inspect-export'), 'k.jsonl'));
    expect(e.code).not.toBe(0);
    expect(e.err).toContain('not exported');
  });
});

// `haystack inspect` and ingest's findings on captures made here with real clients and servers: the logins of
// test/fixtures/mailftp (vsftpd, dovecot; make-mailftp-gen.sh: anonymous FTP, bob over POP3 and IMAP, one IMAP
// login with a wrong password) are reported with their users and never with the password; in a store, value_hmac is
// the HMAC of the value under the store's own key, and that key is never exported.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
import { storeKey } from '../src/store/app-tables.js';
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

  it('--reveal adds the value in clear (here the user name: the password is never a value)', async () => {
    const r = await cli('inspect', PCAP, '--format', 'jsonl', '--reveal', '--filter', 'detector = "cleartext_credentials"');
    expect(r.err).toContain('--reveal');
    expect(rows(r.out).every((f) => f.value === f.masked)).toBe(true);
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

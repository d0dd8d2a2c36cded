// `haystack inspect` and ingest's findings on captures made here with real clients and servers: the logins of
// test/fixtures/mailftp (vsftpd, dovecot; make-mailftp-gen.sh: anonymous FTP, bob over POP3 and IMAP, one IMAP
// login with a wrong password) are reported with their users and never with the password; in a store, value_hmac is
// the HMAC of the value under the store's own key, and that key is never exported. `--reveal` is shown on a card
// number of the labelled corpus (test/fixtures/inspect), whose clear value is not its mask.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
      // the same capture ingested: the stored finding of that card carries the hash the reveal printed
      await ingest(store, [HTTP], { filesDir: null });
      const stored = await store.query(`SELECT masked FROM findings WHERE detector = 'payment_card' AND value_hmac = '${String(row!.value_hmac)}'`);
      expect(stored.rows.map((x) => x.masked)).toEqual([row!.masked]);
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

  it('a filter that reads the value is refused (the filter goes into the audit row), before anything is written', async () => {
    const db = join(scratchDir('inspect-reveal-filter'), 'a.duckdb');
    const r = await cli('inspect', HTTP, '--db', db, '--reveal', '--format', 'jsonl', '--filter', 'value = "4111111111111111"');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('--filter cannot read value');
    expect(existsSync(db)).toBe(false);
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

describe('haystack inspect --secrets-rules FILE: a gitleaks rule file made for the test', () => {
  // one rule of gitleaks' format for Slack bot tokens; inspect-http.pcap's H4 JSON body carries one (P207), and
  // nothing else in the corpus, planted or decoy, holds "xoxb"
  const INSPECT = join(ROOT, 'test/fixtures/inspect');
  const corpus = JSON.parse(readFileSync(join(INSPECT, 'inspect.construction.json'), 'utf8')) as { planted: { id: string; value: string }[]; decoys: unknown[] };
  const token = corpus.planted.find((p) => p.id === 'P207')!.value;
  const RULE = `title = "one rule, made for the test"

[[rules]]
id = "corpus-slack-bot"
description = "Slack bot token"
regex = '''\\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[a-zA-Z0-9]{24})\\b'''
keywords = ["xoxb"]
`;

  it('finds the planted token under the rule\'s name, masked, hashed with the store\'s key', async () => {
    const places = [...corpus.planted, ...corpus.decoys].filter((p) => JSON.stringify(p).includes('xoxb'));
    expect(places.length).toBe(1);
    const dir = scratchDir('inspect-rules');
    const file = join(dir, 'one-rule.toml');
    writeFileSync(file, RULE);
    const db = join(dir, 'a.duckdb');
    const r = await cli('inspect', join(INSPECT, 'inspect-http.pcap'), '--db', db, '--secrets-rules', file, '--format', 'jsonl', '--filter', 'detector = "gitleaks:corpus-slack-bot"');
    expect(r.code).toBe(0);
    expect(r.err).toContain(`${file}: 1 rules loaded`);
    expect(r.out + r.err).not.toContain(token);
    const found = rows(r.out);
    expect(found.length).toBe(1);
    expect(found[0]).toMatchObject({ category: 'secret', app_proto: 'http', count: 1 });
    const store = await openStore(db);
    try {
      expect(found[0]!.value_hmac).toBe(createHmac('sha256', await storeKey(store, 'finding_hmac')).update(token).digest('hex'));
    } finally {
      await store.close();
    }
  });

  it('a file that is not TOML: an error naming the file and the line, nothing inspected', async () => {
    const file = join(scratchDir('inspect-rules-bad'), 'bad.toml');
    // line 5 opens a multi-line string that never closes
    writeFileSync(file, 'title = "bad"\n\n[[rules]]\nid = "x"\nregex = \'\'\'abc\n');
    const r = await cli('inspect', join(INSPECT, 'inspect-http.pcap'), '--secrets-rules', file, '--format', 'jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`--secrets-rules ${file}: gitleaks rules: not TOML at line 5,`);
  });

  it('a file none of whose rules load: an error naming the file, each rule\'s line and why', async () => {
    const file = join(scratchDir('inspect-rules-none'), 'none.toml');
    // the rule's [[rules]] header is line 3; its regex does not close a group; the second rule has a lookahead (not RE2)
    writeFileSync(file, 'title = "bad"\n\n[[rules]]\nid = "open-group"\nregex = "a(b"\nkeywords = ["a"]\n\n[[rules]]\nid = "lookahead"\nregex = \'\'\'tok(?=en)\'\'\'\nkeywords = ["tok"]\n');
    const r = await cli('inspect', join(INSPECT, 'inspect-http.pcap'), '--secrets-rules', file, '--format', 'jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: rule open-group: regex: .+`));
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: rule lookahead: .+`));
  });
});

describe('haystack inspect --remote-access DIR: a LOLRMM-format directory made for the test', () => {
  // tls-clients.pcapng (test/fixtures/gen): ClientHellos to 25 server names under example.com/.org/.net, listed by
  // tshark in expected/tls-clients.pcapng.json. The directory's one tool names *.example.net (any name below it)
  // and api.example.org; the built-in catalogue is replaced, so no other tool can be named.
  const GEN = join(ROOT, 'test/fixtures/gen');
  const hellos = (JSON.parse(readFileSync(join(GEN, 'expected/tls-clients.pcapng.json'), 'utf8')) as { client_hellos: { sni: string | null }[] }).client_hellos;
  const YAML = `Name: Corpus RMM
Category: RMM
Description: a remote-access tool made up for this test
Artifacts:
    Network:
        - Description: its relays
          Domains:
              - '*.example.net'
              - api.example.org
          Ports:
              - 443
`;

  it('names the tool for every ClientHello whose SNI is one of its names, and only those', async () => {
    const dir = scratchDir('inspect-lolrmm');
    writeFileSync(join(dir, 'corpus_rmm.yaml'), YAML);
    const r = await cli('inspect', join(GEN, 'tls-clients.pcapng'), '--remote-access', dir, '--format', 'jsonl', '--filter', 'detector = "remote_access"');
    expect(r.code).toBe(0);
    expect(r.err).toContain(`remote-access: 1 tools, 2 names from ${dir}`);
    const found = rows(r.out);
    expect(found.every((f) => f.note === 'tool Corpus RMM' && f.category === 'remote_access' && f.app_proto === 'tls')).toBe(true);
    const bySni = found.filter((f) => (f.validations as string[]).includes('source:sni'));
    const want = hellos.map((h) => h.sni).filter((s): s is string => s !== null && (s.toLowerCase().endsWith('.example.net') || s.toLowerCase() === 'api.example.org'));
    expect(want.length).toBeGreaterThanOrEqual(5);
    expect(bySni.map((f) => f.masked).sort()).toEqual(want.map((s) => s.toLowerCase()).sort());
    // the certificate's SANs are matched too (one step lower), but only against the tool's names
    for (const f of found.filter((x) => (x.validations as string[]).includes('source:san'))) expect(String(f.masked)).toMatch(/example\.net$|^api\.example\.org$/);
  });

  it('a directory with no YAML in it is an error naming it', async () => {
    const dir = scratchDir('inspect-lolrmm-empty');
    const r = await cli('inspect', join(GEN, 'tls-clients.pcapng'), '--remote-access', dir, '--format', 'jsonl');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`--remote-access ${dir}: no .yaml or .yml files in it`);
  });
});

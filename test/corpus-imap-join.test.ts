// maillog A, logs and capture of the same traffic in one store: dovecot's imap-login lines (Login:, aborted
// and failed logins, a pre-login timeout) joined to the IMAP TCP sessions they came over. What is right is
// expected.json's correlation_imap (step -> client port -> tcp stream -> dovecot session), built from the
// daemons' output and tshark: every pair found, no other pair, by dovecot's session id and, with the id left
// unread, by client and server address, user and time. Run on DuckDB and on a ClickHouse server. A second
// DuckDB store holds the log ingested as if written two hours east of UTC: the session id still joins.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../src/pipeline/ingest.js';
import { ingestLog } from '../src/pipeline/logs.js';
import { decodeDovecotSessionId, findImapLogins, unwrapClock, type ImapLogin } from '../src/store/imap-logins.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { clickhouseBinary } from './helpers/clickhouse-server.mjs';
import { ingestMaillogA, maillogBackends } from './helpers/maillog-store.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';
import { haveBrowser, launch, loginInPage, watchedPage } from './helpers/browser.js';
import { PASSWORDS, startTestServer, type TestServer } from './helpers/server.js';

const root = corpusDir();
const bin = root === null ? null : clickhouseBinary();

interface ImapPair {
  step: string;
  client_ip: string;
  client_port: number;
  tcp_stream: number;
  dovecot_session: string;
  user: string | null;
  login: boolean;
  end_reason: string;
  lines: number[];
}
interface Expected {
  correlation_imap: ImapPair[];
  dovecot_sessions: Record<string, { session_id_decoded: { rport: number; rip: string }; lip: string }>;
  lab: { dovecot: { ip: string; port: number } };
}

/** A joined login as the pairs are written: dovecot session -> client address and port of the TCP session. */
const pair = (x: ImapLogin): string => `${x.session_id} ${x.session === null ? '-' : `${String(x.session.src_ip)}:${String(x.session.src_port)}`}`;
const wantPair = (p: ImapPair): string => `${p.dovecot_session} ${p.client_ip}:${p.client_port}`;

async function loginsOf(store: Store, keys: string[], opts: { sessionIds?: boolean } = {}): Promise<ImapLogin[]> {
  const all = new Map<string, ImapLogin>();
  for (const k of keys) for (const x of (await findImapLogins(store, k, opts)).logins) all.set(`${x.lines[0]!.source}/${x.lines[0]!.line_no}`, x);
  return [...all.values()];
}

describe.skipIf(root === null)('dovecot session ids', () => {
  it('hold the client port and address expected.json decodes, and the time of the LOGIN (tshark) to the millisecond', () => {
    const want = readJson<Expected>(join(root!, 'maillog/A/expected.json'));
    for (const [id, s] of Object.entries(want.dovecot_sessions)) {
      const d = decodeDovecotSessionId(id);
      expect(d && { port: d.port, ip: d.ip }, id).toEqual({ port: s.session_id_decoded.rport, ip: s.session_id_decoded.rip });
    }
    // tshark: stream 26's "JBFC1 LOGIN alice" at 1795327903.724977 (2026-11-22T06:11:43.724977Z)
    const t = unwrapClock(decodeDovecotSessionId('0PX0WddgWcx/AAEL')!.clock48, Date.UTC(2026, 10, 22, 6, 11, 43) * 1000);
    expect(Math.abs(t - Date.UTC(2026, 10, 22, 6, 11, 43, 725) * 1000)).toBeLessThan(1000);
  });
});

const { backends: BACKENDS, stopServers } = maillogBackends('imapjoin', bin);

for (const backend of BACKENDS) {
  describe.skipIf(root === null || (backend.name === 'clickhouse' && bin === null))(`maillog A imap-login lines joined to IMAP sessions: ${backend.name}`, () => {
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

    for (const sessionIds of [true, false]) {
      it(`every correlation_imap pair and no other, by ${sessionIds ? 'dovecot session id' : 'client and server address, user and time'}`, async () => {
        const pairs = want.correlation_imap;
        expect(pairs.length).toBe(11);
        const got = await loginsOf(store, [...new Set(pairs.map((p) => p.client_ip))], { sessionIds });
        expect(got.map(pair).sort()).toEqual(pairs.map(wantPair).sort());
        for (const p of pairs) {
          const x = got.find((g) => g.session_id === p.dovecot_session)!;
          expect(x.join, p.step).toBe(sessionIds ? 'dovecot session id' : 'client and server address, user and time');
          expect([x.user, x.login, x.lip], p.step).toEqual([p.user, p.login, want.lab.dovecot.ip]);
          expect([String(x.session!.dst_ip), Number(x.session!.dst_port)], p.step).toEqual([want.lab.dovecot.ip, want.lab.dovecot.port]);
          // the login line and the session's other lines: auth verdicts, the imap process's logout
          expect(x.lines.map((l) => l.line_no).sort((a, b) => a - b), p.step).toEqual(expect.arrayContaining(p.lines));
          expect(x.lines.every((l) => l.fields.session === p.dovecot_session), p.step).toBe(true);
          // the session's LOGIN as captured: the same user, OK exactly when dovecot logged a login
          expect(x.imap.map((c) => [c.command, c.user, c.status]), p.step).toEqual(p.user === null ? [] : [...x.imap.map((c) => ['LOGIN', p.user, c.status])]);
          if (p.user !== null) expect(x.imap.some((c) => c.status === 'OK'), p.step).toBe(p.login);
        }
      });
    }

    it('the logins of a user: exactly that user\'s pairs; an unknown user none', async () => {
      for (const user of ['alice', 'bob', 'carol', 'dave', 'mallory']) {
        const r = await findImapLogins(store, user);
        expect(r.kind, user).toBe('imap-user');
        expect(r.logins.map(pair).sort(), user).toEqual(want.correlation_imap.filter((p) => p.user === user).map(wantPair).sort());
      }
      expect((await findImapLogins(store, 'BOB')).logins.length).toBe(want.correlation_imap.filter((p) => p.user === 'bob').length);
      expect((await findImapLogins(store, 'nobody')).logins).toEqual([]);
      const one = await findImapLogins(store, 'N0QgWtdg47J/AAEM');
      expect([one.kind, one.logins.map(pair)]).toEqual(['dovecot-session', ['N0QgWtdg47J/AAEM 127.0.1.12:45795']]);
    });

    it('haystack mail --imap prints the logins and their sessions; an unknown user is exit status 1', async () => {
      const r = await cli('mail', '--imap', 'dave', '--db', url);
      expect(r.code).toBe(0);
      for (const p of want.correlation_imap.filter((x) => x.user === 'dave')) {
        expect(r.out).toContain(`session <${p.dovecot_session}>`);
        expect(r.out).toContain(`${p.client_ip}:${p.client_port} → `);
      }
      expect(r.out).toContain('(joined by dovecot session id)');
      const json = await cli('mail', '--imap', 'carol', '--db', url, '--format', 'json');
      expect((JSON.parse(json.out) as { logins: ImapLogin[] }).logins.map(pair)).toEqual(['gA+QWtdg295/AAEN 127.0.1.13:57051']);
      const none = await cli('mail', '--imap', 'nobody', '--db', url);
      expect([none.code, none.err]).toEqual([1, 'haystack mail: no IMAP login of nobody in the logs\n']);
    });
  });
}

describe.skipIf(root === null)('maillog A with its log ingested in the wrong zone (+02:00)', () => {
  const dir = join(root ?? '', 'maillog/A');
  let store: Store;
  beforeAll(async () => {
    const url = join(scratchDir('imap-join-tz'), 'tz.duckdb');
    const w = await openStore(url);
    try {
      expect((await ingestLog(w, join(dir, 'maillog.traditional.log'), { year: 2026, tz: '+02:00' })).status).toBe('ingested');
      expect((await ingest(w, [join(dir, 'smtp-imap.pcap')])).files.map((f) => f.status)).toEqual(['ingested']);
    } finally {
      await w.close();
    }
    store = await openStore(url, { readOnly: true });
  }, 60_000);
  afterAll(async () => store?.close());

  it('the session id still joins every pair (its clock is UTC); address, user and time join none', async () => {
    const want = readJson<Expected>(join(dir, 'expected.json'));
    const ips = [...new Set(want.correlation_imap.map((p) => p.client_ip))];
    expect((await loginsOf(store, ips)).map(pair).sort()).toEqual(want.correlation_imap.map(wantPair).sort());
    expect((await loginsOf(store, ips, { sessionIds: false })).filter((x) => x.session !== null)).toEqual([]);
  });
});

describe.skipIf(root === null)('GET /api/reports/mail?imap=: the IMAP logins of a user for the console', () => {
  const dir = join(root ?? '', 'maillog/A');
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(scratchDir('imap-join-serve'), { webDir: join(ROOT, 'dist/web') });
    expect((await ingestLog(srv.store, join(dir, 'maillog.traditional.log'), { year: 2026 })).status).toBe('ingested');
    expect((await ingest(srv.store, [join(dir, 'smtp-imap.pcap')])).files.map((f) => f.status)).toEqual(['ingested']);
  }, 60_000);
  afterAll(async () => srv?.stop());

  it('a viewer gets bob\'s logins (a failed one, two that worked) joined to their sessions, and the read is audited', async () => {
    const want = readJson<Expected>(join(dir, 'expected.json'));
    const viewer = await srv.as('viewer');
    const before = srv.audits.length;
    const r = await viewer.get('/api/reports/mail?imap=bob');
    expect(r.status).toBe(200);
    const got = (r.json as { kind: string; logins: ImapLogin[] });
    expect([got.kind, got.logins.map(pair).sort()]).toEqual(['imap-user', want.correlation_imap.filter((p) => p.user === 'bob').map(wantPair).sort()]);
    expect(got.logins.map((x) => x.login).sort()).toEqual([false, true, true]);
    expect(srv.audits.slice(before).some((a) => a.action === 'query' && a.rows === 3)).toBe(true);
    expect((await viewer.get('/api/reports/mail?imap=')).status).toBe(400);
  });

  it.skipIf(!haveBrowser)('the console\'s /mail?imap=bob shows the three logins, their lines and the joined sessions', async () => {
    const b = await launch();
    try {
      const w = await watchedPage(b.browser);
      await loginInPage(w.page, srv.url, '/mail?imap=bob', 'viewer', PASSWORDS.viewer);
      await w.page.waitForSelector('[data-testid=imap-login]');
      const cards = await w.page.$$eval('[data-testid=imap-login]', (els) => els.map((e) => e.textContent ?? ''));
      expect(cards.length).toBe(3);
      for (const id of ['hmH7WddgV8x/AAEM', 'N0QgWtdg47J/AAEM', '42fHW9dgx9J/AAEM']) expect(cards.some((c) => c.includes(id) && c.includes('joined by dovecot session id')), id).toBe(true);
      expect(cards.filter((c) => c.includes('Aborted login')).length).toBe(1);
      expect(w.problems).toEqual([]);
    } finally {
      await b.close();
    }
  }, 60_000);
});

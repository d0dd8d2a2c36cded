// ssh records against the peers: every Zeek ssh.log baseline of the corpus field by field, the printed results
// of Zeek's other SSH tests, HASSH/HASSHServer as tshark computes them, and the ssh_fingerprint entries of
// expected.json (ja4.py's outputs, whose ssh_extras hold HASSH and version lines). Differences on purpose:
// test/known-differences-ssh.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/pipeline/api.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import type { SshRecord } from '../src/schema/ssh.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';

const corpus = corpusDir();
const BASE = 'pcap/zeek/baselines/scripts.base.protocols.ssh.';

interface Out {
  ssh: SshRecord[];
  sessions: SessionRecord[];
}

const cache = new Map<string, Promise<Out>>();
function records(file: string): Promise<Out> {
  let p = cache.get(file);
  if (p === undefined) {
    cache.set(file, (p = (async () => {
      const out: Out = { ssh: [], sessions: [] };
      for await (const r of analyze(join(corpus!, file), { tls: false, smtp: false, http: false })) {
        if (r.type === 'ssh') out.ssh.push(r.record);
        else if (r.type === 'session') out.sessions.push(r.record);
      }
      return out;
    })()));
  }
  return p;
}

/** Rows of a Zeek log as written (#fields header) or cut by zeek-cut -m (one plain header line). */
function zeekLog(path: string): Record<string, string>[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('### ') && !l.startsWith('#close'));
  let fields: string[] | null = null;
  const rows: Record<string, string>[] = [];
  for (const l of lines) {
    if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
    else if (l.startsWith('#')) continue;
    else if (fields === null) fields = l.split('\t');
    else rows.push(Object.fromEntries(l.split('\t').map((v, i) => [fields![i]!, v])));
  }
  return rows;
}

const zeekValue = (v: string | number | boolean | null): string => (v === null ? '-' : typeof v === 'boolean' ? (v ? 'T' : 'F') : String(v));
/** Zeek's one value for the two directions (find_bidirectional_alg). */
const composed = (c2s: string | null, s2c: string | null): string => (c2s === null || s2c === null ? '-' : c2s === s2c ? c2s : `To server: ${c2s}, to client: ${s2c}`);

/** Our record as Zeek's ssh.log columns (differences on purpose applied: see the known-differences list). */
function asZeek(r: SshRecord, zeekFingerprint: string): Record<string, string> {
  const fp = r.host_key_fingerprint;
  return {
    version: zeekValue(r.version),
    auth_success: zeekValue(r.auth_success),
    auth_attempts: String(r.auth_attempts),
    client: zeekValue(r.client),
    server: zeekValue(r.server),
    cipher_alg: composed(r.cipher_c2s, r.cipher_s2c),
    mac_alg: composed(r.mac_c2s, r.mac_s2c),
    compression_alg: composed(r.compression_c2s, r.compression_s2c),
    kex_alg: zeekValue(r.kex_alg),
    host_key_alg: zeekValue(r.host_key_alg),
    host_key_fingerprint: fp === null ? '-' : zeekFingerprint !== '-' && fp.startsWith(zeekFingerprint) ? zeekFingerprint : fp,
  };
}

const SSH_LOGS: Record<string, string> = {
  basic: 'pcap/zeek/ssh/ssh.pcap',
  curve25519_kex: 'pcap/zeek/ssh/ssh_kex_curve25519.pcap',
  dh_group18_kex: 'pcap/zeek/ssh/ssh_kex_dh_group18.pcap',
  mlkem_kex: 'pcap/zeek/ssh/ssh_kex_mlkem.pcap',
  'pre-banner': 'pcap/zeek/ssh/server-pre-banner-data.pcap',
  ssh_version_199: 'pcap/zeek/ssh/ssh_version_199.pcap',
  'half-duplex-client': 'pcap/zeek/ssh/ssh.client-side-half-duplex.pcap',
  'half-duplex-server': 'pcap/zeek/ssh/ssh.server-side-half-duplex.pcap',
  // SSH inside plain GRE (Zeek's core/tunnels/gre.test): the same record from the decapsulated session
  'core.tunnels.gre': 'pcap/zeek/tunnels/gre-sample.pcap',
};
/** the baseline directory of an SSH_LOGS key: an ssh test's short name, or a full baseline directory name */
const sshLogDir = (test: string): string => (test.startsWith('core.') ? `pcap/zeek/baselines/${test}` : `${BASE}${test}`);

describe.skipIf(corpus === null)('ssh vs Zeek ssh.log baselines, field by field', () => {
  const known = readJson<{ differences: { peer: string; field: string; check: string }[] }>(join(ROOT, 'test/known-differences-ssh.json')).differences;

  it('the known differences name only what this suite handles', () => {
    expect(known.filter((k) => k.peer === 'zeek').map((k) => k.field).sort()).toEqual(
      ['auth_success,auth_attempts', 'cipher_alg,mac_alg,compression_alg', 'direction', 'host_key_fingerprint', 'ssh1 host key', 'uid'].sort());
  });

  it('compares every ssh.log baseline of the corpus', () => {
    const base = join(corpus!, 'pcap/zeek/baselines');
    const all = readdirSync(base).filter((d) => existsSync(join(base, d, 'ssh.log'))).map((d) => `pcap/zeek/baselines/${d}`).sort();
    expect(all.length).toBe(9);
    expect(Object.keys(SSH_LOGS).map(sshLogDir).sort()).toEqual(all);
  });

  for (const [test, file] of Object.entries(SSH_LOGS)) {
    it(`${test}: every row of ssh.log, every column but uid and direction`, async () => {
      const rows = zeekLog(join(corpus!, `${sshLogDir(test)}/ssh.log`));
      const { ssh } = await records(file);
      expect(rows.length).toBeGreaterThan(0);
      // no session Zeek does not log either
      expect(ssh.length, 'ssh records').toBe(rows.length);
      for (const z of rows) {
        const r = ssh.find((x) => x.src_ip === z['id.orig_h'] && String(x.src_port) === z['id.orig_p'] && x.dst_ip === z['id.resp_h'] && String(x.dst_port) === z['id.resp_p']);
        expect(r, `${z['id.orig_h']}:${z['id.orig_p']}`).toBeDefined();
        const ours = asZeek(r!, z.host_key_fingerprint!);
        const theirs = Object.fromEntries(Object.keys(ours).map((k) => [k, z[k]]));
        expect(ours, `${z['id.orig_h']}:${z['id.orig_p']} -> ${z['id.resp_p']}`).toEqual(theirs);
      }
    });
  }

  it('one-auth-fail-only (sshguess.pcap): every guessing session failed, with the attempts Zeek counted', async () => {
    const lines = readFileSync(join(corpus!, `${BASE}one-auth-fail-only/output`), 'utf8').split('\n');
    const results = lines.filter((l) => l.startsWith('auth_result, ')).map((l) => l.split(', ')).map((p) => `${p[2]}/${p[3]}`).sort();
    const attempted = lines.filter((l) => l.startsWith('auth_attempted, ')).length;
    const { ssh } = await records('pcap/zeek/ssh/sshguess.pcap');
    expect(results.length).toBe(11);
    expect(ssh.map((r) => `${zeekValue(r.auth_success)}/${r.auth_attempts}`).sort()).toEqual(results);
    expect(ssh.reduce((n, r) => n + r.auth_attempts, 0)).toBe(attempted);
  });

  it('ssh_dh_gex_direction (sshguess.pcap): every session is a group exchange', async () => {
    const n = readFileSync(join(corpus!, `${BASE}ssh_dh_gex_direction/out`), 'utf8').split('\n').filter((l) => l === 'Found SSH2_DH_GEX_INIT event').length;
    const { ssh } = await records('pcap/zeek/ssh/sshguess.pcap');
    expect(ssh.filter((r) => r.kex_alg?.startsWith('diffie-hellman-group-exchange-') === true).length).toBe(n);
  });

  it('fingerprints: the SSH-2 host key fingerprint (MANIFEST.md gives it whole); the SSH-1 session has its version lines only', async () => {
    const out = readFileSync(join(corpus!, `${BASE}fingerprints/out`), 'utf8');
    const { ssh } = await records('pcap/zeek/ssh/ssh1-ssh2-fingerprints.pcap');
    const v2 = ssh.find((r) => r.version === 2)!;
    expect(v2.host_key_fingerprint).toBe('SHA256:xpK5ypqHFDUcl5y7HHOj/Zm/xlqb7tvndyr3f3I/GkQ');
    expect(out).toContain(`fingerprint, ${v2.host_key_fingerprint!.slice(0, 39)}\n`);
    const v1 = ssh.find((r) => r.version === 1)!;
    expect(v1).toMatchObject({ client: 'SSH-1.5-OpenSSH_6.6', host_key_fingerprint: null, auth_reason: 'not_ssh2' });
  });

  it('dh_group18_kex: the session\'s service is ssh (conn.log) and the host key is the 51-byte ed25519 blob\'s', async () => {
    const conn = zeekLog(join(corpus!, `${BASE}dh_group18_kex/conn.log`));
    const { sessions, ssh } = await records('pcap/zeek/ssh/ssh_kex_dh_group18.pcap');
    expect(conn.map((c) => c.service)).toEqual(['ssh']);
    expect(sessions.filter((s) => s.proto === 'tcp').map((s) => s.app_proto)).toEqual(['ssh']);
    expect(ssh[0]!.host_key_alg).toBe('ssh-ed25519');
  });

  it('basic: conn.log\'s ssh sessions are app_proto ssh', async () => {
    const conn = zeekLog(join(corpus!, `${BASE}basic/conn.log`)).filter((c) => c.service === 'ssh');
    const { sessions } = await records('pcap/zeek/ssh/ssh.pcap');
    expect(conn.length).toBeGreaterThan(10);
    for (const c of conn) {
      const s = sessions.find((x) => x.src_ip === c['id.orig_h'] && String(x.src_port) === c['id.orig_p'] && String(x.dst_port) === c['id.resp_p']);
      expect(s?.app_proto, `${c['id.orig_p']}`).toBe('ssh');
    }
  });

  it('http-port-22: HTTP on port 22 is no ssh record (Zeek logs the violation and no ssh.log)', async () => {
    const { ssh, sessions } = await records('pcap/zeek/http/http-single-conn-22.pcap');
    expect(ssh).toEqual([]);
    expect(sessions.map((s) => s.app_proto)).toContain('http');
  });

  it('every other SSH trace (KEXINIT of 500+ names, NEWKEYS with the first encrypted packet, reverse SSH) gives its records without error', async () => {
    for (const f of ['kex-quadratic-1000.pcap.gz', 'ssh_client_sends_first_enc_pkt_with_newkeys.pcap', 'ssh_server_sends_first_enc_pkt_with_newkeys.pcap', 'reverse-ssh.pcap']) {
      const { ssh } = await records(`pcap/zeek/ssh/${f}`);
      expect(ssh.length, f).toBe(1);
      expect(ssh[0]!.hassh, f).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});

// ------------------------------------------------------------------------------------------------ tshark HASSH

interface TsharkRow {
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  hassh: string | null;
  hasshServer: string | null;
}

/** corpus-hassh.tshark.txt: "## file" sections of tshark -T fields lines (make-corpus-hassh.sh). */
function tsharkHassh(text: string): Map<string, TsharkRow[]> {
  const out = new Map<string, TsharkRow[]>();
  let cur: TsharkRow[] | null = null;
  for (const l of text.split('\n')) {
    if (l.startsWith('## ')) out.set(l.slice(3), (cur = []));
    else if (l !== '' && !l.startsWith('#') && cur !== null) {
      const [s4, s6, sp, d4, d6, dp, h, hs] = l.split('\t');
      // a client KEXINIT names the client as source, a server one as destination
      const fromClient = h !== '';
      cur.push({
        client: fromClient ? s4 || s6! : d4 || d6!, clientPort: Number(fromClient ? sp : dp),
        server: fromClient ? d4 || d6! : s4 || s6!, serverPort: Number(fromClient ? dp : sp),
        hassh: h || null, hasshServer: hs || null,
      });
    }
  }
  return out;
}

describe.skipIf(corpus === null)('HASSH and HASSHServer vs tshark (ssh.kex.hassh, ssh.kex.hasshserver)', () => {
  const known = readJson<{ differences: { peer: string; file?: string; value?: string }[] }>(join(ROOT, 'test/known-differences-ssh.json')).differences
    .filter((k) => k.peer === 'tshark');
  const committed = readFileSync(join(ROOT, 'test/fixtures/ssh/corpus-hassh.tshark.txt'), 'utf8');
  const tshark = tsharkHassh(committed);

  it.skipIf(process.env.CI !== 'true')('the committed expectations are what tshark prints now (CI runs it)', () => {
    const now = execFileSync('sh', [join(ROOT, 'test/fixtures/ssh/make-corpus-hassh.sh')], { encoding: 'utf8', env: { ...process.env, HAYSTACK_CORPUS: corpus! } });
    // the first line names the tshark version
    expect(now.split('\n').slice(1)).toEqual(committed.split('\n').slice(1));
  });

  it('covers every SSH capture', () => expect(tshark.size).toBe(21));

  for (const [file, rows] of tshark) {
    it(`${file}: ${rows.length} KEXINITs`, async () => {
      const { ssh } = await records(file);
      for (const t of rows) {
        const r = ssh.find((x) => x.src_ip === t.client && x.src_port === t.clientPort && x.dst_ip === t.server && x.dst_port === t.serverPort);
        expect(r, `${t.client}:${t.clientPort}`).toBeDefined();
        if (t.hassh !== null) expect(r!.hassh).toBe(t.hassh);
        if (t.hasshServer !== null) expect(r!.hassh_server).toBe(t.hasshServer);
      }
      // a record with a HASSH tshark did not compute would be ours alone, unless a known difference says why
      const extra = known.filter((k) => k.file === file);
      const hashes = rows.flatMap((t) => [t.hassh, t.hasshServer]).filter((h) => h !== null).sort();
      const ours = ssh.flatMap((r) => [r.hassh, ...(extra.length > 0 ? [] : [r.hassh_server])]).filter((h) => h !== null).sort();
      expect(ours).toEqual(hashes);
      for (const k of extra.filter((x) => x.value !== undefined)) expect(ssh.map((r) => r.hassh_server)).toEqual([k.value]);
    });
  }
});

// ------------------------------------------------------------------------------------------------ expected.json

interface Entry {
  file: string;
  kind: string;
  source: string;
  expect: Record<string, string | number>;
}

interface Ja4Py {
  stream: number;
  src: string;
  dst: string;
  srcport: string;
  dstport: string;
  ssh_extras?: { hassh: string; hassh_server: string; ssh_protocol_client: string; ssh_protocol_server: string; encryption_algorithm: string };
}

describe.skipIf(corpus === null)('expected.json ssh_fingerprint entries (ja4.py)', () => {
  const entries = readJson<{ entries: Entry[] }>(join(corpus ?? '', 'expected.json')).entries.filter((e) => e.kind === 'ssh_fingerprint');

  it('has the reference entries', () => expect(entries.length).toBe(6));

  for (const e of entries) {
    const x = e.expect;
    it(`${e.file} stream ${x.stream} ${x.src}:${x.srcport}`, async () => {
      // the entry came from ja4.py's JSON output, kept in the corpus beside the capture's other peers
      const name = e.source.split(':')[1]!.split('@')[0]!.split('/').pop()!;
      const py = readJson<Ja4Py[]>(join(corpus!, 'pcap/ja4/expected/python', name)).find((p) => p.stream === Number(x.stream))!;
      expect(py.src).toBe(x.src);
      const { ssh } = await records(e.file);
      const r = ssh.find((s) => s.src_ip === x.src && String(s.src_port) === x.srcport && s.dst_ip === x.dst && String(s.dst_port) === x.dstport);
      expect(r, 'an ssh record for the JA4SSH session').toBeDefined();
      const extras = py.ssh_extras!;
      expect(r!.hassh).toBe(extras.hassh);
      expect(r!.hassh_server).toBe(extras.hassh_server);
      expect(r!.client).toBe(extras.ssh_protocol_client);
      expect(r!.server).toBe(extras.ssh_protocol_server);
      // ja4.py's encryption_algorithm is the server's first offered cipher (known difference: not the chosen one)
      expect(r!.hassh_server_algorithms!.split(';')[1]!.split(',')[0]).toBe(extras.encryption_algorithm);
    });
  }
});

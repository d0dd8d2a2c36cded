// ssh-logins.pcap (OpenSSH sshd on 127.0.0.1:2222, made here by test/fixtures/ssh/make-ssh-logins.sh): what
// tshark prints for it (version lines, ssh.kex.hassh, ssh.kex.hasshserver, the KEXINIT name-lists) and what is
// known by construction (the host key's fingerprint, which login succeeded), through analyze() and the CLI verb.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/pipeline/api.js';
import type { SshRecord } from '../src/schema/ssh.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { cli } from './helpers/cli.js';
import { GEN, readJson, ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/ssh');
const PCAP = join(DIR, 'ssh-logins.pcap');

/** A tshark -T fields -E header=y file as rows keyed by field name. */
function tsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(DIR, name), 'utf8').trimEnd().split('\n');
  const fields = head!.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i]!, v])));
}

/** RFC 4253 §7.1: the first name on the client's list that is also on the server's. */
const choose = (client: string, server: string): string | null => client.split(',').find((n) => server.split(',').includes(n)) ?? null;

describe('ssh-logins.pcap (OpenSSH, one good and one refused login)', async () => {
  const ssh: SshRecord[] = [];
  const sessions: SessionRecord[] = [];
  for await (const r of analyze(PCAP)) {
    if (r.type === 'ssh') ssh.push(r.record);
    if (r.type === 'session') sessions.push(r.record);
  }
  const fields = tsv('ssh-logins.tshark.tsv');
  const lists = tsv('ssh-logins.lists.tsv');
  const built = readJson<{ host_key_fingerprint: string; logins: { success: boolean }[] }>(join(DIR, 'ssh-logins.construction.json'));

  it('one record per session, on port 2222, the sessions named ssh', () => {
    expect(ssh.map((r) => r.dst_port)).toEqual([2222, 2222]);
    expect(sessions.map((s) => s.app_proto)).toEqual(['ssh', 'ssh']);
    expect(ssh.map((r) => r.uid)).toEqual(sessions.map((s) => s.uid));
  });

  it('version lines, HASSH and HASSHServer (and their inputs) as tshark prints them', () => {
    for (const r of ssh) {
      const of = fields.filter((f) => f['tcp.srcport'] === String(r.src_port) || f['tcp.dstport'] === String(r.src_port));
      expect(r.client).toBe(of.find((f) => f['tcp.srcport'] === String(r.src_port) && f['ssh.protocol'] !== '')!['ssh.protocol']);
      expect(r.server).toBe(of.find((f) => f['tcp.srcport'] === '2222' && f['ssh.protocol'] !== '')!['ssh.protocol']);
      const c = of.find((f) => f['ssh.kex.hassh'] !== '')!;
      const sv = of.find((f) => f['ssh.kex.hasshserver'] !== '')!;
      expect([r.hassh, r.hassh_algorithms]).toEqual([c['ssh.kex.hassh'], c['ssh.kex.hassh_algorithms']]);
      expect([r.hassh_server, r.hassh_server_algorithms]).toEqual([sv['ssh.kex.hasshserver'], sv['ssh.kex.hasshserver_algorithms']]);
    }
  });

  it('the algorithms chosen each way follow from tshark\'s name-lists (RFC 4253 §7.1)', () => {
    for (const r of ssh) {
      const c = lists.find((l) => l['tcp.srcport'] === String(r.src_port))!;
      const s = lists.find((l) => l['tcp.srcport'] === '2222' && l['tcp.stream'] === c['tcp.stream'])!;
      const pick = (f: string): string | null => choose(c[`ssh.${f}`]!, s[`ssh.${f}`]!);
      expect(r).toMatchObject({
        kex_alg: pick('kex_algorithms'), host_key_alg: pick('server_host_key_algorithms'),
        cipher_c2s: pick('encryption_algorithms_client_to_server'), cipher_s2c: pick('encryption_algorithms_server_to_client'),
        mac_c2s: pick('mac_algorithms_client_to_server'), mac_s2c: pick('mac_algorithms_server_to_client'),
        compression_c2s: pick('compression_algorithms_client_to_server'), compression_s2c: pick('compression_algorithms_server_to_client'),
      });
      expect(r.kex_alg).not.toBeNull();
    }
  });

  it('the host key fingerprint and the outcome of each login, as made', () => {
    expect(ssh.map((r) => r.host_key_fingerprint)).toEqual([built.host_key_fingerprint, built.host_key_fingerprint]);
    expect(ssh.map((r) => r.auth_success)).toEqual(built.logins.map((l) => l.success));
    expect(ssh.map((r) => r.auth_reason)).toEqual([null, null]);
  });

  it('haystack ssh prints the same records', async () => {
    const r = await cli('ssh', PCAP, '--format', 'jsonl');
    expect(r.code, r.err).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.uid, x.hassh, x.auth_success])).toEqual(ssh.map((x) => [x.uid, x.hassh, x.auth_success]));
  });
});

describe('mixed-home.pcap: its OpenSSH session and its failed inbound login (gen/expected/README.md)', async () => {
  const ssh: SshRecord[] = [];
  for await (const r of analyze(join(GEN, 'mixed-home.pcap'), { tls: false, smtp: false, http: false })) if (r.type === 'ssh') ssh.push(r.record);
  const exp = readJson<{ ssh_banners: { banner: string }[]; ja4_foxio: { src: string; srcport: string; dst: string; dstport: string; ssh_extras?: Record<string, string> }[] }>(
    join(GEN, 'expected/mixed-home.pcap.json'));

  it('version lines as tshark prints them, HASSH as ja4.py gives them, the outcomes as made', () => {
    expect(ssh.flatMap((r) => [r.client, r.server])).toEqual(exp.ssh_banners.map((b) => b.banner));
    const extras = exp.ja4_foxio.filter((e) => e.ssh_extras !== undefined);
    expect(extras.length).toBe(2);
    for (const e of extras) {
      const r = ssh.find((x) => x.src_ip === e.src && String(x.src_port) === e.srcport && x.dst_ip === e.dst)!;
      expect([r.hassh, r.hassh_server, r.client, r.server]).toEqual([e.ssh_extras!.hassh, e.ssh_extras!.hassh_server, e.ssh_extras!.ssh_protocol_client, e.ssh_extras!.ssh_protocol_server]);
    }
    // "a real OpenSSH session 127.0.0.3→127.0.10.5:22, a failed inbound SSH login 127.200.0.9→127.0.0.2:22"
    expect(ssh.map((r) => [r.src_ip, r.dst_ip, r.auth_success])).toEqual([['127.0.0.3', '127.0.10.5', true], ['127.200.0.9', '127.0.0.2', false]]);
  });
});

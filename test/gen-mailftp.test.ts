// test/fixtures/mailftp/mailftp-gen.pcap (vsftpd on 127.0.0.1:2121 and dovecot on 1110/1143, curl as the client;
// made by make-mailftp-gen.sh) against tshark's reading of it (mailftp-gen.tshark.tsv) and what the script made
// (mailftp-gen.construction.json): FTP commands, replies, data channels (EPSV, PASV, EPRT, PORT) and the data
// sessions tshark links to them; the files uploaded and downloaded by their sha256; POP3 and IMAP commands and
// statuses; no port is a default one (content decides); the password sent is in no record.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { mailFtpRun, type MailFtpRun } from './helpers/mailftp.js';
import { readJson, ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/mailftp');
// the -e fields of make-mailftp-gen.sh, in order
const COLS = ['frame', 'stream', 'sport', 'dport', 'proto', 'ftp_cmd', 'ftp_arg', 'ftp_code', 'pasv_port', 'active_port', 'setup_frame', 'data_cmd',
  'pop_cmd', 'pop_arg', 'pop_ind', 'imap_req_tag', 'imap_cmd', 'imap_resp_tag', 'imap_status', 'imap_user'] as const;
type Row = Record<(typeof COLS)[number], string>;
const rows: Row[] = readFileSync(join(DIR, 'mailftp-gen.tshark.tsv'), 'utf8').trim().split('\n')
  .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [COLS[i], v])) as Row);
const built = readJson<{ password: string; ftp_user: string; download_sha256: string; upload_sha256: string; transfers: [string, string][]; mail_user: string }>(join(DIR, 'mailftp-gen.construction.json'));

describe('gen/mailftp-gen.pcap vs tshark and construction', () => {
  let ours: MailFtpRun;
  beforeAll(async () => {
    ours = await mailFtpRun(join(DIR, 'mailftp-gen.pcap'));
  });
  const ftp = rows.filter((r) => r.proto === 'FTP');
  const controls = [...new Set(ftp.map((r) => r.stream))];
  /** a tshark stream's client port: the port of its requests */
  const clientPort = (stream: string): number => Number(ftp.find((r) => r.stream === stream && r.ftp_cmd !== '')!.sport);

  it('four FTP control sessions on port 2121, each an ftp session with its rows', () => {
    expect(controls.length).toBe(4);
    for (const st of controls) {
      const s = ours.sessions.find((x) => x.src_port === clientPort(st))!;
      expect([s.dst_port, s.app_proto]).toEqual([2121, 'ftp']);
    }
  });

  for (const st of ['0', '2', '4', '6']) {
    it(`FTP control stream ${st}: commands, arguments and final replies as tshark reads them`, () => {
      const port = clientPort(st);
      const mine = ours.ftp.filter((r) => r.src_port === port);
      const req = ftp.filter((r) => r.stream === st && r.ftp_cmd !== '');
      const finals = ftp.filter((r) => r.stream === st && r.ftp_code !== '' && Number(r.ftp_code) >= 200);
      expect(mine.map((r) => r.command)).toEqual(['<init>', ...req.map((r) => r.ftp_cmd)]);
      // the password is not kept; every other argument is as sent
      expect(mine.slice(1).map((r) => r.arg ?? '')).toEqual(req.map((r) => (r.ftp_cmd === 'PASS' ? '' : r.ftp_arg)));
      expect(mine.map((r) => r.reply_code)).toEqual(finals.map((r) => Number(r.ftp_code)));
      expect(mine.filter((r) => r.command !== '<init>' && r.command !== 'USER').every((r) => r.user === built.ftp_user && r.password_seen)).toBe(true);
      // PASV's port and PORT's as tshark decodes them
      for (const r of ftp.filter((x) => x.stream === st && (x.pasv_port !== '' || x.active_port !== ''))) {
        const row = mine.find((x) => x.command === (r.pasv_port !== '' ? 'PASV' : 'PORT'))!;
        expect([row.data_passive, row.data_resp_port]).toEqual([r.pasv_port !== '', Number(r.pasv_port || r.active_port)]);
      }
    });
  }

  it('every data session tshark links to its setup frame is ours, linked to the same control session both ways', () => {
    const data = rows.filter((r) => r.proto === 'FTP-DATA');
    expect(data.length).toBeGreaterThanOrEqual(3);
    for (const d of data) {
      const setup = rows.find((r) => r.frame === d.setup_frame)!;
      const control = ours.sessions.find((s) => s.src_port === clientPort(setup.stream))!;
      const s = ours.sessions.find((x) => (x.src_port === Number(d.sport) && x.dst_port === Number(d.dport)) || (x.src_port === Number(d.dport) && x.dst_port === Number(d.sport)))!;
      expect([s.app_proto, s.control_uid]).toEqual(['ftp-data', control.uid]);
      const transfer = ours.ftp.find((r) => r.data_uid === s.uid)!;
      expect(transfer.uid).toBe(control.uid);
    }
  });

  it('the files moved: each transfer a files row of its data session, with the sha256 of the bytes sent', () => {
    const transfers = ours.ftp.filter((r) => r.command === 'RETR' || r.command === 'STOR');
    expect(transfers.map((r) => [r.command, r.arg])).toEqual(built.transfers);
    for (const t of transfers) {
      const f = ours.files.find((x) => x.fuid === t.fuid)!;
      expect([f.source, f.uid, f.filename, f.sha256]).toEqual(['ftp', t.data_uid, t.arg, t.command === 'RETR' ? built.download_sha256 : built.upload_sha256]);
      expect(ours.sessions.find((s) => s.uid === t.data_uid)!.control_uid).toBe(t.uid);
    }
  });

  it('POP3 on 1110: commands and +OK/-ERR per session as tshark reads them; the SASL response is no command', () => {
    const pop = rows.filter((r) => r.proto.startsWith('POP'));
    for (const st of [...new Set(pop.map((r) => r.stream))]) {
      const req = pop.filter((r) => r.stream === st && /^[A-Z]{3,4}$/.test(r.pop_cmd));
      const port = Number(req[0]!.sport);
      const mine = ours.pop3.filter((r) => r.src_port === port);
      expect(ours.sessions.find((s) => s.src_port === port)!.app_proto).toBe('pop3');
      expect(mine.map((r) => r.command)).toEqual(['<init>', ...req.map((r) => r.pop_cmd)]);
      expect(mine.map((r) => (r.status === 'OK' ? '+OK' : '-ERR'))).toEqual(pop.filter((r) => r.stream === st && r.pop_ind !== '').map((r) => r.pop_ind));
      expect(mine.find((r) => r.command === 'AUTH')!.user).toBe(built.mail_user);
    }
  });

  it('IMAP on 1143: tagged commands and their completions as tshark reads them; the user of AUTHENTICATE PLAIN and LOGIN', () => {
    const imap = rows.filter((r) => r.proto.startsWith('IMAP'));
    for (const st of [...new Set(imap.map((r) => r.stream))]) {
      const req = imap.filter((r) => r.stream === st && r.imap_cmd !== '');
      const port = Number(req[0]!.sport);
      const mine = ours.imap.filter((r) => r.src_port === port && r.command !== '<init>');
      expect(ours.sessions.find((s) => s.src_port === port)!.app_proto).toBe('imap');
      expect(mine.map((r) => [r.tag, r.command.split(' ').at(-1)])).toEqual(req.map((r) => [r.imap_req_tag, r.imap_cmd.toUpperCase()]));
      const done = imap.filter((r) => r.stream === st && r.imap_status !== '' && r.imap_resp_tag !== '+' && /^A\d+$/.test(r.imap_resp_tag));
      expect(done.map((r) => [r.imap_resp_tag, r.imap_status])).toEqual(done.map((r) => [r.imap_resp_tag, mine.find((x) => x.tag === r.imap_resp_tag)!.status]));
      expect(mine.find((r) => r.command === 'AUTHENTICATE')!.user).toBe(built.mail_user);
    }
    expect(ours.anomalies.filter((a) => a.name.startsWith('imap_') || a.name.startsWith('pop3_') || a.name.startsWith('ftp_'))).toEqual([]);
  });

  it('haystack pop3 and haystack imap print the same records', async () => {
    for (const verb of ['pop3', 'imap'] as const) {
      const r = await cli(verb, join(DIR, 'mailftp-gen.pcap'), '--format', 'jsonl');
      expect(r.code, r.err).toBe(0);
      const printed = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(printed.length).toBeGreaterThan(0);
      expect(printed.map((x) => [x.uid, x.command, x.status])).toEqual(ours[verb].map((x) => [x.uid, x.command, x.status]));
    }
  });

  it('haystack ftp prints every control stream\'s commands and final replies as tshark reads them, with the data sessions', async () => {
    const r = await cli('ftp', join(DIR, 'mailftp-gen.pcap'), '--format', 'jsonl');
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain(built.password);
    const printed = r.out.trim().split('\n').map((l) => JSON.parse(l) as { uid: string; src_port: number; command: string; arg: string | null; reply_code: number | null; data_uid: string | null });
    expect(printed.length).toBe(ours.ftp.length);
    for (const st of controls) {
      const port = clientPort(st);
      const mine = printed.filter((x) => x.src_port === port);
      const req = ftp.filter((x) => x.stream === st && x.ftp_cmd !== '');
      const finals = ftp.filter((x) => x.stream === st && x.ftp_code !== '' && Number(x.ftp_code) >= 200);
      expect(mine.map((x) => x.command)).toEqual(['<init>', ...req.map((x) => x.ftp_cmd)]);
      expect(mine.slice(1).map((x) => x.arg ?? '')).toEqual(req.map((x) => (x.ftp_cmd === 'PASS' ? '' : x.ftp_arg)));
      expect(mine.map((x) => x.reply_code)).toEqual(finals.map((x) => Number(x.ftp_code)));
      // one control session per stream: the uid of its session record
      expect(new Set(mine.map((x) => x.uid))).toEqual(new Set([ours.sessions.find((s) => s.src_port === port)!.uid]));
    }
    // each transfer the script made names a data session of ours that points back at its control session
    const transfers = printed.filter((x) => x.data_uid !== null);
    expect(transfers.map((x) => [x.command, x.arg])).toEqual(built.transfers);
    for (const t of transfers) expect(ours.sessions.find((s) => s.uid === t.data_uid)!.control_uid).toBe(t.uid);
  });

  it('the password sent (plain, and base64 in SASL) is in no record', () => {
    const all = JSON.stringify([ours.sessions, ours.ftp, ours.pop3, ours.imap, ours.files, ours.anomalies]);
    expect(all).not.toContain(built.password);
    expect(all).not.toContain(Buffer.from(built.password).toString('base64'));
    expect(all).not.toContain(Buffer.from(`\0${built.mail_user}\0${built.password}`).toString('base64'));
  });
});

// The ftp record against every Zeek ftp.log baseline of the corpus (pcap/zeek/baselines/scripts.base.protocols.ftp.*),
// row by row and field by field; and the sessions of the FTP, POP3 and IMAP traces against their conn.log (service
// -> app_proto, ftp-data sessions linked to their control session) and ssl.log (the TLS after AUTH TLS / STLS /
// STARTTLS). Zeek writes no pop3 or imap log: POP3 is also held to the pop3_request/pop3_reply events Zeek prints.
// Where we differ on purpose the (baseline, field) is in test/known-differences-mailftp.json with the reason.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FtpRecord } from '../src/schema/ftp.js';
import { mailFtpRun, type MailFtpRun } from './helpers/mailftp.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';
import { baselineTraces, readZeekLog, type ZeekRow } from './helpers/zeek-log.js';

const corpus = corpusDir();

interface Known {
  baseline: string;
  field: string;
  /** only rows of this command */
  command?: string;
  reason: string;
}
const KNOWN = readJson<{ differences: Known[] }>(join(ROOT, 'test/known-differences-mailftp.json')).differences;

const TF = (b: boolean | null): string => (b === null ? '-' : b ? 'T' : 'F');
const dash = (v: string | number | null): string => (v === null ? '-' : String(v));
/** Zeek's RETR/STOR/... argument is a URL made of the server and the tracked directory; ours is the argument as sent. */
const URL_COMMANDS = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'DELE']);

/** Zeek's column -> ours, in Zeek's spelling (rules in known-differences-mailftp.json's description). */
const COLUMNS: Record<string, (r: FtpRecord, z: ZeekRow) => string> = {
  'id.orig_h': (r) => r.src_ip,
  'id.orig_p': (r) => String(r.src_port),
  'id.resp_h': (r) => r.dst_ip,
  'id.resp_p': (r) => String(r.dst_port),
  // rule "unknown user": Zeek writes <unknown> before USER
  user: (r) => r.user ?? '<unknown>',
  // rule "password": Zeek shows an anonymous user's password (or <hidden>); ours only says one was sent
  password: (r, z) => (r.password_seen ? (z.password === '-' ? 'seen' : z.password!) : '-'),
  command: (r) => r.command,
  // rule "url": the last part of Zeek's URL is our argument
  // rule "credentials": a password argument is never kept (asserted null below), Zeek's is shown or <hidden>
  arg: (r, z) => (r.command === 'PASS' || r.command === 'ACCT' || r.command === 'ADAT' ? z.arg! : r.arg !== null && URL_COMMANDS.has(r.command) && z.arg!.startsWith('ftp://') && z.arg!.endsWith(`/${r.arg.replace(/^\.?\//, '')}`) ? z.arg! : dash(r.arg)),
  mime_type: (r) => dash(r.mime_type),
  file_size: (r) => dash(r.file_size),
  reply_code: (r) => dash(r.reply_code),
  // rule "last line": Zeek's reply_msg is the final line of a multi-line reply
  reply_msg: (r) => (r.reply_msg === null ? '-' : r.reply_msg.split('\n').at(-1)!),
  'data_channel.passive': (r) => TF(r.data_passive),
  'data_channel.orig_h': (r) => dash(r.data_orig_ip),
  'data_channel.resp_h': (r) => dash(r.data_resp_ip),
  'data_channel.resp_p': (r) => dash(r.data_resp_port),
  // rule "fuid": file ids are each tool's own; whether there is one is compared
  fuid: (r, z) => (r.fuid === null ? '-' : z.fuid === '-' ? r.fuid : z.fuid!),
};

const runs = new Map<string, Promise<MailFtpRun>>();
function run(traces: string[]): Promise<MailFtpRun> {
  const key = traces.join('|');
  let r = runs.get(key);
  if (r === undefined) runs.set(key, (r = mailFtpRun(traces.map((t) => join(corpus!, t)))));
  return r;
}

describe.skipIf(corpus === null)('ftp records against Zeek ftp.log baselines', () => {
  const base = join(corpus ?? '', 'pcap/zeek/baselines');
  const manifest = corpus === null ? '' : readFileSync(join(corpus, 'MANIFEST.md'), 'utf8');
  const baselines = corpus === null ? [] : readdirSync(base).filter((d) => existsSync(join(base, d, 'ftp.log'))).sort();
  const used = new Set<Known>();

  it('finds every ftp.log baseline and its trace', () => {
    expect(baselines.length).toBeGreaterThanOrEqual(16);
    for (const b of baselines) expect(baselineTraces(manifest, `pcap/zeek/baselines/${b}/ftp.log`).length, b).toBeGreaterThan(0);
  });

  for (const b of baselines) {
    it(b, async () => {
      const traces = baselineTraces(manifest, `pcap/zeek/baselines/${b}/ftp.log`);
      const ours = await run(traces);
      const zeek = readZeekLog(join(base, b, 'ftp.log'));
      const known = KNOWN.filter((k) => k.baseline === b);
      const left = [...ours.ftp];
      const diffs: string[] = [];
      for (const z of zeek) {
        const i = left.findIndex((r) => r.command === z.command && String(r.src_port) === z['id.orig_p'] && r.src_ip === z['id.orig_h']);
        if (i < 0) {
          const k = known.find((x) => x.field === '*row*' && (x.command === undefined || x.command === z.command));
          if (k !== undefined) used.add(k);
          else diffs.push(`no row for Zeek's ${z.command} ${z.arg}`);
          continue;
        }
        const r = left.splice(i, 1)[0]!;
        for (const [col, v] of Object.entries(z)) {
          const get = COLUMNS[col];
          if (get === undefined) continue;
          const mine = get(r, z);
          if (mine === v) continue;
          const k = known.find((x) => x.field === col && (x.command === undefined || x.command === z.command));
          if (k !== undefined) {
            used.add(k);
            continue;
          }
          diffs.push(`${z.command} ${z.arg} ${col}: ours ${JSON.stringify(mine)}, Zeek ${JSON.stringify(v)}`);
        }
        // the data session a transfer used is the one Zeek's file came over, and points back to the control session
        if (r.fuid !== null) {
          const f = ours.files.find((x) => x.fuid === r.fuid);
          expect(f?.uid, `${b} ${r.command} file`).toBe(r.data_uid);
          expect(ours.sessions.find((s) => s.uid === r.data_uid)?.control_uid, `${b} ${r.command} data session`).toBe(r.uid);
          if (z.file_size !== '-') expect(f?.size, `${b} ${r.command} file size`).toBe(Number(z.file_size));
        }
      }
      expect(diffs, b).toEqual([]);
      // credentials are never in a record
      for (const r of ours.ftp) if (r.command === 'PASS') expect(r.arg).toBeNull();
    });
  }

  it('every known difference is still needed', () => {
    const stale = KNOWN.filter((k) => baselines.includes(k.baseline) && k.field !== 'service' && !used.has(k)).map((k) => `${k.baseline} ${k.field}`);
    expect(stale).toEqual([]);
  });
});

/** Zeek's conn.log service in ours: the first protocol named (app_proto is first-come), TLS as a tls record. */
describe.skipIf(corpus === null)('sessions of the FTP, POP3 and IMAP traces against Zeek conn.log and ssl.log', () => {
  const base = join(corpus ?? '', 'pcap/zeek/baselines');
  const manifest = corpus === null ? '' : readFileSync(join(corpus, 'MANIFEST.md'), 'utf8');
  const dirs = corpus === null ? [] : readdirSync(base).filter((d) => /^scripts\.base\.protocols\.(ftp|pop3|imap)\./.test(d) && existsSync(join(base, d, 'conn.log'))).sort();

  it('finds the conn.log baselines', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(14);
  });

  for (const d of dirs) {
    it(d, async () => {
      const traces = baselineTraces(manifest, `pcap/zeek/baselines/${d}/conn.log`);
      expect(traces.length).toBeGreaterThan(0);
      const ours = await run(traces);
      const known = KNOWN.filter((k) => k.baseline === d && k.field === 'service');
      const diffs: string[] = [];
      const uidOf = new Map<string, string>();
      for (const z of readZeekLog(join(base, d, 'conn.log'))) {
        const s = ours.sessions.find((x) => x.src_ip === z['id.orig_h'] && String(x.src_port) === z['id.orig_p'] && x.dst_ip === z['id.resp_h'] && String(x.dst_port) === z['id.resp_p'] && !uidOf.has(`${x.uid}`));
        if (s === undefined) {
          diffs.push(`no session ${z['id.orig_h']}:${z['id.orig_p']} -> ${z['id.resp_h']}:${z['id.resp_p']}`);
          continue;
        }
        uidOf.set(s.uid, z.uid!);
        const services = z.service === '-' ? [] : z.service!.split(',');
        const app = services.find((x) => x !== 'ssl') ?? (services.includes('ssl') ? 'tls' : null);
        const mine = s.app_proto;
        if (mine !== app && known.length === 0) diffs.push(`${z.uid} service ${z.service}: app_proto ${mine}`);
        if (services.includes('ssl') && !ours.tls.some((t) => t.uid === s.uid) && known.length === 0) diffs.push(`${z.uid} service ${z.service}: no tls record`);
        // an FTP data session is linked to the control session Zeek saw announce it
        if (app === 'ftp-data') {
          const control = ours.sessions.find((x) => x.uid === s.control_uid);
          if (control?.app_proto !== 'ftp') diffs.push(`${z.uid} ftp-data: control_uid ${s.control_uid} is not an ftp session`);
        }
      }
      // ssl.log: the TLS the session switched to (AUTH TLS, STLS, STARTTLS): version and cipher as Zeek names them
      if (existsSync(join(base, d, 'ssl.log'))) {
        for (const z of readZeekLog(join(base, d, 'ssl.log'))) {
          const s = ours.sessions.find((x) => x.src_ip === z['id.orig_h'] && String(x.src_port) === z['id.orig_p'] && String(x.dst_port) === z['id.resp_p']);
          const t = ours.tls.find((x) => x.uid === s?.uid);
          if (t === undefined) {
            if (known.length === 0) diffs.push(`ssl.log ${z['id.orig_p']}: no tls record`);
            continue;
          }
          if (t.version !== z.version) diffs.push(`ssl.log ${z['id.orig_p']} version: ours ${t.version}, Zeek ${z.version}`);
          if (z.server_name !== undefined && z.server_name !== '-' && t.sni !== z.server_name) diffs.push(`ssl.log ${z['id.orig_p']} server_name: ours ${t.sni}, Zeek ${z.server_name}`);
        }
      }
      expect(diffs, d).toEqual([]);
    });
  }
});

describe.skipIf(corpus === null)('pop3 records against the POP3 requests and replies Zeek prints', () => {
  it('pop3/pop3.pcap (scripts.base.protocols.pop3.basic/out): every request and reply, in order, per session', async () => {
    const out = readFileSync(join(corpus!, 'pcap/zeek/baselines/scripts.base.protocols.pop3.basic/out'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('###'));
    const ours = await run(['pcap/zeek/pop3/pop3.pcap']);
    // Zeek: "uid, pop3_request, T, CMD, arg" / "uid, pop3_reply, F, OK|ERR, msg"; sessions in Zeek's order
    const zeekUids = [...new Set(out.map((l) => l.split(', ')[0]!))];
    const ourUids = [...new Set(ours.pop3.map((r) => r.uid))];
    expect(ourUids.length).toBe(zeekUids.length);
    const starts = new Map(ours.sessions.map((s) => [s.uid, s.start_time]));
    ourUids.sort((a, b) => starts.get(a)! - starts.get(b)!);
    zeekUids.forEach((zu, i) => {
      const zeek = out.filter((l) => l.startsWith(`${zu}, `)).map((l) => l.split(', ').slice(1).join(', '));
      const mine: string[] = [];
      for (const r of ours.pop3.filter((x) => x.uid === ourUids[i])) {
        if (r.command !== '<init>') mine.push(`pop3_request, T, ${r.command}, ${r.arg ?? ''}`);
        if (r.status !== null) mine.push(`pop3_reply, F, ${r.status}, ${r.reply_msg ?? ''}`);
      }
      expect(mine, zu).toEqual(zeek);
    });
  });
});

// Zeek's ftp.log both ways. Out: test/fixtures/mailftp/mailftp-gen.pcap as `haystack ftp --format zeek|zeek-json`
// against tshark's reading of it (mailftp-gen.tshark.tsv) and what its script made (mailftp-gen.construction.json):
// a line per command of Zeek's default FTP::logged_commands, its argument, final reply and data channel, the user,
// <hidden> and never the password sent. Back: the store's ftp rows exported (TSV and JSON, gzip) and imported give
// the same rows for the fields ftp.log carries; a planted password (and the corpus's ftp.log baselines, whose
// guest passwords Zeek shows) is never stored, only withheld.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_MAPPER } from '../src/formats/import/mappers.js';
import { WITHHELD } from '../src/formats/import/withhold.js';
import { ZEEK_FTP_COMMANDS, ZEEK_HIDDEN, ZEEK_UNKNOWN_USER } from '../src/formats/zeek/logs/ftp.js';
import { importFiles, type ImportOutcome } from '../src/pipeline/import.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';
import { storeRows, type Row } from './helpers/store-rows.js';
import { decodeZeekJson, decodeZeekTsv, parseZeekText } from './helpers/zeek-export.js';

const DIR = join(ROOT, 'test/fixtures/mailftp');
const PCAP = join(DIR, 'mailftp-gen.pcap');
const dir = scratchDir('zeek-ftp');
const LOGGED = new Set(ZEEK_FTP_COMMANDS);

// the -e fields of make-mailftp-gen.sh, in order (as test/gen-mailftp.test.ts reads them)
const COLS = ['frame', 'stream', 'sport', 'dport', 'proto', 'ftp_cmd', 'ftp_arg', 'ftp_code', 'pasv_port', 'active_port'] as const;
type Shark = Record<(typeof COLS)[number], string>;
const shark: Shark[] = readFileSync(join(DIR, 'mailftp-gen.tshark.tsv'), 'utf8').trim().split('\n')
  .map((l) => Object.fromEntries(l.split('\t').slice(0, COLS.length).map((v, i) => [COLS[i], v])) as Shark).filter((r) => r.proto === 'FTP');
const built = readJson<{ password: string; ftp_user: string; transfers: [string, string][] }>(join(DIR, 'mailftp-gen.construction.json'));

/** What tshark and the construction say each ftp.log line is, control stream by stream, in order. */
function expectedLines(): { port: string; command: string; arg: string; reply_code: string; resp_p: string | null }[] {
  const out: { port: string; command: string; arg: string; reply_code: string; resp_p: string | null }[] = [];
  for (const st of [...new Set(shark.map((r) => r.stream))]) {
    const req = shark.filter((r) => r.stream === st && r.ftp_cmd !== '');
    // the final replies in order: the greeting's, then one per command (test/gen-mailftp.test.ts holds ours to this)
    const finals = shark.filter((r) => r.stream === st && r.ftp_code !== '' && Number(r.ftp_code) >= 200);
    expect(finals.length).toBe(req.length + 1);
    req.forEach((r, k) => {
      if (!LOGGED.has(r.ftp_cmd)) return;
      // PASV's and PORT's data port as tshark decodes them (EPSV's and EPRT's it leaves out)
      const p = r.ftp_cmd === 'PORT' ? r.active_port : r.ftp_cmd === 'PASV' ? finals[k + 1]!.pasv_port : null;
      out.push({ port: r.sport, command: r.ftp_cmd, arg: r.ftp_arg === '' ? '-' : r.ftp_arg, reply_code: finals[k + 1]!.ftp_code, resp_p: p });
    });
  }
  return out;
}

describe('mailftp-gen.pcap as ftp.log (haystack ftp --format zeek|zeek-json)', () => {
  let tsv = '';
  let json = '';
  beforeAll(async () => {
    const a = await cli('ftp', PCAP, '--format', 'zeek');
    const b = await cli('ftp', PCAP, '--format', 'zeek-json');
    expect([a.code, b.code], a.err + b.err).toEqual([0, 0]);
    [tsv, json] = [a.out, b.out];
  });

  it('one line per command Zeek logs, with the argument, final reply and data port tshark reads, the user, <hidden>', () => {
    const want = expectedLines();
    expect(want.length).toBeGreaterThanOrEqual(8);
    const lines = parseZeekText(tsv);
    const got = [...lines].sort((x, y) => Number(x['id.orig_p']) - Number(y['id.orig_p']));
    expect(got.map((l) => [l['id.orig_p'], l.command, l.arg, l.reply_code])).toEqual(want.map((w) => [w.port, w.command, w.arg, w.reply_code]));
    for (const [i, l] of got.entries()) {
      const w = want[i]!;
      // every logged command came after USER and PASS (the construction's login)
      expect([l.user, l.password, l['id.resp_p']]).toEqual([built.ftp_user, ZEEK_HIDDEN, '2121']);
      const channel = ['PASV', 'EPSV', 'PORT', 'EPRT'].includes(w.command);
      expect(l['data_channel.passive']).toBe(channel ? (w.command === 'PASV' || w.command === 'EPSV' ? 'T' : 'F') : '-');
      if (w.resp_p !== null) expect(l['data_channel.resp_p']).toBe(w.resp_p);
      if (channel) expect(l['data_channel.resp_p']).toMatch(/^\d+$/);
      // a transfer names its file
      expect(l.fuid !== '-').toBe(w.command === 'RETR' || w.command === 'STOR');
    }
    expect(got.filter((l) => l.command === 'RETR' || l.command === 'STOR').map((l) => [l.command, l.arg])).toEqual(built.transfers);
  });

  it('zeek-json: the same lines; the password sent is in neither form', () => {
    const a = decodeZeekTsv(tsv);
    const b = decodeZeekJson('ftp', json);
    expect(b).toEqual(a);
    expect(tsv).not.toContain(built.password);
    expect(json).not.toContain(built.password);
  });
});

describe('export ftp --format zeek|zeek-json, gzip, import zeek: the same rows', () => {
  const db = join(dir, 'src.duckdb');
  /** the fields ftp.log carries (reply_msg: its last line, the whole of every reply here) */
  const CARRIED = ['uid', 'ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'user', 'password_seen', 'command', 'arg', 'mime_type', 'file_size', 'reply_code', 'reply_msg',
    'data_passive', 'data_orig_ip', 'data_resp_ip', 'data_resp_port', 'fuid'];
  const pick = (r: Row): Row => Object.fromEntries(CARRIED.map((f) => [f, r[f]]));
  const order = (a: Row, b: Row): number => (`${String(a.uid)} ${String(a.ts).padStart(20)} ${String(a.command)}` < `${String(b.uid)} ${String(b.ts).padStart(20)} ${String(b.command)}` ? -1 : 1);

  beforeAll(async () => {
    const r = await cli('ingest', PCAP, '--db', db);
    expect(r.code, r.err).toBe(0);
  });

  for (const format of ['zeek', 'zeek-json'] as const) {
    it(format, async () => {
      const file = join(dir, format === 'zeek' ? 'ftp.log' : 'ftp.json');
      const e = await cli('export', 'ftp', '--format', format, '-o', file, '--db', db);
      expect(e.code, e.err).toBe(0);
      writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
      const back = join(dir, `back-${format}.duckdb`);
      const i = await cli('import', 'zeek', `${file}.gz`, '--db', back);
      expect(i.code, i.err).toBe(0);
      const src = (await storeRows(db, ['ftp'])).ftp!.filter((x) => LOGGED.has(x.command as string));
      const got = (await storeRows(back, ['ftp'])).ftp!;
      expect(src.length).toBeGreaterThanOrEqual(8);
      expect(src.every((x) => x.reply_msg === null || !(x.reply_msg as string).includes('\n'))).toBe(true);
      expect(got.map(pick).sort(order)).toEqual(src.map(pick).sort(order));
      // imported with the log's origin; <hidden> is no secret: nothing in extra
      for (const x of got) {
        expect(x.origin).toBe('zeek');
        expect(x.extra).toBeNull();
      }
    });
  }
});

/** A store's every row of the tables an ftp.log import writes, as text. */
async function storeText(db: string): Promise<string> {
  const rows = await storeRows(db, ['ftp', 'anomalies']);
  const store = await openStore(db, { readOnly: true });
  try {
    const caps = await store.query('SELECT * FROM captures');
    return JSON.stringify(rows) + JSON.stringify(caps.rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  } finally {
    await store.close();
  }
}

async function importOne(file: string, db: string): Promise<Extract<ImportOutcome, { status: 'imported' }>> {
  const store = await openStore(db);
  try {
    const [out] = await importFiles(store, 'zeek', [file], { mapper: BUILTIN_MAPPER }) as [ImportOutcome];
    expect(out.status, file).toBe('imported');
    return out as Extract<ImportOutcome, { status: 'imported' }>;
  } finally {
    await store.close();
  }
}

describe('import zeek ftp.log: a password is never stored', () => {
  it('planted: PASS\'s argument dropped, the password column withheld in extra, <hidden> and <unknown> read back', async () => {
    const planted = 'hunter2-Planted-Secret';
    const head = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tftp',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tuser\tpassword\tcommand\targ\tmime_type\tfile_size\treply_code\treply_msg\tdata_channel.passive\tdata_channel.orig_h\tdata_channel.resp_h\tdata_channel.resp_p\tfuid',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tstring\tbool\taddr\taddr\tport\tstring'];
    const lines = [
      `1700000000.000001\tCa\t10.0.0.1\t40000\t10.0.0.2\t21\t${ZEEK_UNKNOWN_USER}\t-\tUSER\tbob\t-\t-\t331\tPassword required\t-\t-\t-\t-\t-`,
      `1700000000.000002\tCa\t10.0.0.1\t40000\t10.0.0.2\t21\tbob\t${planted}\tPASS\t${planted}\t-\t-\t230\tLogged in\t-\t-\t-\t-\t-`,
      `1700000000.000003\tCa\t10.0.0.1\t40000\t10.0.0.2\t21\tbob\t${planted}\tPASV\t-\t-\t-\t227\tEntering Passive Mode (10,0,0,2,4,1)\tT\t10.0.0.1\t10.0.0.2\t1025\t-`,
      `1700000000.000004\tCb\t10.0.0.1\t40001\t10.0.0.2\t21\tamy\t${ZEEK_HIDDEN}\tRETR\tftp://10.0.0.2/x.txt\ttext/plain\t12\t226\tDone\t-\t-\t-\t-\tFx`,
    ];
    const file = join(dir, 'planted-ftp.log');
    writeFileSync(file, `${[...head, ...lines, '#close\t2024-01-01-00-00-00'].join('\n')}\n`);
    const db = join(dir, 'planted.duckdb');
    const out = await importOne(file, db);
    expect(out.records.ftp).toBe(4);
    expect(JSON.parse(out.capture.stats as string)).toMatchObject({ withheld_secrets: 2 });
    expect(await storeText(db)).not.toContain(planted);
    const rows = (await storeRows(db, ['ftp'])).ftp!.sort((a, b) => (a.ts as number) - (b.ts as number));
    expect(rows.map((r) => [r.command, r.user, r.password_seen, r.arg, r.extra === null ? null : JSON.parse(r.extra as string)])).toEqual([
      ['USER', null, false, 'bob', null],
      ['PASS', 'bob', true, null, { password: WITHHELD }],
      ['PASV', 'bob', true, null, { password: WITHHELD }],
      ['RETR', 'amy', true, 'ftp://10.0.0.2/x.txt', null],
    ]);
    expect(rows[2]).toMatchObject({ data_passive: true, data_orig_ip: '10.0.0.1', data_resp_ip: '10.0.0.2', data_resp_port: 1025, reply_code: 227 });
    expect(rows[3]).toMatchObject({ fuid: 'Fx', mime_type: 'text/plain', file_size: 12, uid: 'Cb' });
  });

  const corpus = corpusDir();
  it.skipIf(corpus === null)('the corpus\'s ftp.log baselines (guest passwords shown by Zeek): every row in, column by column; no password stored', async () => {
    const base = join(corpus!, 'pcap/zeek/baselines');
    let n = 0;
    for (const b of ['ftp-password-pass-command', 'ftp-multiline-reply', 'ftp-ipv4', 'ftp-password-pass-command-hidden']) {
      // btest masked the times: put back distinct ones
      let k = 0;
      const text = readFileSync(join(base, `scripts.base.protocols.ftp.${b}/ftp.log`), 'utf8').split('\n')
        .map((l) => (l.startsWith('#') ? l : l.replace(/X{10}\.X{6}/, () => `1700000000.${String(++k).padStart(6, '0')}`))).join('\n');
      const file = join(dir, `${b}.log`);
      writeFileSync(file, text);
      const db = join(dir, `${b}.duckdb`);
      await importOne(file, db);
      const zeek = parseZeekText(text);
      const secrets = [...new Set(zeek.map((z) => z.password!).filter((p) => p !== '-' && p !== ZEEK_HIDDEN))];
      const dump = await storeText(db);
      for (const s of secrets) expect(dump, b).not.toContain(s);
      const rows = (await storeRows(db, ['ftp'])).ftp!.sort((x, y) => (x.ts as number) - (y.ts as number));
      expect(rows.length, b).toBe(zeek.length);
      const dash = (v: unknown): string => (v === null ? '-' : typeof v === 'boolean' ? (v ? 'T' : 'F') : String(v));
      zeek.forEach((z, i) => {
        const r = rows[i]!;
        expect([r.uid, r.src_ip, dash(r.src_port), r.dst_ip, dash(r.dst_port)]).toEqual([z.uid, z['id.orig_h'], z['id.orig_p'], z['id.resp_h'], z['id.resp_p']]);
        expect(r.user).toBe(z.user === ZEEK_UNKNOWN_USER ? null : z.user);
        expect(r.password_seen).toBe(z.password !== '-');
        const extra = r.extra === null ? {} : JSON.parse(r.extra as string) as Record<string, unknown>;
        expect(extra.password).toBe(z.password === '-' || z.password === ZEEK_HIDDEN ? undefined : WITHHELD);
        expect(r.command).toBe(z.command);
        expect(dash(r.arg)).toBe(z.command === 'PASS' ? '-' : z.arg);
        expect([dash(r.mime_type), dash(r.file_size), dash(r.reply_code), dash(r.reply_msg)]).toEqual([z.mime_type, z.file_size, z.reply_code, z.reply_msg]);
        expect([dash(r.data_passive), dash(r.data_orig_ip), dash(r.data_resp_ip), dash(r.data_resp_port), dash(r.fuid)])
          .toEqual([z['data_channel.passive'], z['data_channel.orig_h'], z['data_channel.resp_h'], z['data_channel.resp_p'], z.fuid]);
        n++;
      });
    }
    expect(n).toBeGreaterThanOrEqual(15);
  }, 60_000);
});

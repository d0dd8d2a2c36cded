// The command line end to end (in-process): formats, compressed and damaged inputs, exit statuses, errors.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze, readPackets } from '../src/index.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, ROOT } from './helpers/run.js';

const tmp = scratchDir('cli');


const SMTP = join(GEN, 'smtp-attachments.pcap');

describe('haystack sessions', () => {
  it('prints jsonl by default off a terminal, one line per session', async () => {
    const r = await cli('sessions', SMTP);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBe(9);
    expect(rows[0]!.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(rows.every((x) => x.direction === null)).toBe(true);
  });

  it('csv with chosen fields', async () => {
    const r = await cli('sessions', SMTP, '--format', 'csv', '--fields', 'src_ip,dst_port,state');
    expect(r.out.split('\n')[0]).toBe('src_ip,dst_port,state');
    expect(r.out).toContain('127.0.0.1,587,SF');
  });

  it('reads gzip and zstd captures by content, whatever their name', async () => {
    const gz = join(tmp, 'smtp.bin');
    writeFileSync(gz, gzipSync(readFileSync(SMTP)));
    const plain = await cli('sessions', SMTP, '--fields', 'uid,src_bytes,dst_bytes');
    expect((await cli('sessions', gz, '--fields', 'uid,src_bytes,dst_bytes')).out).toBe(plain.out);
    expect((await cli('sessions', join(ROOT, 'test/fixtures/smtp-attachments.pcap.zst'), '--fields', 'uid,src_bytes,dst_bytes')).out).toBe(plain.out);
  });

  it('exits 3 on a truncated capture, naming file and offset, after printing what came before', async () => {
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, readFileSync(SMTP).subarray(0, 30_000));
    const r = await cli('sessions', cut);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/cut\.pcap: truncated record: \d+ bytes at the end do not make a whole one \(byte offset \d+\)/);
    expect(r.out.trim().split('\n').length).toBeGreaterThan(0);
  });

  it('exits 3 on a cut gzip stream too', async () => {
    const gz = join(tmp, 'cut.pcap.gz');
    const full = gzipSync(readFileSync(SMTP));
    writeFileSync(gz, full.subarray(0, full.length >> 1));
    const r = await cli('sessions', gz);
    expect(r.code).toBe(3);
    expect(r.err).toContain('cut.pcap.gz');
  });

  it('bad arguments: exit 2 with a clear message', async () => {
    expect(await cli('sessions')).toMatchObject({ code: 2, err: expect.stringContaining('no capture given') as unknown });
    expect(await cli('sessions', SMTP, '--home-net', '10.0.0.0/33')).toMatchObject({ code: 2, err: expect.stringContaining('10.0.0.0/33') as unknown });
    expect(await cli('sessions', SMTP, '--format', 'xml')).toMatchObject({ code: 2, err: expect.stringContaining('--format') as unknown });
    expect(await cli('sessions', SMTP, '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining('bogus') as unknown });
    expect(await cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command') as unknown });
  });

  it('a missing file or a non-capture is an operational failure (exit 1)', async () => {
    expect((await cli('sessions', join(tmp, 'nope.pcap'))).code).toBe(1);
    const txt = join(tmp, 'notes.txt');
    writeFileSync(txt, 'hello world, not a capture\n');
    const r = await cli('sessions', txt);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not a pcap or pcapng file');
  });
});

describe('the installed command', () => {
  it('reads a capture from stdin with "-" (bin/haystack.js, needs npm run build)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), 'sessions', '-', '--format', 'csv', '--fields', 'uid'], {
      input: readFileSync(SMTP),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').length).toBe(1 + 9);
  });
});

describe('--filter', () => {
  it('keeps the matching rows of tls and sessions', async () => {
    const tls = await cli('tls', join(GEN, 'tls-clients.pcapng'), '--format', 'csv', '--fields', 'sni,dst_port', '--filter', 'dst_port != 443 and sni ~ "example"');
    expect(tls.out.trim().split('\n').sort()).toEqual(['alt-port.example.com,8443', 'mail.example.com,25', 'mail.example.com,25', 'odd-port.example.net,9999', 'sni,dst_port'].sort());
    const s = await cli('sessions', join(GEN, 'mixed-home.pcap'), '--home-net', '127.0.0.0/24', '--format', 'csv', '--fields', 'proto,direction', '--filter', 'direction = "inbound" and proto = "tcp"');
    expect(s.out.trim().split('\n')).toEqual(['proto,direction', 'tcp,inbound', 'tcp,inbound']);
  });

  it('a bad expression is exit 2 with the column', async () => {
    const r = await cli('tls', SMTP, '--filter', 'sni = ');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--filter: expected a value at column 7/);
  });
});

describe('haystack info', () => {
  it('reports format, link type, packets and span', async () => {
    const r = await cli('info', join(GEN, 'tls-clients.pcapng'), '--json');
    const i = JSON.parse(r.out) as Record<string, unknown>;
    expect(i).toMatchObject({ format: 'pcapng', linktypes: ['EN10MB'], packets: 606, packet_bytes: 117722, non_ip_packets: 0, sessions: 34, damaged: null });
    expect(i.blocks).toEqual({ SHB: 1, IDB: 1, EPB: 606, ISB: 1 });
    expect(i.duration).toBeCloseTo(14.689709, 5);
  });
});

describe('library API', () => {
  it('readPackets yields decoded packets that can be kept', async () => {
    const kept = [];
    for await (const p of readPackets(SMTP)) kept.push(p);
    expect(kept.length).toBe(255);
    const first = kept[0]!;
    expect([first.proto, first.src, first.dst, first.dport, first.tcpFlags]).toEqual(['tcp', '127.0.0.1', '127.0.0.1', 25, 0x02]);
    const data = kept.find((p) => p.payload.length > 0 && p.sport === 25)!;
    expect(new TextDecoder().decode(data.payload.subarray(0, 4))).toBe('220 ');
  });

  it('analyze yields the same sessions as the CLI', async () => {
    const seen: string[] = [];
    for await (const r of analyze(SMTP)) if (r.type === 'session') seen.push(r.record.uid);
    const cliUids = (await cli('sessions', SMTP, '--format', 'csv', '--fields', 'uid')).out.trim().split('\n').slice(1);
    expect(seen).toEqual(cliUids);
  });

  it('analyze yields tls records: the pyshark SNI loop in a few lines', async () => {
    const snis = new Set<string>();
    let hellos = 0;
    for await (const r of analyze([join(GEN, 'tls-clients.pcapng'), SMTP])) {
      if (r.type !== 'tls') continue;
      hellos++;
      if (r.record.sni !== null) snis.add(r.record.sni);
    }
    expect([hellos, snis.size]).toEqual([32, 25]);
  });

  it('analyze yields smtp, http and file records, with the files stored where asked', async () => {
    const counts = new Map<string, number>();
    const files = join(tmp, 'objects');
    let invoice: { sha256: string; stored_path: string | null } | undefined;
    for await (const r of analyze([SMTP, join(GEN, 'http-put.pcap')], { filesDir: files })) {
      counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
      if (r.type === 'file' && r.record.filename === 'invoice.exe') invoice = r.record;
    }
    expect([counts.get('smtp'), counts.get('http'), counts.get('file')]).toEqual([10 + 1, 23, 11 + 25]); // smtp: 10 messages and the aborted transaction of the RSET session
    expect(invoice?.sha256).toBe('2b4898e2384903a499b642b2139b060cd5c7a1daa742fa9d229d82307aaae5be');
    expect(readFileSync(join(files, invoice!.stored_path!)).length).toBe(6656);
  });

  it('readPackets throws a HaystackError after the last good packet of a damaged file', async () => {
    const cut = join(tmp, 'cut2.pcap');
    writeFileSync(cut, readFileSync(SMTP).subarray(0, 5000));
    let n = 0;
    await expect((async () => {
      for await (const p of readPackets(cut)) n += p.index > 0 ? 1 : 0;
    })()).rejects.toMatchObject({ code: 'HAYSTACK_CAPTURE_TRUNCATED' });
    expect(n).toBeGreaterThan(0);
  });
});

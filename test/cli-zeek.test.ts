// The Zeek formats from the command line: a record verb's --format zeek, export <table> --format zeek-json, and
// export all --format zeek -o DIR (a Zeek log directory), on the committed gen captures.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';
import { decodeZeekTsv } from './helpers/zeek-export.js';

const MIXED = join(GEN, 'mixed-home.pcap');
const TLS = join(GEN, 'tls-clients.pcapng');
const dir = scratchDir('cli-zeek');

const jsonl = (text: string): Record<string, unknown>[] => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('haystack <verb> --format zeek|zeek-json', () => {
  it('sessions --format zeek: conn.log with one line per session, the same sessions as --format jsonl', async () => {
    const z = await cli('sessions', MIXED, '--format', 'zeek');
    expect(z.code).toBe(0);
    const lines = z.out.split('\n');
    expect(lines[0]).toBe('#separator \\x09');
    expect(lines).toContain('#path\tconn');
    expect(lines.filter((l) => l.startsWith('#close\t')).length).toBe(1);
    const ours = jsonl((await cli('sessions', MIXED, '--format', 'jsonl')).out);
    const rows = decodeZeekTsv(z.out);
    expect(rows.length).toBe(ours.length);
    const key = (a: unknown, b: unknown, c: unknown, d: unknown): string => [a, b, c, d].join(' ');
    expect(rows.map((r) => key(r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'])).sort())
      .toEqual(ours.map((r) => key(r.src_ip, r.src_port, r.dst_ip, r.dst_port)).sort());
    for (const r of rows) expect(['tcp', 'udp', 'icmp', 'unknown_transport']).toContain(r.proto);
  });

  it('tls --format zeek-json: ssl.log lines, ts in epoch seconds, SNI as server_name', async () => {
    const z = await cli('tls', TLS, '--format', 'zeek-json');
    expect(z.code).toBe(0);
    const ours = jsonl((await cli('tls', TLS, '--format', 'jsonl')).out);
    const rows = jsonl(z.out);
    expect(rows.length).toBe(ours.length);
    for (const [i, r] of rows.entries()) {
      expect(typeof r.ts).toBe('number');
      expect(Math.round((r.ts as number) * 1e6)).toBe(Date.parse(ours[i]!.ts as string) * 1000 + Number(/\.\d{3}(\d{3})Z$/.exec(ours[i]!.ts as string)?.[1] ?? 0));
      expect(r.server_name).toBe(ours[i]!.sni ?? undefined);
    }
  });

  it('--fields does not go with --format zeek; a table without a Zeek log is refused', async () => {
    expect((await cli('sessions', MIXED, '--format', 'zeek', '--fields', 'uid')).code).not.toBe(0);
    expect((await cli('pop3', MIXED, '--format', 'zeek')).code).not.toBe(0);
  });
});

describe('haystack export --format zeek-json | export all --format zeek', () => {
  const db = join(dir, 'z.duckdb');

  it('export sessions --format zeek-json: one JSON object per stored session', async () => {
    expect((await cli('ingest', MIXED, '--db', db)).code).toBe(0);
    const n = Number(jsonl((await cli('sql', 'SELECT count(*) AS n FROM sessions', '--db', db, '--format', 'jsonl')).out)[0]!.n);
    const file = join(dir, 'conn.json');
    const r = await cli('export', 'sessions', '--format', 'zeek-json', '-o', file, '--db', db);
    expect(r.code).toBe(0);
    const rows = jsonl(readFileSync(file, 'utf8'));
    expect(rows.length).toBe(n);
    for (const x of rows) {
      expect(x).toHaveProperty('uid');
      expect(x).toHaveProperty('id.orig_h');
      expect(typeof x.ts).toBe('number');
      expect(x).not.toHaveProperty('history');
    }
  });

  it('export all --format zeek -o DIR: a log directory, one file per log, each with its #path', async () => {
    const out = join(dir, 'logs');
    const r = await cli('export', 'all', '--format', 'zeek', '-o', out, '--db', db);
    expect(r.code).toBe(0);
    for (const log of ['conn', 'ssl', 'x509', 'http', 'smtp', 'files', 'dns', 'ssh', 'ftp', 'weird', 'notice']) {
      const f = join(out, `${log}.log`);
      expect(existsSync(f), log).toBe(true);
      const text = readFileSync(f, 'utf8');
      expect(text.split('\n')).toContain(`#path\t${log}`);
      expect(text.trimEnd().split('\n').at(-1)).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    }
    expect(decodeZeekTsv(readFileSync(join(out, 'conn.log'), 'utf8')).length).toBeGreaterThan(0);
    expect((await cli('export', 'all', '--format', 'csv', '-o', out, '--db', db)).code).not.toBe(0);
  });
});

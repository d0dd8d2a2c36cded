// `sessions` gives the same session records as `ingest` stores, field by field, app_proto included (detected
// by content: the analyzers run as probes on each session's first bytes); app_proto checked by construction.
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const CAPTURES = ['http-put.pcap', 'mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng'];
const dir = scratchDir('sessions-ingest');

type Row = Record<string, unknown>;
const rows = (text: string): Row[] => text.trim().split('\n').map((l) => JSON.parse(l) as Row);

async function sessionsOf(capture: string, ...args: string[]): Promise<Row[]> {
  const r = await cli('sessions', join(GEN, capture), '--format', 'jsonl', ...args);
  expect(r.code).toBe(0);
  return r.out === '' ? [] : rows(r.out);
}

describe('sessions equals ingest', () => {
  for (const capture of CAPTURES) {
    it(`${capture}: every session, every field`, async () => {
      const db = join(mkdtempSync(join(dir, 'db-')), 'h.duckdb');
      expect((await cli('ingest', join(GEN, capture), '--db', db)).code).toBe(0);
      const file = join(dir, `${capture}.jsonl`);
      expect((await cli('export', 'sessions', '--format', 'jsonl', '-o', file, '--db', db)).code).toBe(0);
      const stored = new Map(rows(readFileSync(file, 'utf8')).map((r) => [r.uid, r]));
      const printed = await sessionsOf(capture);
      expect(printed.length).toBe(stored.size);
      for (const p of printed) {
        const s = stored.get(p.uid);
        expect(s, `session ${String(p.uid)} stored`).toBeDefined();
        // capture_id names the stored capture; `sessions` stores nothing
        expect({ ...p, capture_id: null }).toEqual({ ...s, capture_id: null });
      }
      expect(printed.some((p) => p.app_proto !== null)).toBe(true);
    });
  }
});

describe('app_proto from `sessions`, by construction', () => {
  it('http-put: the sessions of the HTTP requests are http, and --filter finds them', async () => {
    const sent = readJson<{ http_requests: { sport: number }[] }>(join(GEN, 'expected/http-put.pcap.json')).http_requests;
    const ports = new Set(sent.map((r) => r.sport));
    const all = await sessionsOf('http-put.pcap', '--fields', 'src_port,dst_port,app_proto');
    for (const s of all) expect(s.app_proto).toBe(ports.has(s.src_port as number) ? 'http' : null);
    expect((await sessionsOf('http-put.pcap', '--filter', 'app_proto = "http"')).length).toBe(ports.size);
    // app_proto filtered on but not printed: still detected
    expect((await sessionsOf('http-put.pcap', '--fields', 'uid', '--filter', 'app_proto = "http"')).length).toBe(ports.size);
  });

  it('tls-clients: the sessions of the ClientHellos are tls, or smtp where TLS came after STARTTLS', async () => {
    const hellos = readJson<{ client_hellos: { sport: number; client: string }[] }>(join(GEN, 'expected/tls-clients.pcapng.json')).client_hellos;
    const all = await sessionsOf('tls-clients.pcapng', '--fields', 'proto,src_port,app_proto');
    for (const h of hellos) {
      const s = all.find((x) => x.proto === 'tcp' && x.src_port === h.sport);
      expect(s?.app_proto, h.client).toBe(h.client.includes('STARTTLS') ? 'smtp' : 'tls');
    }
  });

  it('smtp-attachments: every session to the mail ports is smtp', async () => {
    const sent = readJson<{ sent_by_construction: { port: number }[] }>(join(GEN, 'expected/smtp-attachments.pcap.json')).sent_by_construction;
    const ports = new Set(sent.map((m) => m.port));
    const all = await sessionsOf('smtp-attachments.pcap', '--fields', 'dst_port,app_proto');
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) expect(s.app_proto).toBe(ports.has(s.dst_port as number) ? 'smtp' : null);
  });
});

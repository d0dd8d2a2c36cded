// `haystack streams` on our generated captures: every file tcpflow wrote exists with the same name, size and
// sha256, and there are no others; the index accounts for every byte.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StreamIndexEntry } from '../src/pipeline/streams-writer.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson, sha256 } from './helpers/run.js';

const tmp = scratchDir('streams');

for (const file of ['tls-clients.pcapng', 'smtp-attachments.pcap', 'http-put.pcap', 'mixed-home.pcap']) {
  describe(`gen/${file} streams vs tcpflow`, async () => {
    const exp = readJson<{ tcpflow: { name: string; size: number; sha256: string }[] }>(join(GEN, 'expected', `${file}.json`));
    const out = join(tmp, file);
    const r = await cli('streams', join(GEN, file), '-o', out, '--transcript');

    it('exits 0', () => expect(r.code, r.err).toBe(0));

    it('writes exactly the files tcpflow wrote', () => {
      const ours = readdirSync(out).filter((f) => f !== 'index.jsonl' && f !== 'transcripts').sort();
      expect(ours).toEqual(exp.tcpflow.map((t) => t.name).sort());
    });

    for (const t of exp.tcpflow) {
      it(t.name, () => {
        const b = readFileSync(join(out, t.name));
        expect(b.length).toBe(t.size);
        expect(sha256(b)).toBe(t.sha256);
      });
    }

    it('indexes every stream file with its byte count', () => {
      const idx = readFileSync(join(out, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StreamIndexEntry);
      expect(idx.map((e) => e.file).sort()).toEqual(exp.tcpflow.map((t) => t.name).sort());
      for (const e of idx) {
        expect(e.bytes).toBe(exp.tcpflow.find((t) => t.name === e.file)!.size);
        expect(e.gaps).toEqual([]);
        expect(e.uid).toMatch(/^C[0-9A-Za-z]{17}$/);
        // the file name is tcpflow's spelling of the same endpoints
        const pad = (ip: string, port: number): string =>
          `${ip.includes(':') ? ip : ip.split('.').map((o) => o.padStart(3, '0')).join('.')}.${String(port).padStart(5, '0')}`;
        expect(e.file.replace(/c\d+$/, '')).toBe(`${pad(e.src_ip, e.src_port)}-${pad(e.dst_ip, e.dst_port)}`);
      }
    });

    it('writes one transcript per session with data, both directions marked', () => {
      const tr = readdirSync(join(out, 'transcripts'));
      expect(tr.length).toBeGreaterThan(0);
      const sample = readFileSync(join(out, 'transcripts', tr[0]!), 'utf8');
      expect(sample).toMatch(/^Session: C[0-9A-Za-z]{17}\nStart: +\d{4}-.*Z\nEnd: +.*Z\nSrc IP: +[0-9a-f.:]+ \(port \d+\)\nDst IP: /);
      expect(sample).toMatch(/^(SRC|DST): /m);
    });
  });
}

describe('mixed-home.pcap transcripts', () => {
  it('interleaves an HTTP request and its response in order', async () => {
    const out = join(tmp, 'mixed-home.pcap');
    const files = readdirSync(join(out, 'transcripts')).map((f) => readFileSync(join(out, 'transcripts', f), 'utf8'));
    const http = files.find((t) => t.includes('SRC: GET '));
    expect(http).toBeDefined();
    expect(http!.indexOf('SRC: GET ')).toBeLessThan(http!.indexOf('DST: HTTP/1.1 200'));
  });
});

// `haystack import zeek` of the logs Zeek itself wrote (the corpus's btest baselines, pcap/zeek/baselines): every
// baseline that is a Zeek log loads, its only bad lines those whose time btest masked (XXXXXXXXXX.XXXXXX: an anomaly
// per line saying so); the zeek-cut outputs among them (no header) are refused as not Zeek logs. Then the reports
// over imported rows (top, counts, mail, a sessions->dns join in sql) give the answers computed here from the logs'
// text, their masked times replaced by distinct ones first. The Community ID the importer computes for a session
// equals Zeek's own (its bifs.community_id baselines: TCP, UDP, SCTP, ICMP, ICMPv6).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_ANOMALY_RECORDS_PER_NAME } from '../src/core/anomaly.js';
import { rowCommunityId } from '../src/formats/import/fill.js';
import { BUILTIN_MAPPER } from '../src/formats/import/mappers.js';
import { importFiles, type ImportOutcome } from '../src/pipeline/import.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, walkFiles } from './helpers/run.js';

const corpus = corpusDir();
const MASK = /X{10}\.X{6}/;
/** The logs the built-in mappings make rows of (x509: certificates held for the ssl rows). */
const MAPPED = new Set(['conn', 'dns', 'http', 'ssl', 'smtp', 'files', 'ssh', 'ftp', 'weird', 'notice']);

/** A TSV log's text read here: its path, and each data line's columns by #fields name (`-` unset -> null). */
function parseLog(text: string): { path: string; types: Record<string, string>; rows: Record<string, string | null>[]; header: boolean } {
  let fields: string[] = [];
  let types: string[] = [];
  let path = '';
  let header = false;
  const rows: Record<string, string | null>[] = [];
  for (const l of text.split(/\r?\n/)) {
    if (l === '') continue;
    if (l.startsWith('#separator')) header = true;
    if (l.startsWith('#path\t')) path = l.slice(6);
    else if (l.startsWith('#fields\t')) fields = l.split('\t').slice(1);
    else if (l.startsWith('#types\t')) types = l.split('\t').slice(1);
    else if (!l.startsWith('#') && header) {
      const v = l.split('\t');
      rows.push(Object.fromEntries(fields.map((f, i) => [f, v[i] === '-' ? null : v[i]!])));
    }
  }
  return { path, types: Object.fromEntries(fields.map((f, i) => [f, types[i] ?? 'string'])), rows, header };
}

/** Whether a line has a masked value in a time column (the importer cannot read it). */
const maskedTime = (log: ReturnType<typeof parseLog>, r: Record<string, string | null>): boolean =>
  Object.entries(r).some(([f, v]) => v !== null && MASK.test(v) && /time\]?$/.test(log.types[f]!));

describe.skipIf(corpus === null)('import zeek: the corpus\'s Zeek baselines', () => {
  const base = join(corpus ?? '', 'pcap/zeek/baselines');
  const dir = scratchDir('corpus-import-zeek');

  it('every Zeek log loads: bad lines only where btest masked the time, each an anomaly saying so; no-header files refused', async () => {
    const files = walkFiles(base).filter((p) => p.endsWith('.log'));
    // the logs of one name concatenated (as rotated logs are: each part begins with its header), one import each
    const byName = new Map<string, string[]>();
    const noHeader: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const log = parseLog(text);
      if (!log.header) noHeader.push(f);
      else {
        const name = log.path || basename(f).split('.')[0]!;
        byName.set(name, [...(byName.get(name) ?? []), text.endsWith('\n') ? text : `${text}\n`]);
      }
    }
    for (const unmask of [false, true]) {
      const store = await openStore(join(dir, `all-${String(unmask)}.duckdb`));
      let rows = 0;
      let masked = 0;
      let recorded = 0;
      try {
        for (const f of unmask ? [] : noHeader) {
          const [out] = await importFiles(store, 'zeek', [f], { mapper: BUILTIN_MAPPER }) as [ImportOutcome];
          expect(out.status, f).toBe('failed');
          expect(out.status === 'failed' && out.error.message, f).toMatch(/not a Zeek log|empty: no line to import/);
        }
        for (const [name, parts] of byName) {
          // unmasked: every masked time put back as a number, then every line must load
          const texts = unmask ? parts.map((t) => t.split('\n').map((l) => (l.startsWith('#') ? l : l.replace(new RegExp(MASK.source, 'g'), '1700000000.000000'))).join('\n')) : parts;
          const f = join(dir, `${name}.${String(unmask)}.log`);
          writeFileSync(f, texts.join(''));
          const [out] = await importFiles(store, 'zeek', [f], { mapper: BUILTIN_MAPPER }) as [ImportOutcome];
          expect(out.status, name).toBe('imported');
          if (out.status !== 'imported') continue;
          const logs = texts.map(parseLog);
          const bad = logs.reduce((a, l) => a + l.rows.filter((r) => maskedTime(l, r)).length, 0);
          const good = logs.reduce((a, l) => a + l.rows.length, 0) - bad;
          if (unmask) expect(bad, name).toBe(0);
          expect(out.bad, name).toBe(bad);
          masked += bad;
          // a file's anomaly rows are capped per name (its captures row counts them all)
          recorded += Math.min(bad, MAX_ANOMALY_RECORDS_PER_NAME);
          expect(bad === 0 ? undefined : (JSON.parse(out.capture.stats as string) as { anomalies: Record<string, number> }).anomalies.import_bad_line, name).toBe(bad === 0 ? undefined : bad);
          const written = Object.entries(out.records).filter(([t]) => t !== 'anomalies').reduce((a, [, n]) => a + n, 0);
          if (name === 'x509') expect(out.held, name).toBe(good);
          else if (name === 'weird') expect((out.records.anomalies ?? 0) - Math.min(bad, MAX_ANOMALY_RECORDS_PER_NAME), name).toBe(good);
          else if (MAPPED.has(name)) expect(written, name).toBe(good);
          else expect(out.unmapped[name] ?? 0, name).toBe(good);
          rows += good;
        }
        // the anomalies of masked lines name the file and line and say the time is masked
        const anomalies = await store.query("SELECT detail FROM anomalies WHERE name = 'import_bad_line'");
        expect(anomalies.rows.length).toBe(recorded);
        for (const a of anomalies.rows) expect(a.detail).toMatch(/\.log line \d+: column [\w.]+: "X+\.X+" is not a time \(a masked value/);
      } finally {
        await store.close();
      }
      if (unmask) expect(rows).toBeGreaterThan(1000);
      else expect(masked).toBeGreaterThan(1000);
    }
    expect(noHeader.length).toBeLessThan(files.length / 4);
  }, 30_000);

  it('the Community ID an imported session gets equals Zeek\'s own for the same tuple (bifs.community_id baselines)', () => {
    const NAMES: Record<string, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 132: 'sctp' };
    const LINE = /^\[orig_h=([^,]+), orig_p=(\d+)\/\w+, resp_h=([^,]+), resp_p=(\d+)\/\w+, proto=(\d+), ctx=\[\]\], (1:\S+)$/;
    let n = 0;
    for (const f of walkFiles(join(base, 'bifs.community_id.run-pcaps'))) {
      for (const l of readFileSync(f, 'utf8').split('\n')) {
        const m = LINE.exec(l);
        if (m === null) continue;
        const row = { src_ip: m[1], src_port: Number(m[2]), dst_ip: m[3], dst_port: Number(m[4]), proto: NAMES[m[5]!] ?? m[5] };
        expect(rowCommunityId(row), l).toBe(m[6]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  /** Copies of a baseline directory's logs, each masked time replaced by a distinct one 20 minutes after the last. */
  function unmasked(name: string): string {
    const out = join(dir, name);
    mkdirSync(out, { recursive: true });
    for (const f of walkFiles(join(base, name)).filter((p) => p.endsWith('.log'))) {
      let n = 0;
      const text = readFileSync(f, 'utf8').split('\n').map((l) => (l.startsWith('#') ? l : l.replace(new RegExp(MASK.source, 'g'), () => `${1_700_000_000 + ++n * 1200}.${String(n).padStart(6, '0')}`))).join('\n');
      writeFileSync(join(out, basename(f)), text);
    }
    return out;
  }

  const logOf = (d: string, f: string): ReturnType<typeof parseLog> => parseLog(readFileSync(join(d, f), 'utf8'));
  const json = (s: string): Record<string, unknown>[] => s.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('top, counts and a sessions->dns join by uid over imported rows (GRE tunnel baseline: conn, dns, ssh, tunnel)', async () => {
    const d = unmasked('core.tunnels.gre');
    const db = join(dir, 'gre.duckdb');
    const r = await cli('import', 'zeek', d, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/could not be read/);
    const conn = logOf(d, 'conn.log').rows;
    const dns = logOf(d, 'dns.log').rows;
    // top by responder port: Zeek's local_orig/local_resp say which side is home; inbound brings the originator's bytes
    const want = new Map<number, { to: number; from: number }>();
    for (const c of conn) {
      const [lo, lr] = [c.local_orig === 'T', c.local_resp === 'T'];
      if (lo === lr) continue;
      const [o, p] = [Number(c.orig_ip_bytes), Number(c.resp_ip_bytes)];
      const e = want.get(Number(c['id.resp_p'])) ?? { to: 0, from: 0 };
      if (lr) [e.to, e.from] = [e.to + o, e.from + p];
      else [e.to, e.from] = [e.to + p, e.from + o];
      want.set(Number(c['id.resp_p']), e);
    }
    expect(want.size).toBeGreaterThan(0);
    const top = json((await cli('top', '--by', 'dst_port', '--bytes', 'ip', '--limit', '100', '--db', db, '--format', 'jsonl')).out);
    expect(new Map(top.map((t) => [t.dst_port, { to: t.bytes_to_mynet, from: t.bytes_from_mynet }]))).toEqual(want);
    // sessions per hour, from the logs' times
    const hours = new Map<string, number>();
    for (const c of conn) {
      const h = new Date(Math.floor(Number(c.ts) / 3600) * 3600 * 1000).toISOString().replace('.000Z', '.000000Z');
      hours.set(h, (hours.get(h) ?? 0) + 1);
    }
    const counts = json((await cli('counts', 'sessions', '--by', 'hour', '--db', db, '--format', 'jsonl')).out);
    expect(new Map(counts.filter((c) => c.count !== 0).map((c) => [c.bucket, c.count]))).toEqual(hours);
    // the sessions each DNS transaction belongs to, joined by Zeek's uid
    const joined = json((await cli('sql', 'SELECT s.uid, s.dst_port, d.query FROM sessions s JOIN dns d ON d.uid = s.uid ORDER BY 1, 3', '--db', db, '--format', 'jsonl')).out);
    const wantJoin = dns.map((q) => ({ uid: q.uid, dst_port: Number(conn.find((c) => c.uid === q.uid)!['id.resp_p']), query: q.query }))
      .sort((a, b) => (`${a.uid} ${a.query}` < `${b.uid} ${b.query}` ? -1 : 1));
    expect(wantJoin.length).toBeGreaterThan(0);
    expect(joined).toEqual(wantJoin);
  }, 30_000);

  it('mail over imported smtp rows: each sender finds its messages, envelope and subject as smtp.log has them', async () => {
    for (const name of ['scripts.base.protocols.smtp.basic', 'scripts.base.protocols.smtp.attachment']) {
      const d = unmasked(name);
      const db = join(dir, `${name}.duckdb`);
      expect((await cli('import', 'zeek', d, '--db', db)).code).toBe(0);
      const smtp = logOf(d, 'smtp.log').rows;
      expect(smtp.length, name).toBeGreaterThan(0);
      for (const m of smtp.filter((s) => s.mailfrom !== null)) {
        const r = await cli('mail', m.mailfrom!, '--db', db, '--format', 'json');
        expect(r.code, `${name} ${m.mailfrom}`).toBe(0);
        const found = (JSON.parse(r.out) as { messages: { wire: { smtp: Record<string, unknown> }[] }[] }).messages.flatMap((x) => x.wire.map((w) => w.smtp));
        expect(found.find((s) => s.uid === m.uid), `${name} ${m.uid}`).toMatchObject({
          mail_from: m.mailfrom, rcpt_to: (m.rcptto ?? null) === null ? [] : m.rcptto!.split(','), subject: m.subject, src_ip: m['id.orig_h'], dst_port: Number(m['id.resp_p']),
        });
      }
    }
  }, 30_000);
});



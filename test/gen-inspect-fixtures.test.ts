// The labelled corpus of issue 17 (test/fixtures/inspect, made by make-inspect-captures.sh: curl against a python
// http.server on 8080 and 8443, smtplib and swaks against postfix with dovecot SASL, curl against vsftpd, poplib
// against dovecot) through analyze(): the http, smtp, ftp and pop3 records as tshark reads the captures (the
// *.tshark.tsv), the files as inspect.construction.json says they were made (names, parts, sizes, sha256), and
// every planted value and decoy in the bytes where the construction puts it, passing (or failing) the checks it
// was built to pass (or fail), each check written here apart from the generator. The detectors' assertions come
// with the detectors. Nothing planted is printed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, readPackets } from '../src/pipeline/api.js';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import type { FileRecord } from '../src/schema/files.js';
import type { FtpRecord } from '../src/schema/ftp.js';
import type { HttpRecord } from '../src/schema/http.js';
import type { Pop3Record } from '../src/schema/pop3.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import type { SmtpRecord } from '../src/schema/smtp.js';
import { scratchDir } from './helpers/cli.js';
import { readJson, ROOT, sha256 } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/inspect');

interface Made { filename: string | null; size: number; sha256: string; magic_mime: string; declared_type?: string | null; part_path?: string;
  zip_entries?: { name: string; size: number; encrypted: boolean; sha256?: string }[] }
interface Planted { id: string; detector: string; category: string; value: string; value_sha256: string; wire: string | null; count: number; test_value: boolean;
  capture: string; protocol: string; transaction: string; file: string | null; entry: string | null; field: string | null; decode_path: string;
  key_id?: string; secret?: string; user?: string; mechanism?: string; pan?: string; issuer?: string; group?: string; split_runs?: string[] }
interface Decoy { id: string; kind: string; value: string; wire?: string; silent_for: string[]; capture: string; transaction: string; file: string | null; entry: string | null; decode_path: string }
interface Construction {
  captures: Record<string, { tsv: string; ports: number[]; transactions: string[] }>;
  summary: { planted_by_detector: Record<string, { values: number; test_values: number }>; decoys_by_kind: Record<string, number>; planted: number; decoys: number };
  transport: {
    http: { id: string; port: number; method: string; uri: string; status: number; request_body?: Made & { text?: string }; request_parts?: (Made & { field: string })[];
      response_body?: Made & { content_encoding: string; wire_size: number }; form_fields?: [string, string][]; auth?: { scheme: string; user: string } }[];
    smtp: { id: string; port: number; auth: { mechanism: string; user: string }; mail_from: string; rcpt_to: string[]; message_id: string; subject: string;
      parts: { part_path: string; filename: string | null; content_type: string; size: number; sha256: string }[] }[];
    ftp: (Made & { id: string; port: number; user: string; command: string })[];
    pop3: { id: string; port: number; user: string; commands: string[]; message_id: string; retr_lines: number; message_size: number; message_sha256: string }[];
  };
  files: Record<string, Made>;
  groups: { id: string; detector: string; distinct: number; by_issuer?: Record<string, number> }[];
  planted: Planted[];
  decoys: Decoy[];
}
const built = readJson<Construction>(join(DIR, 'inspect.construction.json'));

/** A tshark TSV (make-inspect-captures.sh's -e fields, in order) as rows by column name. */
function tsv<K extends string>(file: string, cols: readonly K[]): Record<K, string>[] {
  return readFileSync(join(DIR, file), 'utf8').trimEnd().split('\n').map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])) as Record<K, string>);
}
const HTTP_TSV = tsv('inspect-http.tshark.tsv', ['frame', 'stream', 'sport', 'dport', 'method', 'uri', 'code', 'ctype', 'cenc', 'clen', 'authbasic', 'disposition', 'form_keys', 'form_values'] as const);
const SMTP_TSV = tsv('inspect-smtp.tshark.tsv', ['frame', 'stream', 'sport', 'dport', 'cmd', 'param', 'code', 'auth_user', 'message_id', 'subject', 'disposition'] as const);
const FTP_TSV = tsv('inspect-ftp.tshark.tsv', ['frame', 'stream', 'sport', 'dport', 'proto', 'cmd', 'arg', 'code', 'pasv_port', 'active_port', 'setup_frame', 'data_cmd', 'tcp_len'] as const);
const POP3_TSV = tsv('inspect-pop3.tshark.tsv', ['frame', 'stream', 'sport', 'dport', 'cmd', 'arg', 'ind', 'message_id'] as const);

interface Run {
  sessions: SessionRecord[];
  http: HttpRecord[];
  smtp: SmtpRecord[];
  ftp: FtpRecord[];
  pop3: Pop3Record[];
  files: FileRecord[];
  anomalies: AnomalyEvent[];
  /** every file's bytes as the pipeline stored them, by fuid */
  bytes: Map<string, Buffer>;
  /** each direction's TCP payload in capture order, by "srcport>dstport" */
  flows: Map<string, Buffer>;
}

async function run(capture: string, filesDir: string): Promise<Run> {
  const path = join(DIR, capture);
  const out: Run = { sessions: [], http: [], smtp: [], ftp: [], pop3: [], files: [], anomalies: [], bytes: new Map(), flows: new Map() };
  for await (const r of analyze(path, { filesDir })) {
    if (r.type === 'session') out.sessions.push(r.record);
    else if (r.type === 'http') out.http.push(r.record);
    else if (r.type === 'smtp') out.smtp.push(r.record);
    else if (r.type === 'ftp') out.ftp.push(r.record);
    else if (r.type === 'pop3') out.pop3.push(r.record);
    else if (r.type === 'file') out.files.push(r.record);
    else if (r.type === 'anomaly') out.anomalies.push(r.record);
  }
  for (const f of out.files) if (f.stored_path !== null) out.bytes.set(f.fuid, readFileSync(join(filesDir, f.stored_path)));
  const parts = new Map<string, Buffer[]>();
  for await (const p of readPackets(path)) {
    if (p.proto !== 'tcp' || p.payload.length === 0) continue;
    const k = `${p.sport}>${p.dport}`;
    parts.set(k, [...(parts.get(k) ?? []), Buffer.from(p.payload)]);
  }
  for (const [k, v] of parts) out.flows.set(k, Buffer.concat(v));
  return out;
}

/** The entries of a zip, by its central directory (stored or deflated): null for an encrypted entry. */
function zipEntries(b: Buffer): Map<string, Buffer | null> {
  const out = new Map<string, Buffer | null>();
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let o = b.readUInt32LE(eocd + 16);
  for (let n = b.readUInt16LE(eocd + 10); n > 0; n--) {
    if (b.readUInt32LE(o) !== 0x02014b50) throw new Error('bad zip central directory');
    const flags = b.readUInt16LE(o + 8);
    const method = b.readUInt16LE(o + 10);
    const csize = b.readUInt32LE(o + 20);
    const nlen = b.readUInt16LE(o + 28);
    const local = b.readUInt32LE(o + 42);
    const name = b.toString('utf8', o + 46, o + 46 + nlen);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const data = b.subarray(start, start + csize);
    out.set(name, (flags & 1) !== 0 ? null : method === 8 ? inflateRawSync(data) : data);
    o += 46 + nlen + b.readUInt16LE(o + 30) + b.readUInt16LE(o + 32);
  }
  return out;
}

/** Quoted-printable undone (RFC 2045 6.7): soft line breaks dropped, =XX decoded. */
function unQp(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
}

/** Occurrences of `needle` in `hay` (bytes as latin1 text). */
function occurrences(hay: Buffer, needle: string): number {
  const h = hay.toString('latin1');
  let n = 0;
  for (let i = h.indexOf(needle); i >= 0; i = h.indexOf(needle, i + needle.length)) n++;
  return n;
}

// ---- checks written apart from the generator: what each planted value passes and each decoy fails
const luhn = (d: string): boolean => [...d].reverse().reduce((s, c, i) => s + (i % 2 === 1 ? ((2 * Number(c)) % 10) + Math.floor((2 * Number(c)) / 10) : Number(c)), 0) % 10 === 0;
/** Issuer by prefix and length (Visa, Mastercard incl. 2221-2720, Amex, Discover, JCB), from the networks' published ranges. */
function issuer(d: string): string | null {
  const p = (n: number): number => Number(d.slice(0, n));
  if (d.startsWith('4') && [13, 16, 19].includes(d.length)) return 'visa';
  if (d.length === 16 && ((p(2) >= 51 && p(2) <= 55) || (p(4) >= 2221 && p(4) <= 2720))) return 'mastercard';
  if (d.length === 15 && (p(2) === 34 || p(2) === 37)) return 'amex';
  if (d.length === 16 && (p(4) === 6011 || p(2) === 65 || (p(3) >= 644 && p(3) <= 649))) return 'discover';
  if (d.length === 16 && p(4) >= 3528 && p(4) <= 3589) return 'jcb';
  return null;
}
const ssnValid = (s: string): boolean => {
  const m = /^(\d{3})-(\d{2})-(\d{4})$/.exec(s);
  return m !== null && m[1] !== '000' && m[1] !== '666' && !m[1]!.startsWith('9') && m[2] !== '00' && m[3] !== '0000';
};
const mod97 = (iban: string): boolean => {
  const s = iban.replace(/ /g, '');
  const digits = [...(s.slice(4) + s.slice(0, 4))].map((c) => parseInt(c, 36).toString()).join('');
  return BigInt(digits) % 97n === 1n;
};
const abaValid = (d: string): boolean => /^\d{9}$/.test(d) && [...d].reduce((s, c, i) => s + Number(c) * [3, 7, 1][i % 3]!, 0) % 10 === 0;
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (s: string): number => {
  let c = 0xffffffff;
  for (const b of Buffer.from(s)) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** GitHub's token format: prefix_, 30 base62 characters, then their CRC32 in base62, 6 characters with leading zeros. */
const githubValid = (t: string): boolean => {
  let n = crc32(t.slice(4, 34));
  let s = '';
  for (; n > 0; n = Math.floor(n / 62)) s = B62[n % 62]! + s;
  return /^gh[pousr]_[0-9A-Za-z]{36}$/.test(t) && s.padStart(6, '0') === t.slice(34);
};

describe('inspect corpus: the captures, tshark and the construction', () => {
  const files = scratchDir('inspect-corpus');
  const runs = new Map<string, Run>();
  beforeAll(async () => {
    for (const c of Object.keys(built.captures)) runs.set(c, await run(c, join(files, c)));
  });
  const R = (capture: string): Run => runs.get(capture)!;

  it('four small captures, each with its tshark reading; the summary counts the lists', () => {
    for (const [c, d] of Object.entries(built.captures)) {
      expect(statSync(join(DIR, c)).size).toBeLessThan(1024 * 1024);
      expect(statSync(join(DIR, d.tsv)).size).toBeGreaterThan(0);
    }
    expect(built.summary.planted).toBe(built.planted.length);
    expect(built.summary.decoys).toBe(built.decoys.length);
    for (const [det, n] of Object.entries(built.summary.planted_by_detector)) {
      const mine = built.planted.filter((p) => p.detector === det);
      expect([det, mine.length, mine.filter((p) => p.test_value).length]).toEqual([det, n.values, n.test_values]);
    }
    for (const g of built.groups) expect([g.id, built.planted.filter((p) => p.group === g.id).length]).toEqual([g.id, g.distinct]);
  });

  describe('HTTP (inspect-http.pcap)', () => {
    const reqs = HTTP_TSV.filter((r) => r.method !== '');
    const resp = (stream: string): Record<string, string> => HTTP_TSV.find((r) => r.stream === stream && r.code !== '')!;
    const rec = (uri: string): HttpRecord => R('inspect-http.pcap').http.find((h) => h.uri === uri)!;
    const file = (fuid: string): FileRecord => R('inspect-http.pcap').files.find((f) => f.fuid === fuid)!;

    it('every request tshark reads is an http record: method, URI, port, status, body length; 8443 carries HTTP in clear', () => {
      const mine = R('inspect-http.pcap').http;
      expect(mine.length).toBe(reqs.length);
      expect(reqs.length).toBe(built.transport.http.length);
      for (const q of reqs) {
        const h = mine.find((x) => x.src_port === Number(q.sport))!;
        const r = resp(q.stream);
        expect([h.method, h.uri, h.dst_port, h.status_code, h.request_body_len]).toEqual([q.method, q.uri, Number(q.dport), Number(r.code), Number(q.clen || 0)]);
        const t = built.transport.http.find((x) => x.uri === q.uri)!;
        expect([t.method, t.port, t.status]).toEqual([q.method, Number(q.dport), Number(r.code)]);
      }
      const s8443 = R('inspect-http.pcap').sessions.filter((s) => s.dst_port === 8443);
      expect(s8443.map((s) => s.app_proto)).toEqual(['http']);
    });

    it('the form POST: its body as sent, its fields as tshark decodes them', () => {
      const t = built.transport.http.find((x) => x.id === 'H1')!;
      const f = file(rec(t.uri).request_fuids[0]!);
      expect([f.part_path, f.declared_type, f.size, f.sha256]).toEqual(['request', t.request_body!.declared_type, t.request_body!.size, t.request_body!.sha256]);
      const q = reqs.find((r) => r.uri === t.uri)!;
      expect(q.form_keys.split('|')).toEqual(t.form_fields!.map(([k]) => k));
      // compared field by field as booleans: a failure names the field, never its value
      const values = q.form_values.split('|');
      expect(t.form_fields!.map(([k, v], i) => [k, values[i] === v])).toEqual(t.form_fields!.map(([k]) => [k, true]));
    });

    it('report.pdf on 8443: the second part of the upload, labelled PDF, a zip by its magic (as libmagic says), its entries as made', () => {
      const t = built.transport.http.find((x) => x.id === 'H2')!;
      const h = rec(t.uri);
      const parts = h.request_fuids.map(file);
      expect(parts.map((f) => [f.part_path, f.filename, f.declared_type, f.size, f.sha256])).toEqual(
        t.request_parts!.map((p) => [p.part_path, p.filename, p.declared_type, p.size, p.sha256]));
      const pdf = parts.find((f) => f.filename === 'report.pdf')!;
      expect(pdf.mime_type).toBe(t.request_parts![1]!.magic_mime);
      const entries = zipEntries(R('inspect-http.pcap').bytes.get(pdf.fuid)!);
      expect([...entries.keys()]).toEqual(t.request_parts![1]!.zip_entries!.map((e) => e.name));
      for (const e of t.request_parts![1]!.zip_entries!) expect([e.name, entries.get(e.name)!.length]).toEqual([e.name, e.size]);
      expect(R('inspect-http.pcap').anomalies.filter((a) => a.name === 'file_type_mismatch' && a.uid === h.uid && a.detail?.startsWith('report.pdf:') === true)).toHaveLength(1);
      // tshark's reading of the same upload: its parts' Content-Disposition
      expect(reqs.find((r) => r.uri === t.uri)!.disposition).toBe('form-data;name="description"|form-data;name="file";filename="report.pdf"');
    });

    it('the JSON bodies and the POS batch as sent; the gzip response decoded to the file as made', () => {
      for (const id of ['H3', 'H4', 'H5']) {
        const t = built.transport.http.find((x) => x.id === id)!;
        const f = file(rec(t.uri).request_fuids[0]!);
        expect([id, f.declared_type, f.size, f.sha256]).toEqual([id, t.request_body!.declared_type, t.request_body!.size, t.request_body!.sha256]);
      }
      const t = built.transport.http.find((x) => x.id === 'H6')!;
      const h = rec(t.uri);
      const f = file(h.response_fuids[0]!);
      expect([f.part_path, f.declared_type, f.size, f.sha256]).toEqual(['response', t.response_body!.declared_type, t.response_body!.size, t.response_body!.sha256]);
      const r = resp(reqs.find((q) => q.uri === t.uri)!.stream);
      expect([r.cenc, Number(r.clen), h.response_body_len]).toEqual([t.response_body!.content_encoding, t.response_body!.wire_size, t.response_body!.wire_size]);
    });

    it('HTTP Basic: the record names user carol, as tshark reads it; the password is in no record', () => {
      const t = built.transport.http.find((x) => x.id === 'H7')!;
      const q = reqs.find((r) => r.uri === t.uri)!;
      const [user, pass] = [q.authbasic.slice(0, q.authbasic.indexOf(':')), q.authbasic.slice(q.authbasic.indexOf(':') + 1)];
      expect(user).toBe(t.auth!.user);
      const headers = JSON.parse(String(rec(t.uri).request_headers)) as [string, string][];
      expect(headers.find(([k]) => k === 'Authorization')![1]).toBe(`basic [redacted; user ${user}]`);
      const all = JSON.stringify([R('inspect-http.pcap').http, R('inspect-http.pcap').files, R('inspect-http.pcap').anomalies]);
      expect(all.includes(pass)).toBe(false);
      expect(all.includes(Buffer.from(`${user}:${pass}`).toString('base64'))).toBe(false);
    });
  });

  describe('SMTP (inspect-smtp.pcap)', () => {
    const streams = [...new Set(SMTP_TSV.map((r) => r.stream))];

    it('two messages, as tshark reads them: Message-ID, subject, envelope; AUTH mechanism and user of each session', () => {
      const mine = R('inspect-smtp.pcap').smtp;
      expect(mine.length).toBe(streams.length);
      for (const st of streams) {
        const rows = SMTP_TSV.filter((r) => r.stream === st);
        const imf = rows.find((r) => r.message_id !== '')!;
        const auth = rows.find((r) => r.cmd === 'AUTH')!;
        const s = mine.find((m) => m.src_port === Number(auth.sport))!;
        const t = built.transport.smtp.find((m) => m.message_id === imf.message_id)!;
        const [mech, initial] = auth.param.split(' ');
        // PLAIN: the user is in the initial response (\0user\0password); LOGIN: tshark shows the base64 user line
        const user = mech === 'PLAIN' ? Buffer.from(initial!, 'base64').toString().split('\0')[1] : Buffer.from(rows.find((r) => r.auth_user !== '')!.auth_user, 'base64').toString();
        expect([s.message_id, s.subject, s.auth_mechanism, s.auth_user, s.dst_port]).toEqual([imf.message_id, imf.subject, mech, user, 2525]);
        expect([t.auth.mechanism, t.auth.user, t.subject]).toEqual([mech, user, imf.subject]);
        expect([s.mail_from, s.rcpt_to]).toEqual([t.mail_from, t.rcpt_to]);
      }
    });

    it('the attachments: part, name, declared type, size and sha256 as made (tshark names the same files); type by magic as libmagic says', () => {
      const r = R('inspect-smtp.pcap');
      for (const t of built.transport.smtp) {
        const s = r.smtp.find((m) => m.message_id === t.message_id)!;
        const mine = s.fuids.map((id) => r.files.find((f) => f.fuid === id)!);
        const attached = t.parts.filter((p) => p.filename !== null);
        expect(mine.map((f) => [f.source, f.message_id, f.part_path, f.filename, f.declared_type, f.size, f.sha256])).toEqual(
          attached.map((p) => ['smtp', t.message_id, p.part_path, p.filename, p.content_type, p.size, p.sha256]));
        const tshark = SMTP_TSV.find((x) => x.message_id === t.message_id)!.disposition.split('|').map((d) => /filename="([^"]+)"/.exec(d)![1]);
        expect(tshark).toEqual(attached.map((p) => p.filename));
        for (const f of mine) {
          const made = built.files[f.filename!]!;
          expect([f.filename, f.sha256]).toEqual([made.filename, made.sha256]);
          // libmagic's "application/encrypted" (an encrypted CFB) has no like in the magic table we use
          if (made.magic_mime !== 'application/encrypted') expect([f.filename, f.mime_type]).toEqual([made.filename, made.magic_mime]);
        }
      }
    });

    it('the encrypted containers are what the construction says: a zip entry flagged encrypted, a PDF with /Encrypt, a CFB with EncryptionInfo', () => {
      const r = R('inspect-smtp.pcap');
      const bytes = (name: string): Buffer => r.bytes.get(r.files.find((f) => f.filename === name)!.fuid)!;
      const enc = built.planted.filter((p) => p.detector === 'encrypted_container').map((p) => p.value);
      expect(enc.sort()).toEqual(['archive.zip', 'contract.pdf', 'payroll.xlsx']);
      expect([...zipEntries(bytes('archive.zip')).values()]).toEqual([null]);
      expect(built.files['archive.zip']!.zip_entries!.map((e) => e.encrypted)).toEqual([true]);
      expect(occurrences(bytes('contract.pdf'), '/Encrypt')).toBeGreaterThan(0);
      expect(bytes('payroll.xlsx').subarray(0, 8).toString('hex')).toBe('d0cf11e0a1b11ae1');
      expect(occurrences(bytes('payroll.xlsx'), Buffer.from('EncryptionInfo', 'utf16le').toString('latin1'))).toBe(1);
      expect(occurrences(bytes('payroll.xlsx'), Buffer.from('EncryptedPackage', 'utf16le').toString('latin1'))).toBe(1);
      // the plain PDF is not encrypted
      expect(occurrences(bytes('statement.pdf'), '/Encrypt')).toBe(0);
    });

    it('no SMTP password (plain, or base64 as sent) is in any record', () => {
      const r = R('inspect-smtp.pcap');
      const all = JSON.stringify([r.smtp, r.files, r.anomalies]);
      for (const p of built.planted.filter((x) => x.capture === 'inspect-smtp.pcap' && x.detector === 'cleartext_credentials')) {
        expect(all.includes(p.value)).toBe(false);
        expect(all.includes(p.wire!)).toBe(false);
      }
    });
  });

  describe('FTP (inspect-ftp.pcap) and POP3 (inspect-pop3.pcap)', () => {
    it('FTP: commands, arguments and final replies as tshark reads them; user frank; STOR customers.csv a files row of its data session, as made', () => {
      const r = R('inspect-ftp.pcap');
      const req = FTP_TSV.filter((x) => x.proto === 'FTP' && x.cmd !== '');
      const finals = FTP_TSV.filter((x) => x.proto === 'FTP' && x.code !== '' && Number(x.code) >= 200);
      expect(r.ftp.map((x) => x.command)).toEqual(['<init>', ...req.map((x) => x.cmd)]);
      expect(r.ftp.slice(1).map((x) => x.arg ?? '')).toEqual(req.map((x) => (x.cmd === 'PASS' ? '' : x.arg)));
      expect(r.ftp.map((x) => x.reply_code)).toEqual(finals.map((x) => Number(x.code)));
      const t = built.transport.ftp[0]!;
      const stor = r.ftp.find((x) => x.command === t.command)!;
      expect([stor.user, stor.arg, stor.dst_port]).toEqual([t.user, t.filename, t.port]);
      const f = r.files.find((x) => x.fuid === stor.fuid)!;
      expect([f.source, f.uid, f.filename, f.size, f.sha256]).toEqual(['ftp', stor.data_uid, t.filename, t.size, t.sha256]);
      // tshark's data packets of that transfer carry the file's bytes
      const data = FTP_TSV.filter((x) => x.proto === 'FTP-DATA');
      expect(data.reduce((n, x) => n + Number(x.tcp_len), 0)).toBe(t.size);
      expect(JSON.stringify([r.ftp, r.files]).includes(built.planted.find((p) => p.protocol === 'ftp' && p.detector === 'cleartext_credentials')!.value)).toBe(false);
    });

    it('POP3: commands and +OK/-ERR as tshark reads them; user gina; the RETR reply has the message\'s lines', () => {
      const r = R('inspect-pop3.pcap');
      const t = built.transport.pop3[0]!;
      const req = POP3_TSV.filter((x) => x.cmd !== '');
      expect(r.pop3.map((x) => x.command)).toEqual(['<init>', ...req.map((x) => x.cmd)]);
      expect(req.map((x) => x.cmd)).toEqual(t.commands);
      expect(r.pop3.map((x) => (x.status === 'OK' ? '+OK' : '-ERR'))).toEqual(POP3_TSV.filter((x) => x.ind !== '').map((x) => x.ind));
      expect(r.pop3.filter((x) => x.command !== '<init>').every((x) => x.user === t.user && x.dst_port === t.port)).toBe(true);
      expect(r.pop3.find((x) => x.command === 'RETR')!.reply_lines).toBe(t.retr_lines);
      expect(r.sessions.find((s) => s.dst_port === t.port)!.app_proto).toBe('pop3');
      expect(JSON.stringify(r.pop3).includes(built.planted.find((p) => p.protocol === 'pop3' && p.detector === 'cleartext_credentials')!.value)).toBe(false);
    });
  });

  describe('every planted value and decoy where the construction puts it', () => {
    /** The bytes of a place named by a planted value or decoy: the file or part, a zip entry, or a stream direction. */
    function place(e: { capture: string; transaction: string; decode_path: string; file: string | null; entry: string | null }): Buffer {
      const r = R(e.capture);
      const steps = e.decode_path.split(' \u203a ');
      const file = (f: FileRecord): Buffer => {
        const b = r.bytes.get(f.fuid)!;
        return e.entry === null ? b : zipEntries(b).get(e.entry)!;
      };
      const client = (port: number): Buffer => Buffer.concat([...r.flows].filter(([k]) => k.endsWith(`>${port}`)).map(([, v]) => v));
      const server = (port: number): Buffer => Buffer.concat([...r.flows].filter(([k]) => k.startsWith(`${port}>`)).map(([, v]) => v));
      if (steps[0] === 'http') {
        const t = built.transport.http.find((x) => x.id === e.transaction)!;
        const h = r.http.find((x) => x.uri === t.uri)!;
        if (steps[2]?.startsWith('header:')) return client(t.port);
        const fuids = steps[1] === 'response' ? h.response_fuids : h.request_fuids;
        const f = r.files.find((x) => fuids.includes(x.fuid) && (steps[1] === 'request' || steps[1] === 'response' || x.part_path === steps[1]))!;
        return file(f);
      }
      if (steps[0] === 'smtp') {
        const t = built.transport.smtp.find((x) => x.id === e.transaction)!;
        const s = r.smtp.find((x) => x.message_id === t.message_id)!;
        const f = r.files.find((x) => s.fuids.includes(x.fuid) && x.part_path === steps[1]);
        // AUTH, and the text part (no files row): the client's side of the session, quoted-printable undone for the part
        if (f !== undefined) return file(f);
        return steps[2] === 'quoted-printable' ? unQp(client(t.port)) : client(t.port);
      }
      if (steps[0] === 'ftp') {
        const t = built.transport.ftp[0]!;
        return steps[1] === 'PASS' ? client(t.port) : file(r.files.find((x) => x.filename === t.filename)!);
      }
      const t = built.transport.pop3[0]!;
      return steps[1] === 'PASS' ? client(t.port) : server(t.port);
    }

    it('each planted value: its bytes as sent are where the construction says, as often as it says', () => {
      let checked = 0;
      for (const p of built.planted) {
        const b = place(p);
        if (p.detector === 'encrypted_container') {
          expect(b.length).toBeGreaterThan(0);
        } else if (p.split_runs !== undefined) {
          // a number split across the runs of a rich string: each run's text is there, the whole is not
          expect([p.id, occurrences(b, p.split_runs.map((x) => `<t xml:space="preserve">${x}</t>`).join('</r><r>'))]).toEqual([p.id, p.count]);
          expect([p.id, occurrences(b, p.wire!)]).toEqual([p.id, 0]);
        } else if (p.wire === null) {
          // a key pair: its id and its secret, each in the same JSON object
          expect([p.id, occurrences(b, p.key_id!), occurrences(b, p.secret!)]).toEqual([p.id, p.count, p.count]);
        } else {
          expect([p.id, occurrences(b, p.wire)]).toEqual([p.id, p.count]);
        }
        expect([p.id, p.value_sha256 === sha256(Buffer.from(p.value))]).toEqual([p.id, true]);
        checked++;
      }
      expect(checked).toBe(built.summary.planted);
    });

    it('each decoy is where the construction says', () => {
      for (const d of built.decoys) expect([d.id, occurrences(place(d), d.wire ?? d.value) > 0]).toEqual([d.id, true]);
    });

    it('the planted values pass the checks they were built to pass', () => {
      for (const p of built.planted) {
        const v = p.value;
        if (p.detector === 'payment_card') expect([p.id, luhn(v), issuer(v)]).toEqual([p.id, true, p.issuer]);
        if (p.detector === 'track_data') expect([p.id, luhn(p.pan!), issuer(p.pan!) !== null, v.includes(p.pan!)]).toEqual([p.id, true, true, true]);
        if (p.detector === 'us_ssn') expect([p.id, ssnValid(v)]).toEqual([p.id, true]);
        if (p.detector === 'iban') expect([p.id, mod97(v)]).toEqual([p.id, true]);
        if (p.detector === 'aba_routing') expect([p.id, abaValid(v)]).toEqual([p.id, true]);
        if (p.detector === 'github_token') expect([p.id, githubValid(v)]).toEqual([p.id, true]);
        if (p.detector === 'aws_access_key') expect([p.id, /^AKIA[A-Z2-7]{16}$/.test(p.key_id!), /^[A-Za-z0-9/+]{40}$/.test(p.secret!)]).toEqual([p.id, true, true]);
        if (p.detector === 'jwt') {
          const [head, body, sig] = v.split('.');
          expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
          expect([p.id, typeof (JSON.parse(Buffer.from(body!, 'base64url').toString()) as { sub: string }).sub, Buffer.from(sig!, 'base64url').length]).toEqual([p.id, 'string', 32]);
        }
        if (p.detector === 'pem_private_key') expect([p.id, /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\n[\s\S]+\n-----END (RSA |EC )?PRIVATE KEY-----$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'slack_token') expect([p.id, /^xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'stripe_key') expect([p.id, /^sk_live_[A-Za-z0-9]{24}$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'gcp_api_key') expect([p.id, /^AIza[\w-]{35}$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'email') expect([p.id, /^[a-z.]+@[a-z.]+\.[a-z]+$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'phone') expect([p.id, /^[2-9]\d\d-[2-9]\d\d-\d{4}$/.test(v)]).toEqual([p.id, true]);
        if (p.detector === 'cleartext_credentials') expect([p.id, ['carol', 'dave', 'erin', 'frank', 'gina'].includes(p.user!)]).toEqual([p.id, true]);
      }
      // the published test values are flagged as such, and only they
      expect(built.planted.filter((p) => p.test_value).map((p) => [p.detector, p.value]).sort()).toEqual([
        ['aws_access_key', 'AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
        ['payment_card', '378282246310005'], ['payment_card', '4111111111111111'], ['payment_card', '4111111111111111']]);
      // the card mix of report.pdf
      const g = built.groups.find((x) => x.id === 'G-report-cards')!;
      const mix: Record<string, number> = {};
      for (const p of built.planted.filter((x) => x.group === g.id)) mix[issuer(p.value)!] = (mix[issuer(p.value)!] ?? 0) + 1;
      expect(mix).toEqual(g.by_issuer);
      expect(built.planted.filter((x) => x.group === g.id && /^2[2-7]/.test(x.value)).length).toBeGreaterThan(0);
    });

    it('the decoys fail the checks that would make them values', () => {
      for (const d of built.decoys) {
        const v = /^[\d ]+$/.test(d.value) ? d.value.replace(/ /g, '') : d.value;
        if (d.kind === 'luhn_failing_digits') expect([d.id, /^\d{13,19}$/.test(v), luhn(v)]).toEqual([d.id, true, false]);
        if (d.kind === 'track_bad_pan') expect([d.id, luhn(/^;(\d+)=/.exec(v)![1]!)]).toEqual([d.id, false]);
        if (d.kind === 'invalid_ssn') expect([d.id, /^\d{3}-\d{2}-\d{4}$/.test(v), ssnValid(v)]).toEqual([d.id, true, false]);
        if (d.kind === 'iban_bad_check') expect([d.id, mod97(v)]).toEqual([d.id, false]);
        if (d.kind === 'aba_bad_check') expect([d.id, /^\d{9}$/.test(v), abaValid(v)]).toEqual([d.id, true, false]);
        if (d.kind === 'github_token_bad_crc') expect([d.id, /^ghp_[0-9A-Za-z]{36}$/.test(v), githubValid(v)]).toEqual([d.id, true, false]);
        if (d.kind === 'uuid') expect([d.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(v)]).toEqual([d.id, true]);
        if (d.kind === 'sha256_hex') expect([d.id, /^[0-9a-f]{64}$/.test(v)]).toEqual([d.id, true]);
        if (d.kind === 'pem_public_key') expect([d.id, /^-----BEGIN PUBLIC KEY-----/.test(v)]).toEqual([d.id, true]);
        if (d.kind === 'pem_certificate') expect([d.id, /^-----BEGIN CERTIFICATE-----/.test(v)]).toEqual([d.id, true]);
        expect(d.silent_for.length).toBeGreaterThan(0);
      }
      // no decoy is also a planted value
      const planted = new Set(built.planted.map((p) => p.value));
      expect(built.decoys.filter((d) => planted.has(d.value))).toEqual([]);
    });
  });
});

// A captured SMTP message to records: the `smtp` row (envelope, decoded headers, MIME skeleton) and a `files`
// row per attachment or inline non-text part (hashes, declared and real type, content-addressed copy). A message
// fetched over POP3/IMAP takes the same path: its row says how it was fetched (fetched_via, fetch_command), its files
// name that protocol as their source, and a partial one (TOP, BODY[]<0>) gives parts to inspect but no files.
// Structure is ours (analyzers/mime); header decoding (RFC 2047 words, RFC 2231 parameters, charsets) is
// libmime's and quoted-printable libqp's; the real type comes from the bytes (file-type).
import { latin1 } from '../core/latin1.js';
import { createRequire } from 'node:module';
import type Libmime from 'libmime';
import type Libqp from 'libqp';
import type { AnomalyLog } from '../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { header, MAX_MIME_DEPTH, parseMime, type MimePart } from '../analyzers/mime/mime-tree.js';
import type { SmtpMessage } from '../analyzers/smtp/smtp-analyzer.js';
import { bounded } from '../schema/bounds.js';
import { FILES, type FileRecord } from '../schema/files.js';
import { SMTP, type SmtpRecord } from '../schema/smtp.js';
import { hashes, makeFuid, realTypeOf, store, typeMismatch, type ObjectWrites } from './objects.js';

// libmime and libqp (CommonJS) are loaded on first use: runs that decode no mail (sessions, tls, alerts
// without SMTP) do not pay for their import (~50 ms at start)
const require = createRequire(import.meta.url);
let libmime: typeof Libmime | null = null;
let libqp: typeof Libqp | null = null;
const mime = (): typeof Libmime => (libmime ??= require('libmime') as typeof Libmime);
const qp = (): typeof Libqp => (libqp ??= require('libqp') as typeof Libqp);

export { makeFuid, realType, store, typeMismatch } from './objects.js';

export interface MailOptions {
  anomalies: Pick<AnomalyLog, 'add'>;
  /** where extracted objects go (`DIR/files/ab/abcd...`); null = hash and type them, store nothing */
  filesDir: string | null;
  /** every leaf part becomes a files record, text bodies included */
  allParts?: boolean;
  /** store objects in the background (the caller settles them); otherwise each is on disk before its record */
  writes?: ObjectWrites;
}

export interface MailRecords {
  smtp: SmtpRecord;
  files: FileRecord[];
  /** the objects' bytes, in the order of `files` (for callers that write them elsewhere) */
  contents: Uint8Array[];
  /** every leaf part decoded (text bodies too), for content inspection */
  parts: MailPart[];
}

/** A leaf part of a message, its transfer encoding undone. */
export interface MailPart {
  path: string;
  data: Uint8Array;
  filename: string | null;
  declared: string;
  /** Content-Transfer-Encoding as sent, lower case (base64, quoted-printable, uuencode); null for none */
  encoding: string | null;
  /** the files record it became, if it did */
  fuid: string | null;
}


/** A message's header block: its bytes up to the first empty line (CRLF CRLF or LF LF), or all of them without one. */
export function headerBlock(data: Uint8Array): Uint8Array {
  for (let i = 0; i + 1 < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    if (data[i + 1] === 0x0a) return data.subarray(0, i + 1);
    if (data[i + 1] === 0x0d && data[i + 2] === 0x0a) return data.subarray(0, i + 1);
  }
  return data;
}

/** The part's body without its transfer encoding (base64, quoted-printable, uuencode; else as sent). */
export function decodeBody(p: MimePart): Uint8Array {
  const cte = (header(p, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  // RFC 2045 §6.8: characters outside the base64 alphabet are ignored (Node's decoder would also take the
  // URL-safe "-" and "_" as digits)
  if (cte === 'base64') return new Uint8Array(Buffer.from(latin1(p.body).replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  if (cte === 'quoted-printable') return new Uint8Array(qp().decode(latin1(p.body)));
  if (cte === 'x-uuencode' || cte === 'uuencode' || cte === 'x-uue') return uudecode(p.body)?.data ?? p.body;
  return p.body;
}

/** The file name a MIME part declares (Content-Disposition filename, else Content-Type name), decoded. */
export function partFilename(p: MimePart): string | null {
  return decoded(paramsOf(header(p, 'content-disposition')).params.filename ?? paramsOf(p.contentType || null).params.name ?? null);
}

/** The leaf parts of a MIME tree, in order. */
export function leaves(p: MimePart): MimePart[] {
  return p.children.length === 0 && !p.type.startsWith('multipart/') ? [p] : p.children.flatMap(leaves);
}

/** uuencoded data ("begin 644 name" ... "end"), or null. */
export function uudecode(b: Uint8Array): { name: string; data: Uint8Array } | null {
  const text = latin1(b);
  const m = /^begin [0-7]{3,4} ([^\r\n]*)\r?\n/m.exec(text);
  if (m === null) return null;
  const out: number[] = [];
  for (const line of text.slice(m.index + m[0].length).split(/\r?\n/)) {
    if (line === 'end' || line === '`' || line === '') {
      if (line === 'end') break;
      continue;
    }
    const n = (line.charCodeAt(0) - 32) & 63;
    const bytes: number[] = [];
    for (let i = 1; i + 3 < line.length + 3 && bytes.length < n; i += 4) {
      const c = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63);
      bytes.push((c[0]! << 2) | (c[1]! >> 4), ((c[1]! & 15) << 4) | (c[2]! >> 2), ((c[2]! & 3) << 6) | c[3]!);
    }
    out.push(...bytes.slice(0, n));
  }
  return { name: m[1]!.trim(), data: Uint8Array.from(out) };
}

function decoded(s: string | null): string | null {
  if (s === null) return null;
  try {
    return mime().decodeWords(s);
  } catch {
    return s;
  }
}

function paramsOf(v: string | null): { value: string; params: Record<string, string> } {
  if (v === null || v === '') return { value: '', params: {} };
  try {
    return mime().parseHeaderValue(v);
  } catch {
    return { value: v.split(';')[0]!.trim().toLowerCase(), params: {} };
  }
}

/** The addresses of an address-list header (a@b from "Name <a@b>, c@d"). */
export function addresses(v: string | null): string[] {
  if (v === null) return [];
  const out: string[] = [];
  // commas inside quoted display names do not separate addresses
  for (const item of v.replace(/"(?:[^"\\]|\\.)*"/g, '""').split(',')) {
    const m = /<([^>]*)>/.exec(item) ?? /([^\s<>()",;:]+@[^\s<>()",;:]+)/.exec(item);
    if (m !== null && m[1]!.trim() !== '') out.push(m[1]!.trim());
  }
  return out;
}

/** MIME anomalies a partial fetch gives by its nature (the message's end did not come). */
const PARTIAL_EXPECTED = new Set(['mime_unterminated_multipart', 'mime_boundary_not_found']);

interface Leaf {
  part: MimePart;
  data: Uint8Array;
  filename: string | null;
  disposition: string;
  declared: string;
}

/** The records of one captured message. Objects are stored (when a directory is given) before this returns. */
export async function mailRecords(m: SmtpMessage, o: MailOptions): Promise<MailRecords> {
  const s = m.session;
  const endpoints = {
    src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
    dst_port: s.bPort,
  };
  // a partial fetch (TOP, BODY[]<0>) lacks its end by design: a multipart cut short is no anomaly there
  const problems = {
    add: (name: string, detail: string) => {
      if (m.fetched?.partial === true && PARTIAL_EXPECTED.has(name)) return;
      o.anomalies.add(m.endTs, s.uid, name, detail);
    },
  };
  const cut = (name: string, detail: string): void => o.anomalies.add(m.endTs, s.uid, name, detail);
  const files: FileRecord[] = [];
  const contents: Uint8Array[] = [];
  // only part of a fetched message came: its parts' hashes would name content nobody has, so none is made
  const partial = m.fetched?.partial === true;
  const source = m.fetched?.via ?? 'smtp';
  const parts: MailPart[] = [];
  const skeleton: string[] = [];
  let root: MimePart | null = null;
  if (m.data !== null) {
    root = parseMime(m.data, problems);
    // a fetched message's header block is inspected as its own part: the raw scan of the mailbox stream leaves
    // the message's bytes to this path, and the parts below are bodies only (From/To/Subject/X-* would be lost)
    if (m.fetched != null) parts.push({ path: 'headers', data: headerBlock(m.data), filename: null, declared: 'text/rfc822-headers', encoding: null, fuid: null });
    await walk(root, 0);
    // a message longer than the analyzer keeps: its start was parsed, the last part may be cut short
    if (m.dataBytes > m.data.length) skeleton.push(`Cut: the first ${m.data.length} of ${m.dataBytes} bytes were kept`);
    if (partial) skeleton.push(`Partial: ${m.fetched!.command} fetched part of the message; its parts are not hashed`);
  }

  async function walk(p: MimePart, indent: number): Promise<void> {
    const pad = '    '.repeat(indent);
    const ct = paramsOf(p.contentType || null);
    const disp = paramsOf(header(p, 'content-disposition'));
    if (p.children.length > 0 || p.type.startsWith('multipart/')) {
      skeleton.push(`${pad}Content-type: ${p.type}`, `${pad}Part: ${p.path || '(message)'}`, `${pad}Num-parts: ${p.children.length}`, `${pad}--`);
      for (const c of p.children) await walk(c, indent + 1);
      return;
    }
    const data = decodeBody(p);
    const filename = decoded(disp.params.filename ?? ct.params.name ?? null);
    const leaf: Leaf = { part: p, data, filename, disposition: disp.value.toLowerCase(), declared: p.contentType === '' ? p.type : ct.value.toLowerCase() || p.type };
    const lines = [`${pad}Content-type: ${p.type}`, `${pad}Part: ${p.path}`];
    if (filename !== null) lines.push(`${pad}Filename: ${filename}`);
    if (p.type === 'message/rfc822' || p.type === 'message/global') {
      skeleton.push(...lines, `${pad}Size: ${data.length}`, `${pad}--`);
      if (p.depth + 1 >= MAX_MIME_DEPTH) {
        problems.add('mime_too_deep', `message/rfc822 at part ${p.path} not opened`);
      } else {
        const inner = parseMime(data, problems, p.path, p.depth + 1);
        const subj = decoded(header(inner, 'subject'));
        if (subj !== null) skeleton.push(`${pad}    Subject: ${subj}`);
        await walk(inner, indent + 1);
      }
      if (!o.allParts) return;
    }
    // classic uuencoded attachments inside a text body
    if (p.type === 'text/plain' && !/^(base64|quoted-printable)$/i.test(header(p, 'content-transfer-encoding') ?? '')) {
      const uu = uudecode(p.body);
      if (uu !== null && !partial) {
        const f = await fileRecord({ ...leaf, data: uu.data, filename: uu.name, declared: 'application/octet-stream' }, `${p.path}.uu`);
        parts.push({ path: `${p.path}.uu`, data: uu.data, filename: uu.name, declared: 'application/octet-stream', encoding: 'uuencode', fuid: f.fuid });
        lines.push(`${pad}Uuencoded: ${uu.name} ${f.size} bytes sha256 ${f.sha256}`);
      }
    }
    const wanted = !partial && (o.allParts === true || leaf.disposition === 'attachment' || filename !== null ||
      (!p.type.startsWith('text/') && !p.type.startsWith('multipart/') && !p.type.startsWith('message/')));
    const encoding = (header(p, 'content-transfer-encoding') ?? '').trim().toLowerCase();
    const part: MailPart = { path: p.path, data, filename, declared: leaf.declared, encoding: /^(base64|quoted-printable)$/.test(encoding) ? encoding : null, fuid: null };
    parts.push(part);
    if (wanted) {
      const f = await fileRecord(leaf, p.path);
      part.fuid = f.fuid;
      lines.push(`${pad}Size: ${f.size}`, `${pad}Real-type: ${f.mime_type ?? 'unknown'}`, `${pad}SHA-256: ${f.sha256}`);
      if (f.stored_path !== null) lines.push(`${pad}Stored: ${f.stored_path}`);
    } else {
      lines.push(`${pad}Size: ${data.length}`);
    }
    skeleton.push(...lines, `${pad}--`);
  }

  async function fileRecord(l: Leaf, path: string): Promise<FileRecord> {
    const h = hashes(l.data);
    const real = await realTypeOf(l.data, h.sha256);
    const stored = o.filesDir === null ? null : o.writes !== undefined ? o.writes.put(o.filesDir, h.sha256, l.data) : await store(o.filesDir, h.sha256, l.data);
    const f: FileRecord = bounded(FILES, {
      fuid: makeFuid(s.uid, m.transDepth, path),
      uid: s.uid,
      ts: m.endTs,
      source,
      message_id: root === null ? null : header(root, 'message-id'),
      part_path: path,
      filename: l.filename,
      declared_type: l.declared,
      mime_type: real,
      size: l.data.length,
      missing_bytes: m.missingBytes > 0 ? m.missingBytes : 0,
      md5: h.md5,
      sha1: h.sha1,
      sha256: h.sha256,
      stored_path: stored,
      capture_id: null,
    }, cut);
    if (typeMismatch(l.declared, l.filename, real)) {
      problems.add('file_type_mismatch', `${l.filename ?? path}: labelled ${l.declared}, content is ${real}`);
    }
    files.push(f);
    contents.push(l.data);
    return f;
  }

  const rootHeader = (n: string): string | null => (root === null ? null : header(root, n));
  const all = (n: string): string[] => (root === null ? [] : root.headers.filter(([k]) => k === n).map(([, v]) => v));
  const smtp: SmtpRecord = bounded(SMTP, {
    uid: s.uid,
    ts: m.ts,
    ...endpoints,
    trans_depth: m.transDepth,
    helo: m.helo,
    mail_from: m.mailFrom,
    rcpt_to: m.rcptTo,
    from: decoded(rootHeader('from')),
    to: addresses(rootHeader('to')),
    cc: addresses(rootHeader('cc')),
    subject: decoded(rootHeader('subject')),
    date: rootHeader('date'),
    message_id: rootHeader('message-id'),
    in_reply_to: rootHeader('in-reply-to'),
    received: all('received'),
    x_originating_ip: rootHeader('x-originating-ip'),
    user_agent: rootHeader('user-agent') ?? rootHeader('x-mailer'),
    auth_mechanism: m.authMechanism,
    auth_user: m.authUser,
    starttls: m.starttls,
    last_reply: m.lastReply,
    data_bytes: m.dataBytes,
    missing_bytes: m.missingBytes,
    fuids: files.map((f) => f.fuid),
    skeleton: skeleton.length === 0 ? null : skeleton.join('\n'),
    capture_id: null,
    ...(m.fetched === undefined ? {} : { fetched_via: m.fetched.via, fetch_command: m.fetched.command }),
  }, cut);
  return { smtp, files, contents, parts };
}


/**
 * Messages the SMTP analyzer hands over while packets are read (synchronously) wait here; drain() turns them
 * into records between chunks (MIME decoding, type detection and storing are asynchronous).
 */
export class MailQueue {
  private pending: SmtpMessage[] = [];

  constructor(private readonly o: MailOptions, private readonly out: (r: MailRecords, m: SmtpMessage) => void | Promise<void>) {}

  readonly push = (m: SmtpMessage): void => {
    this.pending.push(m);
  };

  async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const m = this.pending.shift()!;
      await this.out(await mailRecords(m, this.o), m);
    }
  }
}

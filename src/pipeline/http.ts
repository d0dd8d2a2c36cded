// A captured HTTP transaction to records: the `http` row (Zeek http.log's fields) and a `files` row per
// request and response body (content codings gzip/deflate/br undone with node:zlib, then hashed, typed and
// stored content-addressed like mail parts).
import { keptRequestHeader, redactedUri } from '../inspect/credentials.js';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { AnomalyLog } from '../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import type { DecodeBudget } from '../analyzers/http/decode-budget.js';
import { headerOf, MAX_BODY, type HttpMessage, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { bounded, jsonStringBytes, textBoundOf, type CutReport } from '../schema/bounds.js';
import { FILES, type FileRecord } from '../schema/files.js';
import { HTTP, type HttpRecord } from '../schema/http.js';
import { hashes, makeFuid, realTypeOf, store, typeMismatch, type ObjectWrites } from './objects.js';
import { ja4h } from '../analyzers/http/ja4h.js';
import { parseMime } from '../analyzers/mime/mime-tree.js';
import { decodeBody, leaves, partFilename } from './mail.js';

export interface HttpOptions {
  anomalies: Pick<AnomalyLog, 'add'>;
  /** where bodies are stored (`DIR/files/ab/<sha256>`); null = hashed and typed only */
  filesDir: string | null;
  /** store bodies in the background (the caller settles them); otherwise each is on disk before its record */
  writes?: ObjectWrites;
}

export interface HttpRecords {
  http: HttpRecord;
  files: FileRecord[];
  contents: Uint8Array[];
  /** the request target as sent, for the content inspector only (the record's has its credentials redacted) */
  sentUri: string | null;
}

/** A zlib (gzip, deflate) stream inflates to at most 1032 times its size (the limit of DEFLATE's encoding). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The body without its content codings (applied in order, undone in reverse); the raw body when one fails or
 * the session's or capture's allowance of decoded bytes (`budget`) runs out. Worked out once per message
 * (records and signatures ask for the same body); `problem` hears why a body was kept as sent, each time.
 */
export function decodeContent(m: HttpMessage, problem: (name: string, detail: string) => void, budget?: DecodeBudget): Uint8Array {
  const ce = headerOf(m, 'content-encoding');
  if (ce === null || m.body.length === 0) return m.body;
  if (m.decoded === undefined) m.decoded = undoCodings(m.body, ce, budget);
  for (const [name, detail] of m.decoded.problems) problem(name, detail);
  return m.decoded.body;
}

function undoCodings(body: Uint8Array, ce: string, budget: DecodeBudget | undefined): { body: Uint8Array; problems: [string, string][] } {
  const kept = (name: string, detail: string): { body: Uint8Array; problems: [string, string][] } => ({ body, problems: [[name, `${detail}; the body is kept as sent`]] });
  let b: Uint8Array = body;
  const codings = ce.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '' && x !== 'identity');
  for (const c of codings.reverse()) {
    if (c !== 'gzip' && c !== 'x-gzip' && c !== 'deflate' && c !== 'br') return kept('http_content_decoding_failed', `content coding "${c}" is not supported`);
    const left = budget === undefined ? MAX_BODY : budget.left;
    if (left === 0) {
      budget!.report();
      return { body, problems: [] };
    }
    const opts = { maxOutputLength: Math.min(MAX_BODY, left) };
    try {
      if (c === 'br') b = brotliDecompressSync(b, opts);
      else b = c === 'deflate' ? deflate(b, opts) : gunzipSync(b, opts);
    } catch (e) {
      // what a failed inflation may have produced (and cost) before it stopped
      budget?.spend(c === 'br' ? opts.maxOutputLength : Math.min(opts.maxOutputLength, b.length * MAX_DEFLATE_RATIO));
      if (opts.maxOutputLength < MAX_BODY && (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        // the allowance ran out, not the body limit: said once per session (http_decode_budget_exhausted)
        budget!.report();
        return { body, problems: [] };
      }
      return kept('http_content_decoding_failed', `${ce}: ${e instanceof Error ? e.message : String(e)}`);
    }
    budget?.spend(b.length);
  }
  return { body: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), problems: [] };
}

/** "deflate" is zlib-wrapped by the RFC, raw DEFLATE by some servers: both are read (a stream over the limit once). */
function deflate(b: Uint8Array, opts: { maxOutputLength: number }): Uint8Array {
  try {
    return inflateSync(b, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw e;
    return inflateRawSync(b, opts);
  }
}

function filenameOf(m: HttpMessage): string | null {
  const cd = headerOf(m, 'content-disposition');
  if (cd === null) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(cd);
  if (star !== null) {
    try {
      return decodeURIComponent(star[2]!.trim());
    } catch {
      return star[2]!.trim();
    }
  }
  const m2 = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(cd);
  return m2 === null ? null : (m2[1] ?? m2[2]!).trim();
}

const HEADERS_BOUND = textBoundOf(HTTP, 'request_headers');

const nullable = <T>(v: T | null, f: (v: T) => T): T | null => (v === null ? null : f(v));

/**
 * The headers as JSON text (`[["Host","a"],...]`), credentials redacted, as many of the first ones whole as the field's bound lets a
 * row hold (its weight as a JSON string in the row, escapes of escapes included).
 */
export function headersJson(headers: [string, string][], report: CutReport): string {
  const pieces: string[] = [];
  // the row's quotes and the brackets, then each header and its comma (the text's own escapes, escaped again)
  let weight = 4;
  for (const h of headers) {
    const piece = JSON.stringify([h[0], keptRequestHeader(h[0], h[1])]);
    const w = jsonStringBytes(piece) - 2 + (pieces.length > 0 ? 1 : 0);
    if (weight + w > HEADERS_BOUND.bytes) {
      report(HEADERS_BOUND.anomaly, `request_headers: ${headers.length} headers, first ${pieces.length} kept (at most ${HEADERS_BOUND.bytes} bytes)`);
      break;
    }
    weight += w;
    pieces.push(piece);
  }
  return `[${pieces.join(',')}]`;
}

export async function httpRecords(t: HttpTransaction, o: HttpOptions): Promise<HttpRecords> {
  const s = t.session;
  const files: FileRecord[] = [];
  const contents: Uint8Array[] = [];
  const problem = (name: string, detail: string): void => o.anomalies.add(t.endTs, s.uid, name, detail);
  const body = async (m: HttpMessage | null, which: 'request' | 'response'): Promise<string[]> => {
    if (m === null || m.bodyLen === 0) return [];
    const data = decodeContent(m, problem, t.budget);
    const ct = headerOf(m, 'content-type');
    const declared = ct === null ? null : ct.split(';')[0]!.trim().toLowerCase();
    if (declared === 'multipart/form-data' && ct !== null) {
      // a form upload: each part is its own object (the files a browser sends through a form)
      const head = new TextEncoder().encode(`Content-Type: ${ct.replace(/[\r\n]/g, ' ')}\r\n\r\n`);
      const whole = new Uint8Array(head.length + data.length);
      whole.set(head);
      whole.set(data, head.length);
      const tree = parseMime(whole, { add: (name, detail) => o.anomalies.add(t.endTs, s.uid, name, detail) });
      const parts = leaves(tree);
      if (parts.length > 0) {
        const fuids: string[] = [];
        for (const p of parts) {
          fuids.push(await object(m, decodeBody(p), `${which}.${p.path}`, partFilename(p), p.contentType === '' ? null : p.type));
        }
        return fuids;
      }
    }
    return [await object(m, data, which, filenameOf(m), declared)];
  };
  const object = async (m: HttpMessage, data: Uint8Array, path: string, filename: string | null, declared: string | null): Promise<string> => {
    const which = path;
    const h = hashes(data);
    const real = await realTypeOf(data, h.sha256);
    const f: FileRecord = bounded(FILES, {
      fuid: makeFuid(s.uid, 'http', t.transDepth, which),
      uid: s.uid,
      ts: t.endTs,
      source: 'http',
      message_id: null,
      part_path: which,
      filename,
      declared_type: declared,
      mime_type: real,
      size: data.length,
      missing_bytes: m.missing,
      md5: h.md5,
      sha1: h.sha1,
      sha256: h.sha256,
      stored_path:
        o.filesDir === null || m.truncated || m.missing > 0 ? null : o.writes !== undefined ? o.writes.put(o.filesDir, h.sha256, data) : await store(o.filesDir, h.sha256, data),
      capture_id: null,
    }, problem);
    if (declared !== null && typeMismatch(declared, filename, real)) {
      o.anomalies.add(t.endTs, s.uid, 'file_type_mismatch', `${filename ?? `${which} body of ${t.method} ${redactedUri(t.uri).slice(0, 80)}`}: labelled ${declared}, content is ${real}`);
    }
    files.push(f);
    contents.push(data);
    return f.fuid;
  };
  const requestFuids = await body(t.request, 'request');
  const responseFuids = await body(t.response, 'response');
  const http: HttpRecord = bounded(HTTP, {
    uid: s.uid,
    ts: t.ts,
    src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
    dst_port: s.bPort,
    trans_depth: t.transDepth,
    method: t.method,
    host: headerOf(t.request, 'host'),
    // a password or token in the URL is not kept (the capture still has it)
    uri: redactedUri(t.uri),
    version: t.version,
    user_agent: headerOf(t.request, 'user-agent'),
    referer: nullable(headerOf(t.request, 'referer'), redactedUri),
    request_headers: headersJson(t.request.headers, problem),
    request_body_len: t.request.bodyLen,
    status_code: t.statusCode,
    status_msg: t.statusMsg,
    response_body_len: t.response?.bodyLen ?? 0,
    request_fuids: requestFuids,
    response_fuids: responseFuids,
    capture_id: null,
    info_code: t.infoCode,
    info_msg: t.infoMsg,
    ja4h: ja4h(t.method, t.version, t.request.headers),
  }, problem);
  return { http, files, contents, sentUri: t.uri };
}

/** Transactions wait here while packets are read; drain() turns them into records between chunks. */
export class HttpQueue {
  private pending: HttpTransaction[] = [];

  constructor(private readonly o: HttpOptions, private readonly out: (r: HttpRecords) => void | Promise<void>) {}

  readonly push = (t: HttpTransaction): void => {
    this.pending.push(t);
  };

  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.out(await httpRecords(this.pending.shift()!, this.o));
  }
}

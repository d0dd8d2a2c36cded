// A captured HTTP transaction to records: the `http` row (Zeek http.log's fields) and a `files` row per
// request and response body (content codings gzip/deflate/br undone with node:zlib, then hashed, typed and
// stored content-addressed like mail parts).
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { AnomalyLog } from '../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { headerOf, MAX_BODY, type HttpMessage, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import type { FileRecord } from '../schema/files.js';
import type { HttpRecord } from '../schema/http.js';
import { hashes, makeFuid, realTypeOf, store, typeMismatch, type ObjectWrites } from './objects.js';
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
}

/** The body without its content codings (applied in order, undone in reverse); the raw body when one fails. */
export function decodeContent(m: HttpMessage, problem: (detail: string) => void): Uint8Array {
  const ce = headerOf(m, 'content-encoding');
  if (ce === null || m.body.length === 0) return m.body;
  let b: Uint8Array = m.body;
  const codings = ce.split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '' && x !== 'identity');
  try {
    for (const c of codings.reverse()) {
      const opts = { maxOutputLength: MAX_BODY };
      if (c === 'gzip' || c === 'x-gzip') b = gunzipSync(b, opts);
      else if (c === 'deflate') b = deflate(b, opts);
      else if (c === 'br') b = brotliDecompressSync(b, opts);
      else {
        problem(`content coding "${c}" is not supported; the body is kept as sent`);
        return m.body;
      }
    }
  } catch (e) {
    problem(`${ce}: ${e instanceof Error ? e.message : String(e)}; the body is kept as sent`);
    return m.body;
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** "deflate" is zlib-wrapped by the RFC, raw DEFLATE by some servers: both are read. */
function deflate(b: Uint8Array, opts: { maxOutputLength: number }): Uint8Array {
  try {
    return inflateSync(b, opts);
  } catch {
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

export async function httpRecords(t: HttpTransaction, o: HttpOptions): Promise<HttpRecords> {
  const s = t.session;
  const files: FileRecord[] = [];
  const contents: Uint8Array[] = [];
  const problem = (name: string) => (detail: string): void => o.anomalies.add(t.endTs, s.uid, name, detail);
  const body = async (m: HttpMessage | null, which: 'request' | 'response'): Promise<string[]> => {
    if (m === null || m.bodyLen === 0) return [];
    const data = decodeContent(m, problem('http_content_decoding_failed'));
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
    const f: FileRecord = {
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
    };
    if (declared !== null && typeMismatch(declared, filename, real)) {
      o.anomalies.add(t.endTs, s.uid, 'file_type_mismatch', `${filename ?? `${which} body of ${t.method} ${t.uri.slice(0, 80)}`}: labelled ${declared}, content is ${real}`);
    }
    files.push(f);
    contents.push(data);
    return f.fuid;
  };
  const requestFuids = await body(t.request, 'request');
  const responseFuids = await body(t.response, 'response');
  const http: HttpRecord = {
    uid: s.uid,
    ts: t.ts,
    src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
    dst_port: s.bPort,
    trans_depth: t.transDepth,
    method: t.method,
    host: headerOf(t.request, 'host'),
    uri: t.uri,
    version: t.version,
    user_agent: headerOf(t.request, 'user-agent'),
    referer: headerOf(t.request, 'referer'),
    request_headers: JSON.stringify(t.request.headers),
    request_body_len: t.request.bodyLen,
    status_code: t.statusCode,
    status_msg: t.statusMsg,
    response_body_len: t.response?.bodyLen ?? 0,
    request_fuids: requestFuids,
    response_fuids: responseFuids,
    capture_id: null,
  };
  return { http, files, contents };
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

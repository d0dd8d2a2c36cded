// Buffers seen through Suricata transforms ("tls.sni|dotprefix" is tls.sni with a dot in front), computed
// once per inspection from the base buffer and kept beside it.
import { md5 } from '../core/md5.js';
import { sha1 } from '../core/sha1.js';
import { sha256 } from '../core/sha256.js';
import type { BaseBuffer, BufferName, Transform } from './rule.js';

export const TRANSFORMS: ReadonlySet<string> = new Set<Transform>([
  'strip_whitespace', 'compress_whitespace', 'dotprefix', 'to_lowercase', 'to_uppercase', 'url_decode', 'to_md5', 'to_sha1', 'to_sha256',
]);

/** isspace() of the C locale, as Suricata's transforms test */
const space = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function hexOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

export function applyTransform(t: Transform, b: Uint8Array): Uint8Array {
  switch (t) {
    case 'strip_whitespace':
      return b.filter((c) => !space(c));
    case 'compress_whitespace': {
      const out: number[] = [];
      // a run of whitespace becomes one space
      for (const c of b) {
        if (!space(c)) out.push(c);
        else if (out.length === 0 || out[out.length - 1] !== 0x20) out.push(0x20);
      }
      return Uint8Array.from(out);
    }
    case 'dotprefix': {
      const out = new Uint8Array(b.length + 1);
      out[0] = 0x2e;
      out.set(b, 1);
      return out;
    }
    case 'to_lowercase':
      return b.map((c) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c));
    case 'to_uppercase':
      return b.map((c) => (c >= 0x61 && c <= 0x7a ? c & ~0x20 : c));
    case 'url_decode': {
      const out: number[] = [];
      for (let i = 0; i < b.length; i++) {
        const c = b[i]!;
        if (c === 0x25 && i + 2 < b.length && hexOf(b[i + 1]!) >= 0 && hexOf(b[i + 2]!) >= 0) {
          out.push(hexOf(b[i + 1]!) * 16 + hexOf(b[i + 2]!));
          i += 2;
        } else out.push(c === 0x2b ? 0x20 : c);
      }
      return Uint8Array.from(out);
    }
    case 'to_md5':
      return md5(b);
    case 'to_sha1':
      return sha1(b);
    case 'to_sha256':
      return sha256(b);
  }
}

/** The buffer a match inspects: a base buffer ("raw" is the packet), or one derived and remembered. */
export function bufferOf(buffers: Partial<Record<BufferName, Uint8Array>>, name: BufferName): Uint8Array | undefined {
  if (name === 'raw') return buffers.pkt;
  const have = buffers[name];
  if (have !== undefined) return have;
  const bar = name.indexOf('|');
  if (bar < 0) return undefined;
  let b = bufferOf(buffers, name.slice(0, bar) as BaseBuffer);
  if (b === undefined) return undefined;
  for (const t of name.slice(bar + 1).split('|')) b = applyTransform(t as Transform, b);
  buffers[name] = b;
  return b;
}

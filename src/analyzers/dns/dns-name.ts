// DNS names (RFC 1035 §3.1, §4.1.4): labels, compression pointers (only backwards, a bounded chain), the
// 255-octet limit; and the problems a DNS message can have, as anomaly names. Pure.

/**
 * Compression pointers followed per name at most. Real encoders need one per name (a pointer lands on a name
 * that is whole or ends in one pointer); a longer chain is crafted. Pointers must also point backwards, so
 * a chain ends even below this bound.
 */
export const DNS_MAX_POINTERS = 16;
/** A name is at most 255 octets on the wire (RFC 1035 §3.1): 253 characters dotted. */
const MAX_NAME_BYTES = 255;

/** Problems, as anomaly names (layer-prefixed). */
export type DnsProblem =
  | 'dns_name_past_end' | 'dns_name_bad_label' | 'dns_name_too_long' | 'dns_name_forward_pointer' | 'dns_name_too_many_pointers'
  | 'dns_truncated_question' | 'dns_truncated_rr' | 'dns_rdata_past_end' | 'dns_rdata_malformed' | 'dns_too_many_rrs'
  | 'dns_edns_truncated_option' | 'dns_edns_ecs_invalid' | 'dns_trailing_bytes';

/** A name read from a message: its dotted bytes and where the name ends in the message. */
export interface NameRead {
  name: Uint8Array;
  end: number;
}

/** Where readName reports why it gave null (reused; valid until the next call). */
export const nameProblem: { problem: DnsProblem | null } = { problem: null };

/** A name at b[off...] with compression followed, or null when malformed (the reason in nameProblem). */
export function readName(b: Uint8Array, off: number, limit = b.length): NameRead | null {
  const out: number[] = [];
  let p = off;
  let end = -1;
  let jumps = 0;
  let wire = 0;
  nameProblem.problem = null;
  const fail = (problem: DnsProblem): null => {
    nameProblem.problem = problem;
    return null;
  };
  for (;;) {
    if (p >= (end < 0 ? limit : b.length)) return fail('dns_name_past_end');
    const len = b[p]!;
    if (len === 0) {
      if (end < 0) end = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= (end < 0 ? limit : b.length)) return fail('dns_name_past_end');
      if (++jumps > DNS_MAX_POINTERS) return fail('dns_name_too_many_pointers');
      const to = ((len & 0x3f) << 8) | b[p + 1]!;
      // a pointer names an earlier place: forward and self pointers are how loops are made
      if (to >= p) return fail('dns_name_forward_pointer');
      if (end < 0) end = p + 2;
      p = to;
      continue;
    }
    if ((len & 0xc0) !== 0) return fail('dns_name_bad_label');
    if (p + 1 + len > (end < 0 ? limit : b.length)) return fail('dns_name_past_end');
    wire += 1 + len;
    if (wire + 1 > MAX_NAME_BYTES) return fail('dns_name_too_long');
    if (out.length > 0) out.push(0x2e);
    for (let i = 1; i <= len; i++) out.push(b[p + i]!);
    p += 1 + len;
  }
  return { name: Uint8Array.from(out), end };
}

/** A name's bytes as text: printable ASCII as is, other bytes as \xNN (the root is ""). */
export function nameText(n: Uint8Array): string {
  let s = '';
  for (const c of n) s += c >= 0x21 && c <= 0x7e && c !== 0x5c ? String.fromCharCode(c) : c === 0x5c ? '\\\\' : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}


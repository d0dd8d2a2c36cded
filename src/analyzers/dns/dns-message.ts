// The question names of a DNS message (RFC 1035 §4.1): what signatures match as dns.query. Pure syntax over
// one UDP payload (or one length-prefixed TCP message); a malformed message gives what was read before the
// damage, never an exception.

export interface DnsQuestions {
  /** QR bit: a response */
  response: boolean;
  id: number;
  /** each question's name, dotted, bytes as sent (no trailing dot; the root is "") */
  names: Uint8Array[];
}

/** Compression pointers followed per name at most (a loop of pointers ends here). */
const MAX_POINTERS = 16;
/** Questions read per message at most. */
const MAX_QUESTIONS = 16;

/** A name at b[off...]: its dotted bytes and where the name ends in the message, or null when malformed. */
function readName(b: Uint8Array, off: number): { name: Uint8Array; end: number } | null {
  const out: number[] = [];
  let p = off;
  let end = -1;
  let jumps = 0;
  for (;;) {
    if (p >= b.length) return null;
    const len = b[p]!;
    if (len === 0) {
      if (end < 0) end = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= b.length || ++jumps > MAX_POINTERS) return null;
      if (end < 0) end = p + 2;
      p = ((len & 0x3f) << 8) | b[p + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0 || p + 1 + len > b.length || out.length + len > 255) return null;
    if (out.length > 0) out.push(0x2e);
    for (let i = 1; i <= len; i++) out.push(b[p + i]!);
    p += 1 + len;
  }
  return { name: Uint8Array.from(out), end };
}

/** The questions of a DNS message, or null when it is not one (too short, absurd counts, bad first name). */
export function dnsQuestions(b: Uint8Array): DnsQuestions | null {
  if (b.length < 12) return null;
  const flags = (b[2]! << 8) | b[3]!;
  const opcode = (flags >> 11) & 0xf;
  const qd = (b[4]! << 8) | b[5]!;
  if (opcode > 6 || qd === 0 || qd > MAX_QUESTIONS) return null;
  const names: Uint8Array[] = [];
  let p = 12;
  for (let i = 0; i < qd; i++) {
    const n = readName(b, p);
    if (n === null || n.end + 4 > b.length) break;
    names.push(n.name);
    p = n.end + 4;
  }
  if (names.length === 0) return null;
  return { response: (flags & 0x8000) !== 0, id: (b[0]! << 8) | b[1]!, names };
}
